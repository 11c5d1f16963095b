package oauth

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"

	"github.com/kantata-connect/kantata-connect/assets"
)

var (
	successPage = template.Must(template.ParseFS(assets.Pages, "pages/success.html"))
	failurePage = template.Must(template.ParseFS(assets.Pages, "pages/failure.html"))
)

// SuccessText is the sentence the success page shows.
const SuccessText = "You're connected. Return to Kantata Connect; you can close this tab."

// failureData fills failure.html; html/template escapes every field.
type failureData struct {
	Heading, Message, Next string
}

// writePage renders a page with headers that keep it out of caches and
// referrers and let it load nothing at all.
func writePage(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		// The templates are fixed; fall back to plain text rather than half a page.
		buf.Reset()
		buf.WriteString("Kantata Connect: the page could not be shown. Return to Kantata Connect.")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	// On the wire now: the flow closes the connections right after the
	// outcome page.
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

func writeSuccess(w http.ResponseWriter) {
	writePage(w, http.StatusOK, successPage, nil)
}

func writeFailure(w http.ResponseWriter, status int, d failureData) {
	writePage(w, status, failurePage, d)
}
