package fakesso

import (
	"html/template"
	"net/http"
)

// The HTML pages a person (or headless Chromium) sees. Every decision is a
// plain form POST, so curl can make it too:
//
//	curl -d user_code=ABCD-EFGH -d action=allow URL/device
const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} - fake IAM Identity Center</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}code{font-size:1.4em}button{font-size:1.1em;margin-right:1em}</style>
</head><body><h1>{{.Title}}</h1>
`

const pageTemplates = `
{{define "device"}}` + pageHead + `
{{with .Device}}
<p><strong>{{.ClientName}}</strong> asks to sign in to {{.StartURL}}.</p>
<p>Check that this code matches the one shown by the application:</p>
<p><code id="user-code">{{.UserCode}}</code></p>
<form method="post" action="/device">
<input type="hidden" name="user_code" value="{{.UserCode}}">
<button type="submit" name="action" value="allow" id="allow">Allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</form>
{{else}}
<form method="post" action="/device">
<label>Code <input type="text" name="user_code" id="user-code" autofocus></label>
<button type="submit" name="action" value="allow" id="allow">Allow</button>
</form>
{{end}}
</body></html>
{{end}}

{{define "consent"}}` + pageHead + `
<p><strong>{{.Consent.ClientName}}</strong> asks for access to your AWS accounts
({{range $i, $s := .Consent.Scopes}}{{if $i}}, {{end}}{{$s}}{{end}}).</p>
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{{.Consent.ID}}">
<button type="submit" name="action" value="allow" id="allow">Allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</form>
</body></html>
{{end}}

{{define "message"}}` + pageHead + `
<p id="message">{{.Message}}</p>
</body></html>
{{end}}
`

type deviceView struct {
	UserCode, ClientName, StartURL string
}

type consentView struct {
	ID, ClientName string
	Scopes         []string
}

type pageData struct {
	Title   string
	Message string
	Device  *deviceView
	Consent *consentView
}

type pages struct {
	t *template.Template
}

func newPages() *pages {
	return &pages{t: template.Must(template.New("pages").Parse(pageTemplates))}
}

func (p *pages) render(w http.ResponseWriter, status int, name string, data pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = p.t.ExecuteTemplate(w, name, data)
}

func (p *pages) device(w http.ResponseWriter, d *deviceView) {
	p.render(w, http.StatusOK, "device", pageData{Title: "Authorize request", Device: d})
}

func (p *pages) consent(w http.ResponseWriter, c *consent) {
	p.render(w, http.StatusOK, "consent", pageData{
		Title:   "Allow access",
		Consent: &consentView{ID: c.id, ClientName: c.clientName, Scopes: c.scopes},
	})
}

func (p *pages) done(w http.ResponseWriter, allowed bool) {
	msg := "Request approved. You can close this window and return to the application."
	if !allowed {
		msg = "Request denied. You can close this window."
	}
	p.render(w, http.StatusOK, "message", pageData{Title: "Done", Message: msg})
}

func (p *pages) error(w http.ResponseWriter, status int, msg string) {
	p.render(w, status, "message", pageData{Title: "Error", Message: msg})
}
