package apps_test

import (
	"encoding/base64"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/secret"
)

var _ = Describe("Sign", func() {
	It("makes a signature the official Standard Webhooks library accepts", func() {
		signingSecret, err := secret.NewWebhookSecret()
		Expect(err).NotTo(HaveOccurred())
		body := []byte(`{"type":"user.created"}`)
		now := time.Now()
		sig, err := apps.Sign(signingSecret, "msg_1", now, body)
		Expect(err).NotTo(HaveOccurred())

		wh, err := standardwebhooks.NewWebhook(signingSecret)
		Expect(err).NotTo(HaveOccurred())
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", itoa(now.Unix()))
		h.Set("webhook-signature", sig)
		Expect(wh.Verify(body, h)).To(Succeed())

		h.Set("webhook-id", "msg_2")
		Expect(wh.Verify(body, h)).NotTo(Succeed())
	})

	It("matches the specification's example", func() {
		// The Standard Webhooks specification's test vector.
		sig, err := apps.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
			time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(sig).To(Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
	})

	It("refuses a secret that is not whsec_<base64>", func() {
		_, err := apps.Sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", time.Now(), nil)
		Expect(err).To(MatchError(secret.ErrBadWebhookSecret))
	})

	It("refuses a key shorter than 16 bytes, as the config check does", func() {
		short := "whsec_" + base64.StdEncoding.EncodeToString([]byte("8-bytes!"))
		_, err := apps.Sign(short, "msg_1", time.Now(), nil)
		Expect(err).To(MatchError(secret.ErrBadWebhookSecret))
	})
})

var _ = Describe("Backoff", func() {
	It("waits about 5s, 5m, 30m, 2h, 5h, 10h, 10h from 5s up to 10h", func() {
		var waits []time.Duration
		for n := 1; n <= 7; n++ {
			waits = append(waits, apps.Backoff(n, 5*time.Second, 10*time.Hour))
		}
		Expect(waits).To(Equal([]time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
			2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}))
	})

	It("never waits longer than the cap", func() {
		Expect(apps.Backoff(3, time.Second, 90*time.Second)).To(Equal(90 * time.Second))
	})
})
