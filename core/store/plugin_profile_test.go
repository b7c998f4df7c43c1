package store_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("Plugin profiles", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("keeps each CRM's latest plugin Info", func(ctx SpecContext) {
			s := db.Store()
			Expect(s.PluginProfiles(ctx)).To(BeEmpty())
			Expect(s.SavePluginProfile(ctx, "hubspot", `{"Name":"hubspot"}`)).To(Succeed())
			Expect(s.SavePluginProfile(ctx, "klicktipp", `{"Name":"klicktipp","Version":"1"}`)).To(Succeed())
			Expect(s.SavePluginProfile(ctx, "klicktipp", `{"Name":"klicktipp","Version":"2"}`)).To(Succeed())
			Expect(s.PluginProfiles(ctx)).To(Equal(map[string]string{
				"hubspot":   `{"Name":"hubspot"}`,
				"klicktipp": `{"Name":"klicktipp","Version":"2"}`,
			}))
		})
	})
})
