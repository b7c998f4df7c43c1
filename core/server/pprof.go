package server

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// profiler serves net/http/pprof to the admin token when admin.pprof is
// on, and answers 404 otherwise, as if there were no such route. The
// handlers are mounted here rather than by importing the package for its
// side effect, which would put them on http.DefaultServeMux for anyone.
func (s *Server) profiler(w http.ResponseWriter, r *http.Request) {
	if !s.Config().Admin.Pprof {
		http.NotFound(w, r)
		return
	}
	s.admin(func(w http.ResponseWriter, r *http.Request) {
		switch name := strings.TrimPrefix(r.URL.Path, "/debug/pprof/"); name {
		case "cmdline":
			pprof.Cmdline(w, r)
		case "profile":
			pprof.Profile(w, r)
		case "symbol":
			pprof.Symbol(w, r)
		case "trace":
			pprof.Trace(w, r)
		default: // the index, and the named profiles: heap, goroutine, allocs, …
			pprof.Index(w, r)
		}
	})(w, r)
}
