package main

import "context"

func eventsListCmd(context.Context, *cli, []string) error   { return errNotYet }
func eventsShowCmd(context.Context, *cli, []string) error   { return errNotYet }
func eventsReplayCmd(context.Context, *cli, []string) error { return errNotYet }
