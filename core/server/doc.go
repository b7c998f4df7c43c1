// Package server is the hub's HTTP face: the webhook endpoints
// (/hooks/{crm} and WP Fusion's /?wpf_action=…), health and readiness, the
// Prometheus metrics and the admin API. routes.go registers every route,
// the web console (package console) under /ui/ among them; reads.go is the
// read layer the admin API and the console share.
package server
