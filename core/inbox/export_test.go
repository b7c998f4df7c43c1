package inbox

// Backoff is backoff, for the specs of package inbox_test.
var Backoff = backoff
