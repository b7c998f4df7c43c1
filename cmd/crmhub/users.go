package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// usersListCmd lists users, newest first, filtered like the admin API's
// GET /api/v1/users.
func usersListCmd(ctx context.Context, c *cli, args []string) error {
	var (
		f     store.UserFilter
		pages pageFlags
	)
	_, err := c.parseArgs("users list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&f.Email, "email", "", "only the user with this e-mail address")
		fs.StringVar(&f.Tag, "tag", "", "only users with this tag (name or id)")
		fs.StringVar(&f.CRM, "crm", "", "only users linked to a contact of this CRM")
		fs.StringVar(&f.ContactID, "contact-id", "", "only the user linked to this contact")
		pages.add(fs)
	})
	if err != nil {
		return err
	}
	page, err := pages.page()
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	users, next, err := st.ListUsers(ctx, f, page)
	if err != nil {
		return err
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	details, err := st.DetailsOf(ctx, ids)
	if err != nil {
		return err
	}
	list := server.List[server.User]{Items: make([]server.User, len(users)), NextCursor: formatCursor(next)}
	for i, u := range users {
		list.Items[i] = server.NewUser(u, details[u.ID])
	}
	return printList(c, list, listing[server.User]{
		command: "users list", noun: "users",
		header: []string{"ID", "USERNAME", "E-MAIL", "ROLE", "CONTACTS", "TAGS", "CREATED"},
		row: func(u server.User) []string {
			return []string{u.ID, u.Username, u.Email, u.Role, contacts(u), short(tagNames(u.Tags), 40), when(u.CreatedAt)}
		},
	})
}

// usersShowCmd shows one user with its contacts, tags and fields.
func usersShowCmd(ctx context.Context, c *cli, args []string) error {
	args, err := c.parseArgs("users show", args, nil)
	if err != nil {
		return err
	}
	id, err := c.oneID(args, "user")
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %d", id)
	}
	if err != nil {
		return err
	}
	details, err := st.DetailsOf(ctx, []int64{id})
	if err != nil {
		return err
	}
	user := server.NewUser(*u, details[id])
	if c.json {
		return c.printJSON(user)
	}
	w := c.stdout
	fmt.Fprintf(w, "User %s: %s <%s>\n", user.ID, user.Username, user.Email)
	fmt.Fprintf(w, "  role:      %s\n", user.Role)
	fmt.Fprintf(w, "  name:      %s\n", orDash(strings.TrimSpace(user.FirstName+" "+user.LastName)))
	fmt.Fprintf(w, "  created:   %s\n", when(user.CreatedAt))
	fmt.Fprintf(w, "  updated:   %s\n", when(user.UpdatedAt))
	fmt.Fprintf(w, "  contacts:  %s\n", contacts(user))
	fmt.Fprintln(w, "  tags:")
	if len(user.Tags) == 0 {
		fmt.Fprintln(w, "    none")
	}
	for _, t := range user.Tags {
		fmt.Fprintf(w, "    %s: %s (id %s)\n", t.CRM, t.Name, t.ID)
	}
	fmt.Fprintln(w, "  fields:")
	if len(user.Fields) == 0 {
		fmt.Fprintln(w, "    none")
	}
	for _, name := range slices.Sorted(maps.Keys(user.Fields)) {
		fmt.Fprintf(w, "    %s = %s\n", name, user.Fields[name])
	}
	return nil
}

// contacts shows a user's contacts as crm:id, comma-separated.
func contacts(u server.User) string {
	parts := make([]string, len(u.Contacts))
	for i, l := range u.Contacts {
		parts[i] = l.CRM + ":" + l.ContactID
	}
	return orDash(strings.Join(parts, ", "))
}

// tagNames shows tags by name, comma-separated.
func tagNames(tags []server.Tag) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return orDash(strings.Join(names, ", "))
}
