// Package assets holds the files the app embeds: the pages the browser shows
// at the end of a sign-in (and, in icon.go, the app icon).
package assets

import "embed"

// Pages holds pages/success.html and pages/failure.html, html/template
// sources the sign-in callback renders. They load nothing from elsewhere
// (inline CSS, no scripts) because they are served with a CSP of
// default-src 'none'.
//
//go:embed pages/*.html
var Pages embed.FS
