package server_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/server"
)

var _ = Describe("Redacting secrets from a stored request", func() {
	const secret = "k3y+/=&x y"

	DescribeTable("finds the secret however a client encoded it",
		func(stored, want string) {
			Expect(string(server.RedactSecrets([]byte(stored), []string{secret}))).To(Equal(want))
		},
		Entry("as is", "a=1&b=k3y+/=&x y&c=2", "a=1&b=[redacted]&c=2"),
		Entry("encoded for a query", "b=k3y%2B%2F%3D%26x+y", "b=[redacted]"),
		Entry("encoded for a path, hex in lower case", "b=k3y%2b%2f%3d%26x%20y", "b=[redacted]"),
		Entry("with every character encoded", "b=%6B%33%79%2B%2F%3D%26%78%20%79", "b=[redacted]"),
		Entry("encoded twice, inside another URL", "cb=https%3A%2F%2Fx%2F%3Fk%3Dk3y%252B%252F%253D%2526x%2By", "cb=https%3A%2F%2Fx%2F%3Fk%3D[redacted]"),
		Entry("in a JSON string as Go writes it", `{"k":"k3y+/=\u0026x y"}`, `{"k":"[redacted]"}`),
		Entry("in a JSON string as PHP writes it", `{"k":"k3y+\/=&x y"}`, `{"k":"[redacted]"}`),
		Entry("in a JSON string, every character escaped", `{"k":"\u006b\u0033\u0079\u002B\u002f\u003d\u0026\u0078\u0020\u0079"}`, `{"k":"[redacted]"}`),
		Entry("in a mix of encodings", `k3y%2B\/=\u0026x+y`, "[redacted]"),
		Entry("each time it occurs", "k3y+/=&x y k3y%2B%2F%3D%26x+y", "[redacted] [redacted]"),
		Entry("at the very end", "a=k3y+/=&x y", "a=[redacted]"),
	)

	DescribeTable("finds a JSON escape inside a percent-encoded field",
		func(stored, want string) {
			Expect(string(server.RedactSecrets([]byte(stored), []string{"abc/def&"}))).To(Equal(want))
		},
		Entry("PHP's \\/ in a form field", "payload=%7B%22k%22%3A%22abc%5C%2Fdef%26%22%7D", "payload=%7B%22k%22%3A%22[redacted]%22%7D"),
		Entry("a \\u escape after an encoded backslash", "payload=%7B%22k%22%3A%22abc%5C%2Fdef%5Cu0026%22%7D", "payload=%7B%22k%22%3A%22[redacted]%22%7D"),
		Entry("the backslash in lower-case hex", "p=abc%5c/def%5cu0026", "p=[redacted]"),
		Entry("every byte of the escape encoded", "p=abc%5C%2Fdef%5C%75%30%30%32%36", "p=[redacted]"),
		Entry("encoded twice, inside another URL", "cb=x%3Fp%3Dabc%255C%252Fdef%255Cu0026", "cb=x%3Fp%3D[redacted]"),
	)

	DescribeTable("reads a backslash after an escaped backslash as text, and keeps the JSON valid",
		func(stored string) {
			Expect(string(server.RedactSecrets([]byte(stored), []string{"abc"}))).To(Equal(stored))
		},
		Entry("in JSON", `{"note":"C:\\u0061bc"}`),
		Entry("in JSON, after three escaped backslashes", `{"note":"C:\\\\\\u0061bc"}`),
		Entry("in a form field", "note=C%3A%5C%5Cu0061bc"),
		Entry("in a form field, the first backslash as is", `note=C%3A\%5Cu0061bc`),
	)

	It("still reads an escape after an even run of backslashes", func() {
		Expect(string(server.RedactSecrets([]byte(`{"note":"C:\\\\\u0061bc"}`), []string{"abc"}))).To(Equal(`{"note":"C:\\\\[redacted]"}`))
		Expect(string(server.RedactSecrets([]byte("note=C%3A%5C%5C%5Cu0061bc"), []string{"abc"}))).To(Equal("note=C%3A%5C%5C[redacted]"))
	})

	It("still finds a secret spelled with a percent-encoded backslash after an escaped one", func() {
		Expect(string(server.RedactSecrets([]byte("a=%5C%5Cx"), []string{"%5Cx"}))).To(Equal("a=%5C[redacted]"))
	})

	It("leaves JSON valid and without the secret, as it is or in a form field, whatever its escapes", func() {
		// Random JSON strings of the characters that matter, each written
		// as itself or \u-escaped, with a fixed seed so a failure repeats.
		chars := []byte(`ab\/"u0615C%&`)
		rnd := rand.New(rand.NewPCG(11, 11))
		for range 20000 {
			var doc strings.Builder
			doc.WriteString(`{"k":"`)
			for range rnd.IntN(10) {
				switch c := chars[rnd.IntN(len(chars))]; {
				case rnd.IntN(3) == 0:
					fmt.Fprintf(&doc, `\u%04x`, c)
				case c == '"' || c == '\\' || c == '/' && rnd.IntN(2) == 0:
					doc.WriteString(`\` + string(c))
				default:
					doc.WriteByte(c)
				}
			}
			doc.WriteString(`"}`)

			asJSON := string(server.RedactSecrets([]byte(doc.String()), []string{"/b"}))
			form, err := url.ParseQuery(string(server.RedactSecrets([]byte("p="+url.QueryEscape(doc.String())), []string{"/b"})))
			Expect(err).NotTo(HaveOccurred())
			for _, redacted := range []string{asJSON, form.Get("p")} {
				var v struct{ K string }
				Expect(json.Unmarshal([]byte(redacted), &v)).To(Succeed(), "%s became %s", doc.String(), redacted)
				Expect(v.K).NotTo(ContainSubstring("/b"), "%s became %s", doc.String(), redacted)
			}
		}
	})

	It("leaves a request without the secret as it was, byte for byte", func() {
		stored := []byte("a=k3y+/=&x&b=%zz&c=\\u00&d=%2")
		Expect(server.RedactSecrets(stored, []string{secret})).To(Equal(stored))
	})

	It("finds a secret with characters outside ASCII, escaped by byte or by rune", func() {
		for _, stored := range []string{"schlüssel", "schl%C3%BCssel", `schl\u00fcssel`, `schl\u00FCssel`} {
			Expect(string(server.RedactSecrets([]byte(stored), []string{"schlüssel"}))).To(Equal("[redacted]"), stored)
		}
		Expect(string(server.RedactSecrets([]byte(`"\ud83d\udd11k"`), []string{"🔑k"}))).To(Equal(`"[redacted]"`))
	})

	It("removes a secret that contains another one whole", func() {
		Expect(string(server.RedactSecrets([]byte("x=token-and-key y=key"), []string{"key", "token-and-key"}))).
			To(Equal("x=[redacted] y=[redacted]"))
	})

	It("finds a secret that starts with a plus or a space", func() {
		Expect(string(server.RedactSecrets([]byte("a=+k&b=%2Bk"), []string{"+k"}))).To(Equal("a=[redacted]&b=[redacted]"))
		Expect(string(server.RedactSecrets([]byte("a=+k&b=%20k& k"), []string{" k"}))).To(Equal("a=[redacted]&b=[redacted]&[redacted]"))
	})

	It("redacts a text as it redacts bytes, a text with nothing to decode too", func() {
		secrets := []string{"token-and-key", "key", " k", ""}
		for _, text := range []string{
			"", "action=add", `{"User-Agent":["Go-http-client/1.1"]}`, "x=token-and-key", "a=key&b=key",
			"a=+k", "a=%20k", `{"k":"\u006bey"}`, "application/json; charset=key", "ke y", "k ey",
		} {
			Expect(server.RedactText(text, secrets)).To(Equal(string(server.RedactSecrets([]byte(text), secrets))), text)
		}
	})

	It("skips an empty secret", func() {
		Expect(string(server.RedactSecrets([]byte("abc"), []string{""}))).To(Equal("abc"))
	})

	It("tells percent signs in the secret from escapes in the text", func() {
		stored := []byte(strings.Repeat("%25", 200) + "x")
		Expect(string(server.RedactSecrets(stored, []string{strings.Repeat("%", 40) + "y"}))).To(Equal(string(stored)))
		Expect(string(server.RedactSecrets([]byte("%25%2525%"), []string{"%%%"}))).To(Equal("[redacted]"))
	})
})

var _ = Describe("Stripping the key's fields from a body", func() {
	It("keeps every other field of a form as it came, a malformed one too", func() {
		params, body := server.StripForm([]byte("b=2&access_key=k%2By&note=100%&Authorization=k&&a=%41"))
		Expect(string(body)).To(Equal("b=2&note=100%&&a=%41"))
		Expect(params).To(Equal(url.Values{"b": {"2"}, "access_key": {"k+y"}, "Authorization": {"k"}, "a": {"A"}}))
	})

	It("drops a key field whose value is malformed, and reads no key from it", func() {
		params, body := server.StripForm([]byte("access_key=k%zz&a=1"))
		Expect(string(body)).To(Equal("a=1"))
		Expect(params).To(Equal(url.Values{"a": {"1"}}))
	})

	It("keeps a form without the key's fields byte for byte", func() {
		_, body := server.StripForm([]byte("b=1&a=%zz&&c"))
		Expect(string(body)).To(Equal("b=1&a=%zz&&c"))
	})

	DescribeTable("cuts the key's members out of a JSON object and keeps the rest as written",
		func(in, want string) {
			_, body, ok := server.StripJSON([]byte(in))
			Expect(ok).To(BeTrue())
			Expect(string(body)).To(Equal(want))
		},
		Entry("the first member", `{"access_key":"k", "a":"\u0041", "b":1.50}`, `{ "a":"\u0041", "b":1.50}`),
		Entry("a middle member", `{"a":1 , "access_key":"k" ,"b":[1, 2]}`, `{"a":1 ,"b":[1, 2]}`),
		Entry("the last member", "{\n  \"a\": 1,\n  \"Authorization\": \"k\"\n}", "{\n  \"a\": 1\n}"),
		Entry("every member", `{ "access_key":"k","Authorization":"k" }`, `{ }`),
		Entry("a member under an escaped name", `{"a":1,"access\u005fkey":"k"}`, `{"a":1}`),
		Entry("a duplicate member", `{"access_key":"k","a":1,"access_key":"k"}`, `{"a":1}`),
		Entry("no member", `{"a":{"access_key":"k"}}`, `{"a":{"access_key":"k"}}`),
	)

	It("reads the top-level strings of a JSON object", func() {
		params, _, _ := server.StripJSON([]byte(`{"action":"add","access_key":"k","n":1,"o":{"p":"q"}}`))
		Expect(params).To(Equal(url.Values{"action": {"add"}, "access_key": {"k"}}))
	})

	It("reads no JSON that is not an object", func() {
		for _, in := range []string{`["access_key"]`, `{"access_key":"k"`, `{"a":1} {"access_key":"k"}`} {
			_, body, ok := server.StripJSON([]byte(in))
			Expect(ok).To(BeFalse(), in)
			Expect(string(body)).To(Equal(in))
		}
	})

	It("reads no multipart body that is cut short", func() {
		in := "--b\r\nContent-Disposition: form-data; name=\"access_key\"\r\n\r\nk\r\n--b\r\nContent-Disp"
		_, body, ok := server.StripMultipart([]byte(in), "b")
		Expect(ok).To(BeFalse())
		Expect(string(body)).To(Equal(in))
	})
})
