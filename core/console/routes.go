package console

import (
	"io/fs"
	"net/http"
)

// routes registers every page of the console, in one place. Pages need a
// session; actions (POSTs) need one and its CSRF token.
func (c *Console) routes() {
	assets, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic(err)
	}
	c.mux.Handle("GET /ui/assets/", http.StripPrefix("/ui/assets/", http.FileServerFS(assets)))

	c.mux.HandleFunc("GET /ui/signin", c.signInForm)
	c.mux.HandleFunc("POST /ui/signin", c.signIn)
	c.mux.HandleFunc("POST /ui/signout", c.action(c.signOut))

	c.mux.HandleFunc("GET /ui/{$}", c.page(c.overview))
	c.mux.HandleFunc("GET /ui/events", c.page(c.listEvents))
	c.mux.HandleFunc("GET /ui/events/{id}", c.page(c.showEvent))
	c.mux.HandleFunc("POST /ui/events/{id}/replay", c.action(c.replayEvent))
	c.mux.HandleFunc("GET /ui/users", c.page(c.listUsers))
	c.mux.HandleFunc("GET /ui/users/{id}", c.page(c.showUser))
	c.mux.HandleFunc("GET /ui/plugins", c.page(c.listPlugins))
	c.mux.HandleFunc("GET /ui/apps", c.page(c.listApps))
	c.mux.HandleFunc("GET /ui/apps/{name}", c.page(c.showApp))
	c.mux.HandleFunc("POST /ui/apps/{name}/replay", c.action(c.replayApp))
	c.mux.HandleFunc("POST /ui/apps/{name}/test", c.action(c.testApp))

	c.mux.HandleFunc("/ui/", c.page(c.notFound))
}

// notFound answers a console path that is no page.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusNotFound, "problem", page{Title: "Not found", Data: "There is no such page."})
}
