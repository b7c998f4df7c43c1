package engine

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// usernameBase is the username a new user gets before a number is appended
// for uniqueness: the mapped username field, else one made by format —
// email: the e-mail address; flname: first and last name; fnamenum: first
// name and a random number. A name-based format without the name falls
// back to the e-mail address.
func usernameBase(format string, p profile) string {
	if p.Username != "" {
		return p.Username
	}
	switch format {
	case UsernameFLName:
		if name := plainLower(p.FirstName + p.LastName); name != "" {
			return name
		}
	case UsernameFNameNum:
		if name := plainLower(p.FirstName); name != "" {
			return name + strconv.Itoa(1000+rand.IntN(9000))
		}
	}
	return strings.ToLower(p.Email)
}

// freeUsername returns base, or base followed by the smallest number that
// makes it free (anna, anna1, anna2, …).
func freeUsername(base string, taken []string) string {
	used := make(map[string]bool, len(taken))
	for _, t := range taken {
		used[t] = true
	}
	if !used[base] {
		return base
	}
	for i := 1; ; i++ {
		if name := base + strconv.Itoa(i); !used[name] {
			return name
		}
	}
}

// transliterations spell letters the German way (ä → ae) and a few that
// have no accent to strip (ø → o).
var transliterations = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ẞ", "ss",
	"æ", "ae", "Æ", "ae", "œ", "oe", "Œ", "oe", "ø", "o", "Ø", "o", "ł", "l", "Ł", "l",
	"đ", "d", "Đ", "d", "ð", "d", "þ", "th", "Þ", "th",
)

// plainLower returns s in lower case with only the letters a–z and the
// digits: "Jürgen Groß-Éclair" → "juergengrosseclair".
func plainLower(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(transliterations.Replace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		}
	}
	return b.String()
}
