package harness

import (
	"fmt"

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
