package notify_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/notify"
)

var anna = notify.Welcome{Username: "anna", Email: "anna@example.com", FirstName: "Anna",
	LastName: "Müller", LoginURL: "https://app.example.com/login", Password: "TOPSECRET42"}

var _ = Describe("the welcome template", func() {
	It("is built in, with a subject and every variable that matters to a new user", func() {
		tmpl, err := notify.LoadTemplate("")
		Expect(err).NotTo(HaveOccurred())
		subject, body, err := tmpl.Render(anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(subject).To(Equal("Your account is ready"))
		Expect(body).To(HavePrefix("Hello Anna,"))
		Expect(body).To(ContainSubstring("Username: anna"))
		Expect(body).To(ContainSubstring("Password: TOPSECRET42"))
		Expect(body).To(ContainSubstring("https://app.example.com/login"))
	})

	It("greets by username when the first name is unknown", func() {
		tmpl, _ := notify.LoadTemplate("")
		_, body, err := tmpl.Render(notify.Welcome{Username: "anna@example.com"})
		Expect(err).NotTo(HaveOccurred())
		Expect(body).To(HavePrefix("Hello anna@example.com,"))
	})

	It("can come from a file, with variables in the subject too", func() {
		path := filepath.Join(GinkgoT().TempDir(), "welcome.txt")
		Expect(os.WriteFile(path, []byte("Subject: Willkommen, {{.FirstName}} {{.LastName}}!\n\n"+
			"Dein Login: {{.Username}} / {{.Password}} — {{.LoginURL}} ({{.Email}})\n"), 0o600)).To(Succeed())
		tmpl, err := notify.LoadTemplate(path)
		Expect(err).NotTo(HaveOccurred())
		subject, body, err := tmpl.Render(anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(subject).To(Equal("Willkommen, Anna Müller!"))
		Expect(body).To(Equal("Dein Login: anna / TOPSECRET42 — https://app.example.com/login (anna@example.com)\n"))
	})

	DescribeTable("is refused when it cannot work, naming the problem",
		func(text, want string) {
			_, err := notify.ParseTemplate(text)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a syntax error", "Subject: x\n\n{{.Username", "welcome template"),
		Entry("a misspelt variable", "Subject: x\n\nHello {{.Usrname}}", "Usrname"),
		Entry("no subject line", "Hello {{.Username}}", "Subject:"),
	)

	It("is refused when its file is missing", func() {
		_, err := notify.LoadTemplate(filepath.Join(GinkgoT().TempDir(), "missing.txt"))
		Expect(err).To(MatchError(ContainSubstring("read welcome template")))
	})
})
