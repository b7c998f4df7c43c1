package console

import (
	"net/http"

	"github.com/crmhub/crmhub/core/server"
)

// userActivityShown is how many activity lines a user's page shows.
const userActivityShown = 50

// userDeliveriesShown is how many app deliveries a user's page shows.
const userDeliveriesShown = 50

type usersData struct {
	Query map[string]string
	List  server.List[server.User]
	Next  string
	CRMs  []string
}

// listUsers answers GET /ui/users: the users the search selects (e-mail,
// name, tag, CRM, contact), newest first, 50 a page.
func (c *Console) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := server.ParsePage(q)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	list, err := c.Reads.Users(r.Context(), server.ParseUserFilter(q), pg)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	d := usersData{Query: map[string]string{}, List: list, CRMs: c.crms()}
	for _, k := range []string{"email", "name", "tag", "crm", "contact_id"} {
		d.Query[k] = q.Get(k)
	}
	if list.NextCursor != "" {
		d.Next = withCursor(r, list.NextCursor)
	}
	c.render(w, r, http.StatusOK, "users", page{Title: "Users", Nav: "users", Data: d})
}

type userData struct {
	User server.User
	// TagsByCRM groups the user's tags by the CRM that set them.
	TagsByCRM map[string][]server.Tag
	Activity  []server.ActivityLine
	// Deliveries are the user's latest deliveries to apps, newest first.
	Deliveries []server.DeliveryLine
}

// showUser answers GET /ui/users/{id}: its contact links, tags per CRM,
// fields, activity and deliveries to apps.
func (c *Console) showUser(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	u, err := c.Reads.User(r.Context(), id)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	lines, err := c.Reads.UserActivity(r.Context(), id, userActivityShown)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	deliveries, err := c.Reads.UserDeliveries(r.Context(), id, userDeliveriesShown)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	d := userData{User: u, TagsByCRM: map[string][]server.Tag{}, Activity: lines, Deliveries: deliveries.Items}
	for _, t := range u.Tags {
		d.TagsByCRM[t.CRM] = append(d.TagsByCRM[t.CRM], t)
	}
	c.render(w, r, http.StatusOK, "user", page{Title: "User " + u.Username, Nav: "users", Data: d})
}
