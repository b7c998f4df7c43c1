package engine

import (
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// Special hub fields of a CRM's field mapping.
const (
	fieldUsername  = "username"
	fieldPassword  = "password"
	fieldRole      = "role"
	fieldEmail     = "email"
	fieldFirstName = "first_name"
	fieldLastName  = "last_name"
)

// profile is a contact read through a CRM's field mapping: what the CRM
// says the user should look like. Empty means "the CRM has no value".
type profile struct {
	Email               string // the mapped e-mail field, else the contact's address
	Username            string
	Password            string
	Role                string // the mapped role field, else the webhook's role parameter
	FirstName, LastName string
	Fields              map[string]string // the other mapped fields that have a value
}

func readProfile(c sdk.Contact, crm CRMConfig, roleParam string) profile {
	value := func(hubField string) string {
		crmField, ok := crm.Fields[hubField]
		if !ok {
			return ""
		}
		return strings.TrimSpace(c.Fields[crmField])
	}
	p := profile{
		Email:     value(fieldEmail),
		Username:  value(fieldUsername),
		Role:      value(fieldRole),
		FirstName: value(fieldFirstName),
		LastName:  value(fieldLastName),
		Fields:    map[string]string{},
	}
	if crmField, ok := crm.Fields[fieldPassword]; ok && strings.TrimSpace(c.Fields[crmField]) != "" {
		p.Password = c.Fields[crmField] // a password is taken as it is, spaces and all
	}
	if p.Email == "" {
		p.Email = strings.TrimSpace(c.Email)
	}
	if p.Role == "" {
		p.Role = strings.TrimSpace(roleParam)
	}
	for hubField := range crm.Fields {
		switch hubField {
		case fieldEmail, fieldUsername, fieldPassword, fieldRole, fieldFirstName, fieldLastName:
			continue
		}
		if v := value(hubField); v != "" {
			p.Fields[hubField] = v
		}
	}
	return p
}
