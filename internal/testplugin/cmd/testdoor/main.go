// Command testdoor is the test CRM plugin with a door check
// (testplugin.Door), which the hub's specs launch as a real process.
package main

import (
	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(testplugin.NewDoor(testplugin.NewDirectory())) }
