package server

// What the specs of package server_test reach inside for.
var (
	RedactSecrets  = redactSecrets
	StripForm      = stripForm
	StripJSON      = stripJSON
	StripMultipart = stripMultipart
)
