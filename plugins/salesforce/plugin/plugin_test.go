package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/plugins/salesforce/outbound"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("Info", func() {
	It("declares the SOAP Ack and the settings of the design, client_secret secret", func(ctx SpecContext) {
		info, err := newPlugin().Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Name).To(Equal("salesforce"))
		Expect(info.Webhooks.Ack.Status).To(Equal(200))
		Expect(string(info.Webhooks.Ack.Body)).To(ContainSubstring("<Ack>true</Ack>"))
		names := map[string]sdk.Setting{}
		for _, s := range info.Settings {
			names[s.Name] = s
		}
		Expect(names).To(HaveKey("login_url"))
		Expect(names["login_url"].Default).To(Equal("https://login.salesforce.com"))
		Expect(names["api_version"].Default).To(Equal("v60.0"))
		Expect(names["tags"].Default).To(Equal("topics"))
		Expect(names["client_secret"].Secret).To(BeTrue())
		Expect(names["organization_id"].Required).To(BeTrue())
		Expect(names).To(HaveKey("timeout"))
	})
})

var _ = Describe("Configure", func() {
	var fake *fakesalesforce.Server
	BeforeEach(func() { fake, _ = newFake() })

	DescribeTable("is Invalid for settings wrong on their face, without asking Salesforce",
		func(ctx SpecContext, key, value string) {
			err := newPlugin().Configure(ctx, settingsFor(fake, key, value))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(key))
			Expect(fake.Tokens()).To(BeZero())
		},
		Entry("an org id of 16 characters", "organization_id", "00Dn00000008y2tE"),
		Entry("an org id whose case was changed", "organization_id", "00DN00000008Y2TEAA"),
		Entry("a record id that is not an org's", "organization_id", "003n000000NOtUbAAL"),
		Entry("an api version without v", "api_version", "60.0"),
		Entry("an api version of another shape", "api_version", "v60"),
		Entry("tags of another kind", "tags", "lists"),
		Entry("a picklist without a field", "tags", "picklist:"),
		Entry("a login url without scheme", "login_url", "login.salesforce.com"),
		Entry("a timeout that is no duration", "timeout", "soon"),
	)
	It("accepts the org id's 15-character form", func(ctx SpecContext) {
		configured(ctx, settingsFor(fake, "organization_id", fake.OrgID[:15]))
	})
	It("is Unauthenticated for a refused secret, and never quotes it", func(ctx SpecContext) {
		err := newPlugin().Configure(ctx, settingsFor(fake, "client_secret", "wrong-s3cret-value"))
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).NotTo(ContainSubstring("wrong-s3cret-value"))
	})
	It("keeps the working account when a new config fails", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		Expect(p.Configure(ctx, settingsFor(fake, "client_secret", "wrong"))).NotTo(Succeed())
		_, err := p.FindContact(ctx, "anna@example.com")
		Expect(err).NotTo(HaveOccurred())
	})
})

var _ = Describe("the door", func() {
	var (
		fake *fakesalesforce.Server
		anna string
	)
	BeforeEach(func() { fake, anna = newFake() })

	message := func(org string) sdk.Request {
		return sdk.Request{Method: "POST", URL: "https://hub.example/hooks/salesforce?action=update&access_key=k",
			Header: map[string][]string{"Content-Type": {"text/xml; charset=utf-8"}},
			Body:   fakesalesforce.OutboundMessage(org, actionID, fakesalesforce.Notification{ID: "04ln0000009JvY4AAK", RecordID: anna})}
	}

	It("accepts a message of the configured org, given as 15 or 18 characters", func(ctx SpecContext) {
		for _, configuredID := range []string{fake.OrgID, fake.OrgID[:15]} {
			p := configured(ctx, settingsFor(fake, "organization_id", configuredID))
			v, err := p.CheckWebhook(ctx, message(fake.OrgID))
			Expect(err).NotTo(HaveOccurred())
			Expect(v.Decision).To(Equal(sdk.DecisionAccept))
		}
	})
	It("refuses another org's message with a SOAP fault and 403", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		v, err := p.CheckWebhook(ctx, message("00Dn00000008y2uEAA"))
		Expect(err).NotTo(HaveOccurred())
		Expect(v.Decision).To(Equal(sdk.DecisionReject))
		Expect(v.RejectStatus()).To(Equal(403))
		Expect(string(v.Answer.Body)).To(ContainSubstring("soapenv:Fault"))
	})
	It("refuses a body that is no Outbound Message with 400", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		req := message(fake.OrgID)
		req.Body = []byte("wpf_action=update")
		v, err := p.CheckWebhook(ctx, req)
		Expect(err).NotTo(HaveOccurred())
		Expect(v.RejectStatus()).To(Equal(400))
	})
	It("is Unauthenticated before Configure, so the hub answers 503 and Salesforce sends again", func(ctx SpecContext) {
		_, err := newPlugin().CheckWebhook(ctx, message(fake.OrgID))
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
	})
})

var _ = Describe("contacts", func() {
	var (
		fake *fakesalesforce.Server
		anna string
	)
	BeforeEach(func() { fake, anna = newFake() })

	It("reports topics as tags, by id with their names", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		c, err := p.GetContact(ctx, anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Email).To(Equal("anna@example.com"))
		var names []string
		for _, t := range c.Tags {
			Expect(t.ID).To(HavePrefix("0TO"))
			names = append(names, t.Name)
		}
		Expect(names).To(ConsistOf("Customer", "VIP"))
		all, err := p.ListTags(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(all).To(ContainElements(c.Tags))
	})
	It("reports no tags for a contact without topics, without asking for topic names", func(ctx SpecContext) {
		id := fake.AddContact(map[string]any{"LastName": "Bare", "Email": "bare@example.com"})
		p := configured(ctx, settingsFor(fake))
		c, err := p.GetContact(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Tags).To(BeEmpty())
		for _, call := range fake.Calls() {
			Expect(call.Query).NotTo(HavePrefix("SELECT Id, Name FROM Topic"))
		}
	})
	It("reports a multi-select picklist's values as tags with tags: picklist:<field>", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake, "tags", "picklist:Interests__c"))
		c, err := p.GetContact(ctx, anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Tags).To(Equal([]sdk.Tag{{ID: "Golf", Name: "Golf"}, {ID: "Tennis", Name: "Tennis"}}))
		Expect(c.Fields).To(HaveKeyWithValue("Interests__c", "Golf;Tennis"))
		all, err := p.ListTags(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(all).To(Equal([]sdk.Tag{{ID: "Golf", Name: "Golf"}, {ID: "Tennis", Name: "Tennis"}, {ID: "Chess", Name: "Chess"}}))
	})
	It("is Invalid when the picklist field does not exist", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake, "tags", "picklist:Missing__c"))
		_, err := p.ListTags(ctx)
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
	})
	It("lists fields by API name and label", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		fields, err := p.ListFields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElement(sdk.Field{ID: "City__c", Name: "City"}))
	})
	It("finds a contact whose address has a quote", func(ctx SpecContext) {
		id := fake.AddContact(map[string]any{"LastName": "O'Brien", "Email": "o'brien@example.com"})
		p := configured(ctx, settingsFor(fake))
		Expect(p.FindContact(ctx, "o'brien@example.com")).To(Equal(id))
	})
	It("decodes a message without calling Salesforce", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		before := len(fake.Calls())
		items, err := p.DecodeWebhook(ctx, soap(fakesalesforce.OutboundMessage(fake.OrgID, actionID,
			fakesalesforce.Notification{ID: "04ln0000009JvY4AAK", RecordID: anna, Email: "anna@example.com"})))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(1))
		Expect(fake.Calls()).To(HaveLen(before))
	})
	It("writes a field back (the returned password)", func(ctx SpecContext) {
		fake.AddField(fakesalesforce.Field{Name: "WP_Password__c"})
		id := fake.AddContact(map[string]any{"LastName": "Pw", "WP_Password__c": nil})
		p := configured(ctx, settingsFor(fake))
		Expect(p.UpdateContact(ctx, id, map[string]string{"WP_Password__c": "s3cr3t"})).To(Succeed())
		Expect(fake.Contact(id)).To(HaveKeyWithValue("WP_Password__c", "s3cr3t"))
	})
})

var _ = Describe("over the plugin protocol", func() {
	It("makes the hub check every message at the door and answer the SOAP Ack", func(ctx SpecContext) {
		fake, anna := newFake()
		client, stop, err := sdktest.Serve(newPlugin())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(stop)
		info, err := client.Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Webhooks.Check).To(BeTrue())
		Expect(info.Webhooks.Ack).To(Equal(outbound.Ack()))
		Expect(client.Configure(ctx, settingsFor(fake))).To(Succeed())
		v, err := client.CheckWebhook(ctx, sdk.Request{Method: "POST",
			Body: fakesalesforce.OutboundMessage("00Dn00000008y2uEAA", actionID, fakesalesforce.Notification{ID: "04ln0000009JvY4AAK", RecordID: anna})})
		Expect(err).NotTo(HaveOccurred())
		Expect(v.Decision).To(Equal(sdk.DecisionReject))
		Expect(v.RejectStatus()).To(Equal(403))
		Expect(string(v.Answer.Body)).To(ContainSubstring("<faultcode>soapenv:Client</faultcode>"))
	})
})
