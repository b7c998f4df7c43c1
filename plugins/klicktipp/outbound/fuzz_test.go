package outbound_test

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crmhub/crmhub/plugins/klicktipp/outbound"
	"github.com/crmhub/crmhub/sdk"
)

// marker is a value every fuzzed webhook carries; no error may quote it.
const marker = "Mq7ValueNeverQuoted"

// FuzzDecode checks that any request decodes to a well-formed contact or to
// an Invalid error that quotes no value, and never panics.
func FuzzDecode(f *testing.F) {
	f.Add(formType, "", []byte("SubscriberID=123456&email=anna%40example.com"))
	f.Add("application/json", "", []byte(`{"SubscriberID":"123456","email":"anna@example.com"}`))
	f.Add("application/json", "", []byte(`{"SubscriberID":123456,"Email":null,"x":{"y":[1]}}`))
	f.Add("", "SubscriberID=12345&email=test%40klicktipp.com", []byte(nil))
	f.Add(formType, "access_key=k", []byte("contact_id=007&EmailAddress=Anna+%3Canna%40example.com%3E"))
	f.Add(formType, "", []byte("subscriber_id=abc&id=1"))
	f.Add("text/plain; charset=utf-8", "", []byte("email=%zz&SubscriberID=%"))
	f.Add("application/json; charset=utf-8", "id=1", []byte(`{"SubscriberID":1e3}`))
	f.Add("multipart/form-data; boundary=x", "", []byte("--x\r\n\r\n"))

	f.Fuzz(func(t *testing.T, contentType, rawQuery string, body []byte) {
		q, _ := url.ParseQuery(rawQuery)
		q.Add("note", marker)
		hook := sdk.RawWebhook{Method: "POST", ContentType: contentType, Query: q, Body: body}

		got, err := outbound.Decode(hook)
		again, errAgain := outbound.Decode(hook)
		if !reflect.DeepEqual(got, again) || (err == nil) != (errAgain == nil) {
			t.Fatalf("Decode is not deterministic: %+v, %v then %+v, %v", got, err, again, errAgain)
		}
		if err != nil {
			switch msg := err.Error(); {
			case !sdk.IsInvalid(err):
				t.Fatalf("want an Invalid error, got %s: %v", sdk.KindOf(err), err)
			case got.ContactID != "" || got.Email != "":
				t.Fatalf("an error came with a result: %+v", got)
			case strings.Contains(msg, marker):
				t.Fatalf("the error quotes a parameter's value: %s", msg)
			case !utf8.ValidString(msg):
				t.Fatalf("the error is not valid UTF-8: %q", msg)
			}
			return
		}
		if got.ContactID == "" && got.Email == "" {
			t.Fatal("decoded to no contact without an error")
		}
		if got.ContactID != "" {
			n, perr := strconv.ParseUint(got.ContactID, 10, 64)
			if perr != nil || n == 0 || strconv.FormatUint(n, 10) != got.ContactID {
				t.Fatalf("contact id %q is not a canonical KlickTipp id", got.ContactID)
			}
		}
		if got.Email != "" && !strings.Contains(got.Email, "@") {
			t.Fatalf("e-mail %q is no address", got.Email)
		}
	})
}
