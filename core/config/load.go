package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment variable the hub reads as config.
const EnvPrefix = "CRMHUB_"

// Load reads the configuration: built-in defaults, then the YAML file at
// path (none when path is ""), then CRMHUB_ variables. It returns every
// problem at once, each naming its key.
func Load(path string) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(defaults, "."), nil); err != nil {
		return nil, fmt.Errorf("config: defaults: %w", err)
	}
	if path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("config: read %s: %w", path, err)
		}
	}
	if err := k.Load(env.Provider(EnvPrefix, ".", envKey), nil); err != nil {
		return nil, fmt.Errorf("config: environment: %w", err)
	}
	if err := addCRMDefaults(k); err != nil {
		return nil, err
	}

	if errs := unknownKeys(k.Keys()); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: decoderConfig(&c)}); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	c.raw = k.Raw()
	return &c, nil
}

// EnvName is the environment variable that sets a config key: CRMHUB_ and
// the key in upper case with "__" between levels, e.g.
// CRMHUB_CRMS__KLICKTIPP__SETTINGS__PASSWORD for
// crms.klicktipp.settings.password (envKey reads it back).
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}

// envKey turns CRMHUB_CRMS__KLICKTIPP__RATE_LIMIT into crms.klicktipp.rate_limit.
func envKey(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(s, EnvPrefix)), "__", ".")
}

// addCRMDefaults fills the keys each CRM and each app entry left out.
func addCRMDefaults(k *koanf.Koanf) error {
	fill := map[string]any{}
	for _, name := range k.MapKeys("crms") {
		for key, v := range crmDefaults {
			if !k.Exists("crms." + name + "." + key) {
				fill["crms."+name+"."+key] = v
			}
		}
		if !k.Exists("crms." + name + ".plugin") {
			fill["crms."+name+".plugin"] = name
		}
	}
	for _, name := range k.MapKeys("apps") {
		for key, v := range appDefaults {
			if !k.Exists("apps." + name + "." + key) {
				fill["apps."+name+"."+key] = v
			}
		}
	}
	if err := k.Load(confmap.Provider(fill, "."), nil); err != nil {
		return fmt.Errorf("config: crm and app defaults: %w", err)
	}
	return nil
}

func decoderConfig(out *Config) *mapstructure.DecoderConfig {
	return &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			settingsHook,
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
			mapstructure.TextUnmarshallerHookFunc(),
		),
		// Environment variables are strings: "8" must fill an int.
		WeaklyTypedInput: true,
		Result:           out,
		TagName:          "koanf",
	}
}

// settingsHook reads a CRM's settings: scalars as text, a list joined
// with commas (a plugin's list setting).
func settingsHook(_, to reflect.Type, data any) (any, error) {
	in, ok := data.(map[string]any)
	if to != reflect.TypeFor[Settings]() || !ok {
		return data, nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case []any:
			items := make([]string, len(v))
			for i, item := range v {
				items[i] = fmt.Sprint(item)
			}
			out[k] = strings.Join(items, ",")
		case map[string]any:
			return nil, fmt.Errorf("setting %s: want a value or a list, not a map", k)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// unknownKeys names every key that no field of Config takes.
func unknownKeys(keys []string) []error {
	var errs []error
	root := reflect.TypeFor[Config]()
	for _, key := range keys {
		if !knownKey(root, strings.Split(key, ".")) {
			errs = append(errs, fmt.Errorf("%s: unknown key", key))
		}
	}
	return errs
}

// knownKey walks path down t: struct fields by their koanf tag, any map key,
// and ends on a value that is neither.
func knownKey(t reflect.Type, path []string) bool {
	if len(path) == 0 {
		return t.Kind() != reflect.Struct && t.Kind() != reflect.Map
	}
	switch t.Kind() {
	case reflect.Map:
		return knownKey(t.Elem(), path[1:])
	case reflect.Struct:
		for f := range t.Fields() {
			if f.Tag.Get("koanf") == path[0] {
				return knownKey(f.Type, path[1:])
			}
		}
	}
	return false
}

// FileExists reports whether path names a readable file, for the CLI's
// choice between the default config file and the built-in defaults.
func FileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func sortStrings(s []string) { slices.Sort(s) }

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
