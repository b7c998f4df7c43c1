package harness

import (
	"fmt"
	"path/filepath"

	"github.com/crmhub/crmhub/internal/testbin"
)

// Binaries are the programs a hub process is made of.
type Binaries struct {
	// Hub is the crmhub command.
	Hub string
	// KlickTipp is the KlickTipp plugin, crmhub-plugin-klicktipp.
	KlickTipp string
}

// Import paths and file names of the binaries, as `make testbins` names
// them in CRMHUBTEST_BIN_DIR.
const (
	hubPackage       = "github.com/crmhub/crmhub/cmd/crmhub"
	hubBinary        = "crmhub"
	klickTippPackage = "github.com/crmhub/crmhub/plugins/klicktipp"
	klickTippBinary  = "crmhub-plugin-klicktipp"
)

// absolute returns the binaries with absolute paths: a hub runs in a
// directory of its own, where a relative path would lead nowhere.
func (b Binaries) absolute() (Binaries, error) {
	var err error
	if b.Hub, err = filepath.Abs(b.Hub); err != nil {
		return b, fmt.Errorf("locate the hub binary: %w", err)
	}
	if b.KlickTipp, err = filepath.Abs(b.KlickTipp); err != nil {
		return b, fmt.Errorf("locate the KlickTipp plugin binary: %w", err)
	}
	return b, nil
}

// Build returns the binaries: prebuilt ones from CRMHUBTEST_BIN_DIR, or
// built once per test process with `go build` (see internal/testbin; call
// testbin.Cleanup when the suite ends).
func Build() (Binaries, error) {
	hub, err := testbin.Build(hubPackage, hubBinary)
	if err != nil {
		return Binaries{}, fmt.Errorf("build the hub: %w", err)
	}
	plugin, err := testbin.Build(klickTippPackage, klickTippBinary)
	if err != nil {
		return Binaries{}, fmt.Errorf("build the KlickTipp plugin: %w", err)
	}
	return Binaries{Hub: hub, KlickTipp: plugin}, nil
}
