package sdk

import "net/http"

// APIConnections is how many idle connections to one host APITransport
// keeps: as many calls as the hub makes to a plugin at once by default,
// one per worker (inbox.workers).
const APIConnections = 64

// APITransport returns a connection pool for a plugin's client of its
// CRM's API: Go's default transport with APIConnections idle connections
// kept per host. The default keeps two, while the hub calls a plugin from
// many workers at once: over HTTP/1.1 all but two of the connections of
// every burst of calls would be closed after their answer, and the next
// burst would open them again, each with its TCP and TLS handshakes.
//
//	client := &http.Client{Transport: sdk.APITransport(), Timeout: 20 * time.Second}
func APITransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * APIConnections
	t.MaxIdleConnsPerHost = APIConnections
	return t
}
