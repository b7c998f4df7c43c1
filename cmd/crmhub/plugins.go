package main

import "context"

func pluginsListCmd(context.Context, *cli, []string) error { return errNotYet }
