package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/hub"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// What the read commands share: their flags, the store, and their two
// ways of printing — a table for people, JSON (--json) in the admin API's
// shapes for scripts.

// parseArgs reads the flags wherever they stand among the arguments
// (crmhub users show 12 --json) and returns the arguments.
func (c *cli) parseArgs(name string, args []string, own func(fs *flag.FlagSet)) ([]string, error) {
	rest, err := c.parse(name, args, own)
	if err != nil {
		return nil, err
	}
	var positional []string
	for len(rest) > 0 {
		positional = append(positional, rest[0])
		if err := c.flags.Parse(rest[1:]); err != nil {
			return nil, err
		}
		rest = c.flags.Args()
	}
	return positional, nil
}

// oneID reads the single id argument of a show command.
func (c *cli) oneID(args []string, what string) (int64, error) {
	if len(args) != 1 {
		fmt.Fprintf(c.stderr, "give one %s id\n", what)
		c.flags.Usage()
		return 0, errUsage
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a %s id", args[0], what)
	}
	return id, nil
}

// pageFlags are a list command's --limit and --cursor.
type pageFlags struct {
	limit  int
	cursor string
}

func (p *pageFlags) add(fs *flag.FlagSet) {
	fs.IntVar(&p.limit, "limit", 50, "how many to show, newest first")
	fs.StringVar(&p.cursor, "cursor", "", "continue where the last page ended")
}

func (p *pageFlags) page() (store.Page, error) {
	pg := store.Page{Limit: p.limit}
	if p.limit < 1 {
		return pg, errors.New("--limit must be at least 1")
	}
	if p.cursor != "" {
		after, err := strconv.ParseInt(p.cursor, 10, 64)
		if err != nil || after <= 0 {
			return pg, fmt.Errorf("--cursor %q is not one a list printed", p.cursor)
		}
		pg.After = after
	}
	return pg, nil
}

// openStore opens the store the config names, for reading what the hub
// wrote. It creates nothing: a store the hub has not made yet, or not
// migrated, is an error that says what to do.
func (c *cli) openStore(ctx context.Context) (*store.Store, error) {
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	if path, ok := strings.CutPrefix(cfg.Database.URL, "sqlite://"); ok && !config.FileExists(path) {
		return nil, fmt.Errorf("no store at %s: start the hub (crmhub serve) or run crmhub migrate first", path)
	}
	st, err := hub.OpenStore(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	if ok, err := st.Migrated(ctx); err != nil || !ok {
		st.Close()
		if err != nil {
			return nil, err
		}
		return nil, errors.New("the store's schema is not up to date: run crmhub migrate")
	}
	return st, nil
}

// printJSON prints v as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table starts a table on stdout; call Flush when done.
func (c *cli) table(header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}

// row writes one table row.
func row(w io.Writer, cells ...string) {
	for i, cell := range cells {
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cell)
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// listing says how a list command shows its items as a table.
type listing[T any] struct {
	command string // e.g. "users list", for the next-page hint
	noun    string // e.g. "users", for an empty list
	header  []string
	row     func(T) []string
}

// printList prints a list as JSON with --json, else as a table followed by
// the command that shows the next page.
func printList[T any](c *cli, list server.List[T], l listing[T]) error {
	if c.json {
		return c.printJSON(list)
	}
	if len(list.Items) == 0 {
		fmt.Fprintln(c.stdout, "no "+l.noun)
		return nil
	}
	tw := c.table(l.header...)
	for _, item := range list.Items {
		row(tw, l.row(item)...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c.morePages(l.command, list.NextCursor)
	return nil
}

// formatCursor is the cursor a list prints for its next page.
func formatCursor(after int64) string {
	if after == 0 {
		return ""
	}
	return fmt.Sprint(after)
}

// morePages tells how to get the next page, if there is one.
func (c *cli) morePages(command, next string) {
	if next != "" {
		fmt.Fprintf(c.stdout, "\nmore: crmhub %s --cursor %s\n", command, next)
	}
}

// when shows a time for people, in local time; "-" when unset.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// short cuts s to n characters, marking the cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// orDash shows an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
