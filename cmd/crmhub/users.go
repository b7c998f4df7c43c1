package main

import (
	"context"
	"errors"
)

// errNotYet marks commands whose backing parts have not landed yet.
var errNotYet = errors.New("not yet available")

func usersListCmd(context.Context, *cli, []string) error { return errNotYet }
func usersShowCmd(context.Context, *cli, []string) error { return errNotYet }
