package message

// Changes says what an event changed. For user.created it holds what was
// set. Only what changed is present.
type Changes struct {
	Username  *Value `json:"username,omitempty"`
	Email     *Value `json:"email,omitempty"`
	Role      *Value `json:"role,omitempty"`
	FirstName *Value `json:"first_name,omitempty"`
	LastName  *Value `json:"last_name,omitempty"`
	// Password is true when the password changed; its value is never sent.
	Password bool `json:"password,omitempty"`
	// Fields are the changed profile fields, by name.
	Fields map[string]Value `json:"fields,omitempty"`
	// Tags are the tag changes, by CRM.
	Tags  map[string]*TagChanges `json:"tags,omitempty"`
	Links *LinkChanges           `json:"links,omitempty"`
}

// Value is a value before and after the change ("" before a creation).
type Value struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// TagChanges are one CRM's tag changes.
type TagChanges struct {
	Added   []TagRef `json:"added,omitempty"`
	Removed []TagRef `json:"removed,omitempty"`
	// Renamed tags stayed on the user under a new name.
	Renamed []TagRef `json:"renamed,omitempty"`
}

// TagRef names a tag of a CRM.
type TagRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// LinkChanges are the user's new links to CRM contacts.
type LinkChanges struct {
	Added    []Contact      `json:"added,omitempty"`
	Replaced []ReplacedLink `json:"replaced,omitempty"`
}

// ReplacedLink is a link to a CRM contact that replaced the user's link to
// another contact of the same CRM.
type ReplacedLink struct {
	CRM          string `json:"crm"`
	OldContactID string `json:"old_contact_id"`
	ContactID    string `json:"contact_id"`
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return c.Username == nil && c.Email == nil && c.Role == nil && c.FirstName == nil && c.LastName == nil &&
		!c.Password && len(c.Fields) == 0 && len(c.Tags) == 0 && c.Links == nil
}

// SetValue records a change of one of the user's columns; an unchanged
// value records nothing.
func SetValue(dst **Value, old, new string) {
	if old == new {
		return
	}
	if *dst != nil {
		old = (*dst).Old // changed twice in one event: keep the first old value
	}
	*dst = &Value{Old: old, New: new}
}

// SetField records a changed profile field.
func (c *Changes) SetField(name, old, new string) {
	if old == new {
		return
	}
	if c.Fields == nil {
		c.Fields = map[string]Value{}
	}
	c.Fields[name] = Value{Old: old, New: new}
}

// SetTags records one CRM's tag changes; none records nothing.
func (c *Changes) SetTags(crm string, added, removed, renamed []TagRef) {
	if len(added) == 0 && len(removed) == 0 && len(renamed) == 0 {
		return
	}
	if c.Tags == nil {
		c.Tags = map[string]*TagChanges{}
	}
	c.Tags[crm] = &TagChanges{Added: added, Removed: removed, Renamed: renamed}
}

// AddLink records a new link to a CRM contact; old is the contact of the
// same CRM it replaced, or "".
func (c *Changes) AddLink(crm, old, contactID string) {
	if c.Links == nil {
		c.Links = &LinkChanges{}
	}
	if old == "" {
		c.Links.Added = append(c.Links.Added, Contact{CRM: crm, ContactID: contactID})
		return
	}
	c.Links.Replaced = append(c.Links.Replaced, ReplacedLink{CRM: crm, OldContactID: old, ContactID: contactID})
}
