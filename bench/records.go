package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// writeRecords writes n connections under one client to dir/records.json in
// package store's layout (its own types, marshalled whole: saving them one
// by one would take minutes of fsyncs), then opens the folder with package
// store to check that the app will read them all. Most connections are
// authorized, some never authorized, a few need re-authorization. It returns
// the connections as the store lists them (sorted, as the window shows them).
func writeRecords(dir string, n int) ([]store.Connection, store.Client, error) {
	now := time.Now().UTC()
	client := store.Client{ClientSettings: store.DefaultClientSettings()}
	client.ID, client.Name, client.ClientID = "c0ffee0000000001", "Kantata production", "bench-client-id"
	client.CreatedAt, client.UpdatedAt = now, now
	conns := make([]store.Connection, n)
	for i := range conns {
		c := store.Connection{ID: fmt.Sprintf("%016x", i+1), Name: fmt.Sprintf("Connection %04d", i+1),
			ClientRef: client.ID, Status: store.StatusNeverAuthorized, CreatedAt: now, UpdatedAt: now}
		if i%10 != 9 {
			c.Status = store.StatusAuthorized
			if i%10 == 8 {
				c.Status = store.StatusNeedsReauth
			}
			c.Identity = &store.Identity{UserID: fmt.Sprint(1000 + i), FullName: "Ada Lovelace", Email: "ada@example.com"}
			c.LastAuthorizedAt, c.LastTestedAt = &now, &now
		}
		conns[i] = c
	}
	data, err := json.MarshalIndent(struct {
		SchemaVersion int                `json:"schema_version"`
		Clients       []store.Client     `json:"clients"`
		Connections   []store.Connection `json:"connections"`
	}{store.SchemaVersion, []store.Client{client}, conns}, "", "  ")
	if err != nil {
		return nil, client, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, client, err
	}
	if err := os.WriteFile(filepath.Join(dir, "records.json"), data, 0o600); err != nil {
		return nil, client, err
	}
	st, err := store.Open(dir, nil) // the app lists connections without the keychain
	if err != nil {
		return nil, client, err
	}
	if got := st.Connections(); len(got) != n || st.Notice() != "" {
		return nil, client, fmt.Errorf("package store reads %d of the %d connections written (notice %q)", len(got), n, st.Notice())
	}
	return st.Connections(), client, nil
}

// Markers in bench/form.html around the list's empty state.
const (
	listStart = "<!-- CONNECTIONS -->"
	listEnd   = "<!-- /CONNECTIONS -->"
)

// writeForm writes the baseline page to path, with conns in the list (the
// same rows, in the same words, as the window shows) in place of the empty
// state when there are any.
func writeForm(template []byte, path string, conns []store.Connection, client store.Client) error {
	page := string(template)
	i, j := strings.Index(page, listStart), strings.Index(page, listEnd)
	if i < 0 || j < i {
		return errors.New("bench/form.html lost its CONNECTIONS markers")
	}
	if len(conns) > 0 {
		var b strings.Builder
		b.WriteString("<ul>\n")
		for _, c := range conns {
			fmt.Fprintf(&b, "<li><b>%s</b><span>%s · %s</span></li>\n",
				html.EscapeString(c.Name), html.EscapeString(client.Name), html.EscapeString(connect.StatusText(c)))
		}
		b.WriteString("</ul>")
		page = page[:i] + b.String() + page[j+len(listEnd):]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(page), 0o644)
}
