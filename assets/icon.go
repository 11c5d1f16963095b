package assets

import _ "embed"

// Icon is the application icon, drawn by ./gen (go generate ./assets).
//
//go:generate go run ./gen -o icon.png
//go:embed icon.png
var Icon []byte
