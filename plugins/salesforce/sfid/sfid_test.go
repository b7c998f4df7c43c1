package sfid_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/sfid"
)

func TestSfid(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Salesforce ids")
}

var _ = Describe("Salesforce ids", func() {
	It("accepts real 18-character ids, whose suffix encodes the case of the first 15", func() {
		// From Salesforce's Outbound Message example.
		Expect(sfid.Valid("00Dn00000008y2tEAA")).To(BeTrue())
		Expect(sfid.Valid("003n000000NOtUbAAL")).To(BeTrue())
		Expect(sfid.To18("003n000000NOtUb")).To(Equal("003n000000NOtUbAAL"))
	})
	It("accepts 15-character ids", func() {
		Expect(sfid.Valid("00Dn00000008y2t")).To(BeTrue())
	})
	It("refuses ids whose case was changed, of other lengths, or with other characters", func() {
		Expect(sfid.Valid("00DN00000008Y2TEAA")).To(BeFalse(), "upper-cased: the suffix no longer matches")
		Expect(sfid.Valid("00Dn00000008y2tEA")).To(BeFalse())
		Expect(sfid.Valid("00Dn00000008y2-")).To(BeFalse())
		Expect(sfid.Valid("")).To(BeFalse())
	})
	It("compares the first 15 characters, case-sensitively", func() {
		Expect(sfid.Same("00Dn00000008y2t", "00Dn00000008y2tEAA")).To(BeTrue())
		Expect(sfid.Same("00Dn00000008y2T", "00Dn00000008y2tEAA")).To(BeFalse())
		Expect(sfid.Same("00Dn00000008y2", "00Dn00000008y2tEAA")).To(BeFalse())
	})
})
