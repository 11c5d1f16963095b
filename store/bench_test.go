package store

import (
	"fmt"
	"testing"
	"time"
)

// Load and save a records file of 1,000 connections: each iteration opens
// the store (a full parse), then makes one change (reload check, validation,
// atomic write with fsync).
func BenchmarkLoadSave1000(b *testing.B) {
	s := openTemp(b, newMemKeychain())
	cl := addClient(b, s, "Acme", "x")
	r := s.data.clone()
	now := time.Now().UTC()
	for i := range 1000 {
		r.Connections = append(r.Connections, Connection{
			ID: fmt.Sprintf("%016x", i), Name: fmt.Sprintf("Connection %04d", i), ClientRef: cl.ID,
			Status: StatusAuthorized, Identity: &Identity{UserID: fmt.Sprint(i), FullName: "Ada Lovelace", Email: "ada@example.com"},
			LastAuthorizedAt: &now, LastTestedAt: &now, CreatedAt: now, UpdatedAt: now,
		})
	}
	if err := s.update(func(next *records) (func(), error) { *next = r; return nil, nil }); err != nil {
		b.Fatal(err)
	}
	dir := s.dir
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s, err := Open(dir, newMemKeychain())
		if err != nil {
			b.Fatal(err)
		}
		if n := len(s.Connections()); n != 1000 {
			b.Fatalf("%d connections", n)
		}
		if _, err := s.RecordOutcome(fmt.Sprintf("%016x", i%1000), func(c *Connection) { c.LastError = fmt.Sprint(i) }); err != nil {
			b.Fatal(err)
		}
	}
}
