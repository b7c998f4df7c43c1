// Package sdktest is the conformance kit every crmhub plugin runs in its own
// tests: it serves the plugin over a real gRPC connection, as the hub would
// reach it, and checks that it answers as the hub expects.
//
// Start with Kit: give it a factory for your CRM and Fixtures that your
// test's fake CRM API knows, then run every check from a test:
//
//	It("passes the sdk conformance kit", func(ctx SpecContext) {
//		Expect(sdktest.Run(ctx, kit)).To(Succeed())
//	})
//
// or one spec per check, over Checks. A failure says what to fix.
// Serve connects a CRM the same way for specs of your own.
package sdktest
