package acme_test

import (
	"maps"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/example/acme"
	"github.com/crmhub/crmhub/sdk/example/acme/acmetest"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
)

// configured is a plugin configured as the hub would (defaults filled by
// sdk.CheckSettings) over fake, with extra settings on top.
func configured(ctx SpecContext, fake *acmefake.Server, extra map[string]string) *acme.Plugin {
	p := acme.New()
	Expect(p.Configure(ctx, hubSettings(ctx, fake, extra))).To(Succeed())
	return p
}

// hubSettings checks given settings against the plugin's schema as the hub
// does before Configure, defaults filled in.
func hubSettings(ctx SpecContext, fake *acmefake.Server, extra map[string]string) sdk.Settings {
	info, err := acme.New().Info(ctx)
	Expect(err).NotTo(HaveOccurred())
	given := acmetest.Settings(fake)
	maps.Copy(given, extra)
	settings, err := sdk.CheckSettings(info.Settings, given)
	Expect(err).NotTo(HaveOccurred())
	return settings
}

// door is a webhook as the hub's door hands it to CheckWebhook.
func door(hook sdk.RawWebhook) sdk.Request {
	header := http.Header{}
	for k, v := range hook.Header {
		header[http.CanonicalHeaderKey(k)] = v
	}
	return sdk.Request{Method: hook.Method, URL: "https://hub.example.com/hooks/acme?access_key=k", Header: header,
		Body: hook.Body, RemoteAddr: "192.0.2.1:5000", ReceivedAt: hook.ReceivedAt}
}

// stored is a webhook as the hub stores it: header keys canonicalised.
func stored(hook sdk.RawWebhook) sdk.RawWebhook {
	req := door(hook)
	hook.Header = req.Header
	return hook
}

func event(id string, contacts ...acmefake.Contact) acmefake.Event {
	return acmefake.Event{ID: id, AccountID: acmefake.AccountID, Contacts: contacts}
}
