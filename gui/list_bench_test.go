package gui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// BenchmarkConnectionList1000 measures the window's work for a list of 1,000
// saved connections (make bench reports it): opening the records and building
// the window, refreshing the list, and scrolling it by one row. Drawing is
// the GL driver's and is not included; bench/ measures the real window.
func BenchmarkConnectionList1000(b *testing.B) {
	dir := writeBenchRecords(b, 1000)
	a := test.NewTempApp(b)
	open := func(b *testing.B) *UI {
		st, err := store.Open(dir, nil) // listing needs no keychain
		if err != nil {
			b.Fatal(err)
		}
		u := New(a, connect.New(st, nil), Options{})
		u.win.Resize(fyne.NewSize(900, 600))
		if n := len(u.list.items); n != 1000 {
			b.Fatalf("the list shows %d connections, want 1000", n)
		}
		return u
	}

	b.Run("open_and_build", func(b *testing.B) {
		for b.Loop() {
			open(b).win.Close()
		}
	})
	b.Run("refresh", func(b *testing.B) {
		u := open(b)
		defer u.win.Close()
		for b.Loop() {
			u.list.refresh()
		}
	})
	b.Run("scroll_step", func(b *testing.B) {
		u := open(b)
		defer u.win.Close()
		row := u.list.list.CreateItem().MinSize().Height
		if row <= 0 {
			b.Fatal("list rows have no height")
		}
		var y float32
		for b.Loop() {
			y += row
			if y > row*990 {
				y = 0
			}
			u.list.list.ScrollToOffset(y)
		}
		if u.list.list.GetScrollOffset() == 0 && y != 0 {
			b.Fatal("the list did not scroll")
		}
	})
}

// writeBenchRecords writes a records file of n connections under one client,
// in the layout package store reads, without a keychain round trip each.
func writeBenchRecords(b *testing.B, n int) string {
	b.Helper()
	now := time.Now().UTC()
	client := store.Client{ClientSettings: store.DefaultClientSettings()}
	client.ID, client.Name, client.ClientID = "c0ffee0000000001", "Kantata production", "bench-client"
	client.CreatedAt, client.UpdatedAt = now, now
	conns := make([]store.Connection, n)
	for i := range conns {
		conns[i] = store.Connection{
			ID: fmt.Sprintf("%016x", i+1), Name: fmt.Sprintf("Connection %04d", i+1), ClientRef: client.ID,
			Status:           store.StatusAuthorized,
			Identity:         &store.Identity{UserID: fmt.Sprint(1000 + i), FullName: "Ada Lovelace", Email: "ada@example.com"},
			LastAuthorizedAt: &now, LastTestedAt: &now, CreatedAt: now, UpdatedAt: now,
		}
	}
	data, err := json.Marshal(struct {
		SchemaVersion int                `json:"schema_version"`
		Clients       []store.Client     `json:"clients"`
		Connections   []store.Connection `json:"connections"`
	}{store.SchemaVersion, []store.Client{client}, conns})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "records.json"), data, 0o600); err != nil {
		b.Fatal(err)
	}
	return dir
}
