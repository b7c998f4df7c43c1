package api_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("Calls", func() {
	var fake *fakeklicktipp.Server
	var client *api.Client
	BeforeEach(func() {
		fake = newFake()
		client = sessionClient(fake)
	})

	It("reads a subscriber with its tags and every field… key plus email", func(ctx SpecContext) {
		sub, err := client.Subscriber(ctx, "155988456")
		Expect(err).NotTo(HaveOccurred())
		Expect(sub.ID).To(Equal("155988456"))
		Expect(sub.Email).To(Equal("anna@example.com"))
		Expect(sub.Tags).To(Equal([]string{"11", "12"}))
		Expect(sub.ManualTags).To(Equal([]string{"11"}))
		Expect(sub.SmartTags).To(Equal([]string{"12"}))
		Expect(sub.Fields).To(HaveKeyWithValue("fieldFirstName", "Anna"))
		Expect(sub.Fields).To(HaveKeyWithValue("fieldLastName", ""))
		Expect(sub.Fields).To(HaveKeyWithValue("email", "anna@example.com"))
		Expect(sub.Fields).NotTo(HaveKey("sms_phone"))
	})

	It("keeps a burst's connections for the next, as the hub's workers call at once", func(ctx SpecContext) {
		opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
			c := newClient(api.Config{BaseURL: base, Auth: api.Session{Username: apiUser, Password: apiPassword}})
			// It logs in through the proxy first: that connection counts.
			return func() error { _, err := c.Subscriber(ctx, "155988456"); return err }, c.Login(ctx)
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})

	DescribeTable("tolerates the shapes KlickTipp's answers come in",
		func(ctx SpecContext, numericIDs, emptyMapsAsObjects bool) {
			fake.SetNumericIDs(numericIDs)
			fake.SetEmptyMapsAsObjects(emptyMapsAsObjects)

			anna, err := client.Subscriber(ctx, "155988456")
			Expect(err).NotTo(HaveOccurred())
			Expect(anna.ID).To(Equal("155988456"))
			Expect(anna.Tags).To(Equal([]string{"11", "12"}))

			id, err := client.Search(ctx, "ben@example.com")
			Expect(err).NotTo(HaveOccurred())
			ben, err := client.Subscriber(ctx, id)
			Expect(err).NotTo(HaveOccurred())
			Expect(ben.Email).To(Equal("ben@example.com"))
			Expect(ben.Tags).To(BeEmpty())
			Expect(ben.ManualTags).To(BeEmpty())
		},
		Entry("ids as strings, empty maps as [] (as KlickTipp sends them)", false, false),
		Entry("ids as numbers", true, false),
		Entry("empty maps as {}", false, true),
	)

	It("finds a subscriber by e-mail address", func(ctx SpecContext) {
		Expect(client.Search(ctx, "anna@example.com")).To(Equal("155988456"))
	})

	It("writes fields in KlickTipp's form encoding and leaves the others alone", func(ctx SpecContext) {
		Expect(client.Update(ctx, "155988456", api.Changes{
			Fields: map[string]string{"fieldLastName": "Muster & Söhne", "fieldCity": "Köln"},
		})).To(Succeed())
		anna, _ := fake.Subscriber("155988456")
		Expect(anna.Fields).To(Equal(map[string]string{
			"fieldFirstName": "Anna", "fieldLastName": "Muster & Söhne", "fieldCity": "Köln",
		}))
	})

	It("changes the e-mail address", func(ctx SpecContext) {
		Expect(client.Update(ctx, "155988456", api.Changes{NewEmail: "anna@example.org"})).To(Succeed())
		Expect(client.Search(ctx, "anna@example.org")).To(Equal("155988456"))
	})

	It("lists tags and fields, and an empty tag list sent as []", func(ctx SpecContext) {
		Expect(client.Tags(ctx)).To(Equal(map[string]string{"11": "Kunde", "12": "Newsletter geöffnet"}))
		Expect(client.Fields(ctx)).To(HaveKeyWithValue("fieldFirstName", "Vorname"))

		empty := fakeklicktipp.New()
		DeferCleanup(empty.Close)
		empty.AddUser(apiUser, apiPassword)
		Expect(sessionClient(empty).Tags(ctx)).To(BeEmpty())
	})
})

var _ = Describe("Subscriber", func() {
	DescribeTable("reads a subscriber object however PHP wrote it",
		func(body string, want api.Subscriber) {
			var got api.Subscriber
			Expect(json.Unmarshal([]byte(body), &got)).To(Succeed())
			Expect(got).To(Equal(want))
		},
		Entry("strings and nulls",
			`{"id":"1","email":"a@b.de","sms_phone":null,"fieldFirstName":"A","fieldLastName":null,"tags":["3","2"],
			  "manual_tags":{"3":"1735426329"},"smart_tags":{"2":"1735426329"}}`,
			api.Subscriber{ID: "1", Email: "a@b.de", Tags: []string{"2", "3"}, ManualTags: []string{"3"}, SmartTags: []string{"2"},
				Fields: map[string]string{"email": "a@b.de", "fieldFirstName": "A", "fieldLastName": ""}}),
		Entry("numbers where strings were promised",
			`{"id":155988456,"email":"a@b.de","tags":[12,3],"fieldBirthday":631152000,"fieldLeadValue":12.5}`,
			api.Subscriber{ID: "155988456", Email: "a@b.de", Tags: []string{"3", "12"},
				Fields: map[string]string{"email": "a@b.de", "fieldBirthday": "631152000", "fieldLeadValue": "12.5"}}),
		Entry("empty maps as []",
			`{"id":"1","email":"a@b.de","tags":[],"manual_tags":[],"smart_tags":[],"fields":[]}`,
			api.Subscriber{ID: "1", Email: "a@b.de", Fields: map[string]string{"email": "a@b.de"}}),
		Entry("tags as an object with holes in its keys",
			`{"id":"1","tags":{"0":"5","2":"7"}}`,
			api.Subscriber{ID: "1", Tags: []string{"5", "7"}, Fields: map[string]string{}}),
		Entry("a nested fields map, under the top-level keys",
			`{"id":"1","fieldCity":"Köln","fields":{"fieldCity":"Bonn","field123":"x","fieldNested":{"a":1}}}`,
			api.Subscriber{ID: "1", Fields: map[string]string{"fieldCity": "Köln", "field123": "x"}}),
		Entry("strings with escapes, and bytes that are not UTF-8, as encoding/json reads them",
			"{\"id\":\"1\",\"fieldLastName\":\"M\\u00fcller \\\"Mo\\\" \\/ x\",\"fieldCity\":\"K\xf6ln\",\"fieldZip\":\"\"}",
			api.Subscriber{ID: "1", Fields: map[string]string{"fieldLastName": `Müller "Mo" / x`, "fieldCity": "K\uFFFDln", "fieldZip": ""}}),
		Entry("values of odd shapes skipped",
			`{"id":"1","fieldOdd":{"a":"b"},"manual_tags":"x","outbound":{"1":{"x":2}}}`,
			api.Subscriber{ID: "1", Fields: map[string]string{}}),
		Entry("a tag map spoilt by one value of odd shape, and empty or repeated ids dropped",
			`{"id":"1","manual_tags":{"3":"1735426329","4":[]},"smart_tags":[7,true],"tags":["","3",3,null]}`,
			api.Subscriber{ID: "1", Tags: []string{"3"}, SmartTags: []string{"0", "1"}, Fields: map[string]string{}}),
		Entry("true and false as PHP prints them, and null tags",
			`{"id":"1","fieldA":true,"fieldB":false,"tags":null,"manual_tags":null}`,
			api.Subscriber{ID: "1", Fields: map[string]string{"fieldA": "1", "fieldB": ""}}),
		Entry("the last of a repeated key, as encoding/json reads it",
			`{"id":"1","id":"2","fieldA":"x","fieldA":{"odd":1},"fieldB":{"odd":1},"fieldB":"y","fields":{"fieldA":"z"}}`,
			api.Subscriber{ID: "2", Fields: map[string]string{"fieldA": "z", "fieldB": "y"}}),
	)

	DescribeTable("refuses an answer that is not one object",
		func(body string) {
			var got api.Subscriber
			Expect(got.UnmarshalJSON([]byte(body))).NotTo(Succeed())
			Expect(json.Unmarshal([]byte(body), &got)).NotTo(Succeed())
		},
		Entry("a list", `["There is no such entity."]`),
		Entry("cut off", `{"id":"1","fieldA":"x`),
		Entry("cut off after a key", `{"id":"1","tags":`),
		Entry("two objects", `{"id":"1"} {"id":"2"}`),
		Entry("a missing comma", `{"id":"1" "email":"a@b.de"}`),
		Entry("not JSON", `<html>maintenance</html>`),
		Entry("nothing", ``),
	)
})
