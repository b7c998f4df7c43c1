package config

// EnvKey is the loader's mapping of an environment variable to a key.
var EnvKey = envKey
