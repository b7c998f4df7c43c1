// Package config loads the hub's configuration: built-in defaults, then the
// YAML file, then CRMHUB_ environment variables (with "__" between levels),
// into a typed, validated Config. Start with Load.
//
// Errors name the offending key ("crms.klicktipp.rate_limit: must be > 0"),
// and Redacted shows a config with every secret hidden.
package config
