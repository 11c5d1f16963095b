//go:build unix

package cli_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCtrlCCancelsAuthorize sends a real SIGINT, as Ctrl-C in a terminal
// does, while authorize waits: it ends with exit 130 and frees the port.
func TestCtrlCCancelsAuthorize(t *testing.T) {
	h := newHarness(t)
	_, _, port := h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")

	r := h.start(context.Background(), "authorize", "Prod", "--no-browser")
	// Printed after the handler is in place, so the signal can't end the
	// test binary.
	r.out.waitFor(t, "Waiting for Kantata")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	res := r.wait(t)
	if res.code != 130 || !strings.Contains(res.errOut, "Sign-in canceled") {
		t.Errorf("authorize after Ctrl-C: %v; want exit 130", res)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("the callback port is still held after Ctrl-C: %v", err)
	}
	l.Close()
}
