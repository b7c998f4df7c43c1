package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/crmhub/crmhub/core/config"
)

// defaultConfigPath is read when --config is not given and the file exists.
const defaultConfigPath = "configs/crmhub.yaml"

// command is one CLI command, e.g. "users list".
type command struct {
	name    string
	args    string // what follows the flags, for usage
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands lists every command, in the order usage shows them.
var commands = []command{
	{"serve", "", "run the hub: webhooks, workers, admin API", serveCmd},
	{"migrate", "", "bring the store's schema up to date", migrateCmd},
	{"config check", "", "show the effective config (secrets redacted) or its errors", configCheckCmd},
	{"users list", "", "list users", usersListCmd},
	{"users show", "ID", "show one user", usersShowCmd},
	{"events list", "", "list webhook events", eventsListCmd},
	{"events show", "ID", "show one event with its attempts and activity", eventsShowCmd},
	{"events replay", "[ID]", "re-queue failed and dead events", eventsReplayCmd},
	{"apps list", "", "list the apps and their deliveries by status", appsListCmd},
	{"apps deliveries", "NAME", "list an app's deliveries of user events", appsDeliveriesCmd},
	{"apps replay", "NAME", "send an app's dead (or delivered) user events again", appsReplayCmd},
	{"apps test", "NAME", "send an app a signed ping message and show its answer", appsTestCmd},
	{"plugins list", "", "list CRM plugins and their state", pluginsListCmd},
	{"plugins show", "NAME", "show a CRM plugin: version, webhook profile, settings schema with the configured values", pluginsShowCmd},
}

// cli is what every command gets: its flags, output and the config.
type cli struct {
	flags      *flag.FlagSet
	configPath string
	json       bool
	stdout     io.Writer
	stderr     io.Writer
	extra      func(fs *flag.FlagSet) // a command's own flags
}

// errUsage means the arguments were wrong; usage has been printed.
var errUsage = errors.New("usage")

// run runs the command named by args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, rest := findCommand(args)
	if cmd == nil {
		usage(stderr)
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			return 0
		}
		return 2
	}
	c := &cli{stdout: stdout, stderr: stderr}
	if err := cmd.run(ctx, c, rest); err != nil {
		if !errors.Is(err, errUsage) && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "crmhub "+cmd.name+": "+err.Error())
		}
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		return 1
	}
	return 0
}

// findCommand matches the longest command name at the start of args.
func findCommand(args []string) (*command, []string) {
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == commands[i].name {
			return &commands[i], args[len(words):]
		}
	}
	return nil, nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: crmhub <command> [--config FILE] [--json] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-22s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintf(w, "\n--config defaults to %s (built-in defaults when it does not exist);\nCRMHUB_ environment variables override both (CRMHUB_DATABASE__URL=postgres://…).\n", defaultConfigPath)
}

// parse reads the common flags (--config, --json) and the command's own.
func (c *cli) parse(name string, args []string, own func(fs *flag.FlagSet)) ([]string, error) {
	c.flags = flag.NewFlagSet("crmhub "+name, flag.ContinueOnError)
	c.flags.SetOutput(c.stderr)
	c.flags.StringVar(&c.configPath, "config", "", "config file (default "+defaultConfigPath+")")
	c.flags.BoolVar(&c.json, "json", false, "print JSON")
	if own != nil {
		own(c.flags)
	}
	if err := c.flags.Parse(args); err != nil {
		return nil, err
	}
	return c.flags.Args(), nil
}

// loadConfig loads the config named by --config, or the default file when
// it exists, or the built-in defaults.
func (c *cli) loadConfig() (*config.Config, error) {
	return config.Load(c.configFile())
}

// configFile is the config file in use: --config, or the default file when
// it exists, or "" for the built-in defaults.
func (c *cli) configFile() string {
	if c.configPath == "" && config.FileExists(defaultConfigPath) {
		return defaultConfigPath
	}
	return c.configPath
}

// logger builds the hub's log as the config asks, on stderr.
func (c *cli) logger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(c.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(c.stderr, opts))
}
