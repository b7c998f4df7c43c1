// Package console is the hub's web console at /ui/: server-rendered pages
// (html/template, a small stylesheet and a few lines of script, all
// embedded in the binary) over the admin API's read layer, server.Reads.
//
// Start with New, which registers every page in routes.go. session.go
// holds the sign-in: the admin token buys a signed, expiring cookie that
// every replica accepts, and every POST carries a CSRF token derived from
// it. The console is on only while admin.token is set; without it every
// path answers 404, like the admin API.
package console
