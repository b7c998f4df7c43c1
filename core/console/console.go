package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/server"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Deps are what the console reads.
type Deps struct {
	// Config returns the current configuration; the admin token and the
	// public URL are read from it at each request, so a reload applies at
	// once.
	Config func() *config.Config
	// Reads is the admin API's read layer, which the console shares.
	Reads server.Reads
	Log   *slog.Logger
}

// Console is the web console's handler, mounted at /ui/.
type Console struct {
	Deps
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New builds the console and its routes.
func New(d Deps) *Console {
	c := &Console{Deps: d, mux: http.NewServeMux(), pages: parsePages()}
	c.routes()
	return c
}

// ServeHTTP answers 404 while admin.token is empty, as the admin API does;
// otherwise it serves the console's pages with headers that keep them to
// their own origin.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.Config().Admin.Token == "" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.mux.ServeHTTP(w, r)
}

// parsePages parses every page with the layout around it, once.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", name))
	}
	return pages
}

// funcs are the helpers templates format values with.
var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join": strings.Join,
	"took": func(from, to time.Time) string {
		if to.IsZero() {
			return "—"
		}
		return to.Sub(from).Round(time.Millisecond).String()
	},
	"replayable": func(status string) bool { return status == "failed" || status == "dead" },
	"countOf": func(a server.App, status string) deliveryCount {
		return deliveryCount{a.Name, status, a.Deliveries[status]}
	},
}

// deliveryCount is how many of an app's deliveries are in a status: a
// cell that links to them.
type deliveryCount struct {
	App, Status string
	N           int
}

// page is what every page's template gets: its own data and what the
// layout needs.
type page struct {
	Title string
	// Nav names the menu entry to mark as the current one.
	Nav string
	// CSRF is the token the page's forms send back; empty when signed out.
	CSRF string
	// LiveFrom is the path the page's live parts refresh from, for a page
	// that answers a POST; empty means the page's own URL.
	LiveFrom string
	Data     any
}

// render writes the page name with data, or a 500 when it cannot be
// rendered; it renders into a buffer first so a template error never
// leaves half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if s, err := r.Cookie(sessionCookie); err == nil && c.signedIn(r) {
		p.CSRF = csrfToken(c.key(), s.Value)
	}
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		c.Log.Error("console: render page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the browser went away; nothing to do
}

// failure answers a read that failed: 400 with the message for a request
// the read layer cannot read, 404 for what does not exist, else 503 with
// the error logged.
func (c *Console) failure(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusServiceUnavailable, "The store is unavailable; try again in a moment."
	switch {
	case server.IsBadRequest(err):
		status, msg = http.StatusBadRequest, err.Error()
	case isNotFound(err):
		status, msg = http.StatusNotFound, "Not found."
	default:
		c.Log.Error("console: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	c.render(w, r, status, "problem", page{Title: http.StatusText(status), Data: msg})
}

// withCursor is the current URL asking for the page after cursor.
func withCursor(r *http.Request, cursor string) string {
	q := r.URL.Query()
	q.Set("cursor", cursor)
	return r.URL.Path + "?" + q.Encode()
}

// localPath keeps a sign-in's next= to a path of the console, so the
// sign-in page cannot send anyone elsewhere.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/ui/") || strings.HasPrefix(next, "//") {
		return "/ui/"
	}
	return u.RequestURI()
}
