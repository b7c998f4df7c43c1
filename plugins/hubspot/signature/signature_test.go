package signature_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/signature"
)

// HubSpot's published test vectors (its validation guide and the Python
// SDK's tests/spec/utils/test_signature.py).
const (
	secret  = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	uri     = "https://www.example.com/webhook_uri"
	pyBody  = "{'example_field':'example_value'}"
	faqBody = `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`
)

var _ = Describe("HubSpot's signatures", func() {
	It("match the v3 test vector", func() {
		Expect(signature.V3(secret, "POST", uri, []byte(pyBody), "15000000")).To(Equal("HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="))
	})
	It("match the v2 test vectors, POST with a body and GET without", func() {
		Expect(signature.V2(secret, "POST", uri, []byte(pyBody))).To(Equal("4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"))
		Expect(signature.V2(secret, "GET", uri, nil)).To(Equal("eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"))
	})
	It("match the v1 test vectors", func() {
		Expect(signature.V1(secret, []byte(pyBody))).To(Equal("69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"))
		Expect(signature.V1(secret, []byte(faqBody))).To(Equal("232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"))
	})
	It("compares hex case-insensitively and base64 exactly", func() {
		v1 := signature.V1(secret, []byte(faqBody))
		Expect(signature.Equal(v1, "232DB2615F3D666FE21A8EC971AC7B5402D33B9A925784DF3CA654D05F4817DE", true)).To(BeTrue())
		Expect(signature.Equal("HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=", "hpw73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=", false)).To(BeFalse())
		Expect(signature.Equal(v1, "", true)).To(BeFalse())
	})
	It("decodes only the escapes HubSpot names in the URI", func() {
		Expect(signature.DecodeURI("https://hub.example/hooks/hubspot?access_key=a%3Ab%2Fc%40d%20e%26f%2a")).
			To(Equal("https://hub.example/hooks/hubspot?access_key=a:b/c@d%20e%26f*"))
		Expect(signature.URIs(uri)).To(Equal([]string{uri}))
		Expect(signature.URIs("https://h/x?k=a%3Ab")).To(Equal([]string{"https://h/x?k=a%3Ab", "https://h/x?k=a:b"}))
	})
})
