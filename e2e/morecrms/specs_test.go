package morecrms_test

import (
	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("The hub with ActiveCampaign, Drip, Mailchimp and MailerLite, as processes against their fakes", func() {
	forEachStore(func(w *world) {
		Describe("ActiveCampaign", func() { activeCampaignSpecs(w) })
		Describe("Drip", func() { dripSpecs(w) })
		Describe("Mailchimp", func() { mailchimpSpecs(w) })
		Describe("MailerLite", func() { mailerLiteSpecs(w) })
	})
})
