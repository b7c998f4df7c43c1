package engine

import (
	"github.com/crmhub/crmhub/core/secret"
)

// passwords does one event's slow password work — generating, hashing,
// checking — once, remembering the results: most of it is done before the
// transaction begins (see Engine.prepare), so the transaction, which on
// SQLite holds the only writer, just picks the results up.
type passwords struct {
	generated string
	hashes    map[string]string // plaintext → hash
	checks    map[string]bool   // hash → whether the CRM's password matches it
}

func newPasswords() *passwords {
	return &passwords{hashes: map[string]string{}, checks: map[string]bool{}}
}

// forNewUser returns a new user's password: the mapped one, else one
// generated for this event.
func (p *passwords) forNewUser(mapped string) (plaintext string, generated bool) {
	if mapped != "" {
		return mapped, false
	}
	if p.generated == "" {
		p.generated = secret.GeneratePassword()
	}
	return p.generated, true
}

func (p *passwords) hash(plaintext string) string {
	h, ok := p.hashes[plaintext]
	if !ok {
		h = secret.HashPassword(plaintext)
		p.hashes[plaintext] = h
	}
	return h
}

// matches reports whether plaintext is the password hash was made from. A
// hash in another format counts as no match, so the CRM's password
// replaces it.
func (p *passwords) matches(hash, plaintext string) bool {
	ok, seen := p.checks[hash]
	if !seen {
		ok, _ = secret.CheckPassword(hash, plaintext)
		p.checks[hash] = ok
	}
	return ok
}
