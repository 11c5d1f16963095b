package store

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const perWorker = 50

// Two processes add connections to one records file at the same time; the
// file lock and reload-before-write mean neither loses the other's.
func TestTwoProcessesLoseNothing(t *testing.T) {
	if os.Getenv("STORE_TEST_ROLE") == "worker" {
		runWorker(t, os.Getenv("STORE_TEST_DIR"), os.Getenv("STORE_TEST_WORKER"), os.Getenv("STORE_TEST_CLIENT"))
		return
	}
	dir := t.TempDir()
	s, err := Open(dir, newMemKeychain())
	if err != nil {
		t.Fatal(err)
	}
	cl := addClient(t, s, "Acme", "x")

	workers := []string{"a", "b"}
	cmds := make([]*exec.Cmd, len(workers))
	outs := make([]*strings.Builder, len(workers))
	for i, w := range workers {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcessesLoseNothing$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "STORE_TEST_ROLE=worker", "STORE_TEST_DIR="+dir,
			"STORE_TEST_WORKER="+w, "STORE_TEST_CLIENT="+cl.ID)
		outs[i] = new(strings.Builder)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil || !strings.Contains(outs[i].String(), "--- PASS") {
			t.Fatalf("worker %s: %v\n%s", workers[i], err, outs[i])
		}
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	conns := s.Connections()
	if len(conns) != len(workers)*perWorker {
		t.Fatalf("%d connections after two processes added %d each, want %d", len(conns), perWorker, len(workers)*perWorker)
	}
	seen := map[string]bool{}
	for _, c := range conns {
		seen[c.Name] = true
		if c.Status != StatusAuthorized {
			t.Errorf("%s lost its update: status %s", c.Name, c.Status)
		}
	}
	for _, w := range workers {
		for i := range perWorker {
			if name := fmt.Sprintf("%s-%02d", w, i); !seen[name] {
				t.Errorf("connection %s lost", name)
			}
		}
	}
	if len(s.Clients()) != 1 {
		t.Fatal("the client was lost")
	}
}

func runWorker(t *testing.T, dir, worker, clientRef string) {
	s, err := Open(dir, newMemKeychain())
	if err != nil {
		t.Fatal(err)
	}
	for i := range perWorker {
		c, err := s.SaveConnection("", fmt.Sprintf("%s-%02d", worker, i), clientRef)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordOutcome(c.ID, func(c *Connection) { c.Status = StatusAuthorized }); err != nil {
			t.Fatal(err)
		}
	}
}
