package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/server"
)

var _ = Describe("The web console's route", func() {
	var cfg = &config.Config{Admin: config.Admin{Token: token}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}

	It("hands everything under /ui/ to the console", func() {
		var seen []string
		ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = append(seen, r.URL.Path) })
		s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Log: log, Console: ui})
		for _, path := range []string{"/ui/", "/ui/events/7", "/ui/assets/console.css"} {
			Expect(get(s.Handler(), path).Code).To(Equal(http.StatusOK), path)
		}
		Expect(seen).To(Equal([]string{"/ui/", "/ui/events/7", "/ui/assets/console.css"}))
		Expect(get(s.Handler(), "/ui").Header().Get("Location")).To(Equal("/ui/"))
	})

	It("answers 404 there when the hub has no console", func() {
		s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Log: log})
		Expect(get(s.Handler(), "/ui/").Code).To(Equal(http.StatusNotFound))
	})
})
