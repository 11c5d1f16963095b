// Package handover gives the app's own link (com.kantataconnect.desktop:…),
// with which the operating system starts a second copy of the program, to
// the instance whose sign-in waits for it, over a channel only the same user
// can open: a Unix socket in the records folder, a named pipe on Windows.
//
// This file is the applinkwin branch's stand-in for the common code, with
// the names the applink branch's version has (Scheme, IsAppLink, Listen,
// Send, ErrInUse, ErrNobodyWaiting) over each OS's listen and dial, so that
// the Windows pipe (handover_windows.go) can be built and tested; merging
// takes the applink branch's handover.go in its place.
package handover

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Scheme is the app's own link scheme, registered with the OS.
const Scheme = "com.kantataconnect.desktop"

var (
	// ErrInUse: another instance of the program already waits here.
	ErrInUse = errors.New("another sign-in already waits for the app's link")
	// ErrNobodyWaiting: no sign-in waits for an answer.
	ErrNobodyWaiting = errors.New("no sign-in is waiting for this answer")
)

// maxLine bounds what a listener reads from a sender.
const maxLine = 8 << 10

// IsAppLink reports whether arg is the app's callback address, in either
// form: com.kantataconnect.desktop:/callback?… or, as some handlers pass it
// on, com.kantataconnect.desktop://callback/?….
func IsAppLink(arg string) bool {
	u, err := url.Parse(arg)
	if err != nil || !strings.EqualFold(u.Scheme, Scheme) || u.User != nil || u.Opaque != "" {
		return false
	}
	switch {
	case u.Host == "" && u.Path == "/callback":
		return !strings.HasPrefix(arg[len(Scheme)+1:], "//")
	case u.Host == "callback" && (u.Path == "" || u.Path == "/"):
		return true
	}
	return false
}

// Listener receives the addresses handed over while a sign-in waits.
type Listener struct {
	ln   net.Listener
	ch   chan string
	once sync.Once
}

// Listen starts listening for the records folder dir; ErrInUse when another
// instance already does.
func Listen(dir string) (*Listener, error) {
	ln, err := listen(dir)
	if err != nil {
		return nil, err
	}
	l := &Listener{ln: ln, ch: make(chan string, 1)}
	go l.serve()
	return l, nil
}

// Addresses delivers each address handed over.
func (l *Listener) Addresses() <-chan string { return l.ch }

// Close stops listening.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() { err = l.ln.Close() })
	return err
}

func (l *Listener) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(&limited{c, maxLine}).ReadString('\n')
			if err != nil || !IsAppLink(strings.TrimSpace(line)) {
				return
			}
			select {
			case l.ch <- strings.TrimSpace(line):
				fmt.Fprintln(c, "ok")
			default:
			}
		}()
	}
}

// Send hands address to the instance waiting for the records folder dir;
// ErrNobodyWaiting when there is none.
func Send(ctx context.Context, dir, address string) error {
	c, err := dial(ctx, dir)
	if err != nil {
		return err
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	if _, err := fmt.Fprintln(c, address); err != nil {
		return fmt.Errorf("hand the answer over: %w", err)
	}
	reply, err := bufio.NewReader(&limited{c, 64}).ReadString('\n')
	if err != nil || strings.TrimSpace(reply) != "ok" {
		return ErrNobodyWaiting
	}
	return nil
}

// limited reads at most n bytes.
type limited struct {
	c net.Conn
	n int
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("line too long")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.c.Read(p)
	l.n -= n
	return n, err
}
