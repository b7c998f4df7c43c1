package acme

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// CheckWebhook runs at the hub's door, before a request is stored: it
// answers Acme's subscription handshake, and accepts only requests Acme
// signed for this account at about the time the hub received them.
func (p *Plugin) CheckWebhook(ctx context.Context, req sdk.Request) (sdk.Verdict, error) {
	st, err := p.current()
	if err != nil {
		return sdk.Verdict{}, err // the hub answers 503; Acme sends it again later
	}
	if req.Method == http.MethodGet {
		return handshake(req)
	}
	// Header keys arrive canonicalised ("X-Acme-Signature"), so Get finds
	// them however Acme spelled them.
	header := http.Header(req.Header)
	ts, sig := header.Get("X-Acme-Timestamp"), header.Get("X-Acme-Signature")
	if ts == "" || sig == "" {
		return sdk.Reject("no Acme signature"), nil
	}
	if !validSignature(st.webhookSecret, ts, req.Body, sig) {
		return sdk.Reject("bad Acme signature"), nil
	}
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return sdk.Reject("unreadable Acme timestamp"), nil
	}
	// Freshness against the receipt time, never the clock.
	if age := req.ReceivedAt.Sub(time.Unix(sent, 0)).Abs(); age > st.maxAge {
		return sdk.Reject("Acme timestamp %s from receipt", age.Round(time.Second)), nil
	}
	var ev struct {
		AccountID string `json:"account_id"`
	}
	if err := json.Unmarshal(req.Body, &ev); err == nil && ev.AccountID != st.accountID {
		return sdk.Reject("webhook of another Acme account"), nil
	}
	return sdk.Accept(), nil
}

// handshake echoes the challenge of Acme's subscription check,
// GET …?acme_challenge=…, and stores nothing.
func handshake(req sdk.Request) (sdk.Verdict, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return sdk.Reject("unreadable URL"), nil
	}
	challenge := u.Query().Get("acme_challenge")
	if challenge == "" {
		return sdk.Reject("GET without acme_challenge"), nil
	}
	return sdk.Respond(sdk.Answer{Status: http.StatusOK, ContentType: "text/plain", Body: []byte(challenge)}), nil
}

// validSignature compares in constant time.
func validSignature(secret []byte, ts string, body []byte, given string) bool {
	got, err := hex.DecodeString(strings.TrimPrefix(given, "v1="))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// webhookEvent is the body of an Acme webhook.
type webhookEvent struct {
	ID       string       `json:"id"`
	Contacts []apiContact `json:"contacts"`
}

// DecodeWebhook reads a stored request: one item per contact it names. It
// calls nobody, and reads the request without changing it.
func (p *Plugin) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	st, err := p.current()
	if err != nil {
		return nil, err
	}
	eventType := http.Header(hook.Header).Get("X-Acme-Event")
	if eventType == "" {
		return nil, sdk.Invalid("no X-Acme-Event header: not a webhook from Acme")
	}
	var ev webhookEvent
	if err := json.Unmarshal(hook.Body, &ev); err != nil {
		return nil, sdk.Invalid("the body is not an Acme event: %w", err)
	}
	if len(ev.Contacts) == 0 {
		return nil, sdk.Invalid("Acme event %s names no contact", ev.ID)
	}
	items := make([]sdk.Item, 0, len(ev.Contacts))
	for i, c := range ev.Contacts {
		if c.ID == "" {
			return nil, sdk.Invalid("contact %d of Acme event %s has no id", i+1, ev.ID)
		}
		item := st.item(eventType, c)
		item.Notes = []string{fmt.Sprintf("Acme event %s (%s)", ev.ID, eventType)}
		items = append(items, item)
	}
	sdk.Log(ctx).Debug("decoded an Acme webhook", "acme_event", ev.ID, "type", eventType, "items", len(items))
	return items, nil
}

// item maps an Acme event type to what the hub does with the contact.
func (st *state) item(eventType string, c apiContact) sdk.Item {
	if slices.Contains(st.ignoreEvents, eventType) {
		return sdk.Ignore(c.ID, eventType+" is in the setting ignore_events")
	}
	item := sdk.Item{ContactID: c.ID, Email: c.Email}
	switch eventType {
	case "contact.created":
		item.Action = sdk.ActionAdd
	case "contact.updated":
		item.Action = sdk.ActionUpdate
		if st.carryContacts {
			// Acme sends the whole contact with this event: the hub need
			// not fetch it.
			carried := c.sdk()
			item.Contact = &carried
		}
	case "contact.tagged", "contact.untagged":
		item.Action = sdk.ActionUpdateTags
	case "contact.deleted":
		return sdk.Ignore(c.ID, "the contact was deleted in Acme")
	default:
		return sdk.Ignore(c.ID, "Acme event "+eventType+" is not about a contact's data")
	}
	return item
}
