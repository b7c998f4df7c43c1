package notify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/template"
)

// Welcome is one welcome mail: its recipient and what the template may use
// ({{.Username}}, {{.Email}}, {{.FirstName}}, {{.LastName}}, {{.LoginURL}},
// {{.Password}}).
type Welcome struct {
	Username  string
	Email     string // the recipient
	FirstName string
	LastName  string
	LoginURL  string
	Password  string
}

// DefaultTemplate is the welcome mail used when no template file is
// configured. Its first line is the subject.
const DefaultTemplate = `Subject: Your account is ready

Hello {{with .FirstName}}{{.}}{{else}}{{.Username}}{{end}},

an account has been created for you.

  Username: {{.Username}}
  Password: {{.Password}}

Log in here: {{.LoginURL}}

Please change your password after you log in for the first time.
`

// Template renders welcome mails. Its text is a Go text/template whose
// first line is "Subject: …" (the subject may use the variables too),
// followed by a blank line and the plain-text body.
type Template struct {
	t *template.Template
}

// sampleWelcome fills every variable, to try a template out.
var sampleWelcome = Welcome{Username: "anna", Email: "anna@example.com", FirstName: "Anna",
	LastName: "Müller", LoginURL: "https://example.com/login", Password: "sample"}

// ParseTemplate parses a welcome template and tries it out, so a template
// with a misspelt variable fails here rather than at the first new user.
func ParseTemplate(text string) (*Template, error) {
	t, err := template.New("welcome").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("notify: welcome template: %w", err)
	}
	tmpl := &Template{t: t}
	if _, _, err := tmpl.Render(sampleWelcome); err != nil {
		return nil, err
	}
	return tmpl, nil
}

// LoadTemplate reads the template file at path; an empty path gives the
// built-in DefaultTemplate.
func LoadTemplate(path string) (*Template, error) {
	if path == "" {
		return ParseTemplate(DefaultTemplate)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("notify: read welcome template: %w", err)
	}
	tmpl, err := ParseTemplate(string(text))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return tmpl, nil
}

var errNoSubject = errors.New(`notify: welcome template must start with a "Subject: …" line`)

// Render fills in the template for w and returns the subject and body.
func (t *Template) Render(w Welcome) (subject, body string, err error) {
	var buf bytes.Buffer
	if err := t.t.Execute(&buf, w); err != nil {
		return "", "", fmt.Errorf("notify: render welcome template: %w", err)
	}
	first, rest, _ := strings.Cut(buf.String(), "\n")
	name, subject, ok := strings.Cut(strings.TrimRight(first, "\r"), ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "subject") {
		return "", "", errNoSubject
	}
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "\r"), "\n")
	return strings.TrimSpace(subject), strings.TrimLeft(rest, "\r\n"), nil
}
