package testplugin

import (
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

// Settings are settings the test CRM accepts.
func Settings() map[string]string { return map[string]string{"api_key": APIKey} }

// Kit is the sdktest conformance kit for the test plugin over dir.
func Kit(dir *Directory) sdktest.Kit {
	return sdktest.Kit{
		New: func() sdk.CRM { return New(dir) },
		Fixtures: sdktest.Fixtures{
			Settings:         Settings(),
			BadSettings:      map[string]string{"api_key": "wrong"},
			RefusedSettings:  map[string]string{"api_key": RevokedAPIKey},
			KnownContact:     Anna,
			UnknownContactID: "12345",
			ValidWebhook: sdk.RawWebhook{
				Method:      "POST",
				ContentType: "application/x-www-form-urlencoded",
				Body:        []byte("contact_id=1001&email=anna%40example.com"),
			},
			WantItems:      []sdk.Item{{ContactID: Anna.ID, Email: Anna.Email}},
			InvalidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(`{"name":"Anna"}`)},
			CRMRequests:    dir.Requests,
			UpdateField:    "fieldPhone",
			Stall:          dir.Stall,
		},
	}
}
