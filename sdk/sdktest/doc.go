// Package sdktest is the conformance kit every crmhub plugin runs in its own
// tests: it serves the plugin over a real gRPC connection, as the hub would
// reach it, and checks that it answers as the hub expects.
//
// Start with Kit: give it a factory for your CRM and Fixtures that your
// test's fake CRM API knows, then run every check as its own spec:
//
//	for _, check := range sdktest.Checks() {
//		It(check.Name, func(ctx SpecContext) {
//			Expect(check.Run(ctx, kit)).To(Succeed())
//		})
//	}
//
// or all at once with Run. A failure says what to fix. Besides the calls
// themselves, the kit checks what protocol 2 asks of a plugin: headers read
// by the keys the hub hands over (canonicalised as net/http does), a forged
// request rejected at the door, one item per contact of a multi-contact
// request, DecodeWebhooks making no request to the CRM (Fixtures.CRMRequests),
// refused credentials reported as Unauthenticated, Configure running while
// other calls do (run the specs with -race), and no error text quoting a
// secret setting's value. The example plugin in sdk/example passes them all.
// Serve connects a CRM the same way for specs of your own.
package sdktest
