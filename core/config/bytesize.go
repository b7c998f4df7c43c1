package config

import (
	"fmt"

	"github.com/dustin/go-humanize"
)

// ByteSize is a size in bytes, written in config as "1MiB", "512KB" or a
// plain number.
type ByteSize int64

// UnmarshalText parses sizes like "1MiB".
func (b *ByteSize) UnmarshalText(text []byte) error {
	n, err := humanize.ParseBytes(string(text))
	if err != nil {
		return fmt.Errorf("not a size like 1MiB: %q", text)
	}
	*b = ByteSize(n)
	return nil
}

// String shows the size the way it is written in config.
func (b ByteSize) String() string { return humanize.IBytes(uint64(b)) }
