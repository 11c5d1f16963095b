// Package handover passes the address of the app's own link
// (oauth.AppLinkRedirectURI) from the instance the operating system starts
// with it to the instance whose sign-in waits for it: over a channel only the
// same user can open, one per records folder (a Unix socket in that folder;
// a named pipe on Windows).
//
// The address holds the authorization code: it is never logged, and no
// error here quotes it.
package handover

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// Scheme and RedirectURI are the app's own link's (package oauth holds the fact).
const (
	Scheme      = oauth.AppLinkScheme
	RedirectURI = oauth.AppLinkRedirectURI
)

// IsAppLink reports whether arg is an address of the app's own link, in
// the form Kantata sends or the normalized one some handlers pass on
// (oauth.IsAppLink); the scheme's case does not matter.
func IsAppLink(arg string) bool { return oauth.IsAppLink(arg) }

var (
	// ErrInUse: another instance already listens on this records folder
	// (another sign-in waits for the app's own link).
	ErrInUse = errors.New("handover: another sign-in already waits for the app's own link")
	// ErrNobodyWaiting: no instance listens, or the one that listens has no
	// sign-in waiting any more.
	ErrNobodyWaiting = errors.New("handover: no sign-in is waiting for this answer")
	// ErrRefused: the waiting sign-in did not take the address (not an
	// address of the app's own link, too long, or for another sign-in).
	ErrRefused = errors.New("handover: the waiting sign-in refused the address")
)

// MaxAddress bounds an address, and so a message on the channel.
const MaxAddress = 8 << 10

// ioTimeout bounds each side's reading and writing on a connection.
const ioTimeout = 10 * time.Second

// The answers on the wire, one line each.
const (
	answerOK         = "ok"
	answerNotWaiting = "not waiting"
	answerRefused    = "refused"
)

// Listener is the waiting instance's end of the channel.
type Listener struct {
	ln      net.Listener
	take    func(address string) error
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// Listen opens the channel of records folder dir; at most one listens per
// folder (a second gets ErrInUse). take decides each address's fate: nil
// (taken), an error matching ErrNobodyWaiting (no sign-in waits any more)
// or any other error (refused). The sender hears which.
func Listen(dir string, take func(address string) error) (*Listener, error) {
	ln, err := listen(dir)
	if err != nil {
		return nil, err
	}
	l := &Listener{ln: ln, take: take, closing: make(chan struct{})}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// Close stops listening and removes the channel; a sender then hears that
// nobody waits. It waits for the connections in hand.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.closing)
		err = l.ln.Close()
		l.wg.Wait()
	})
	return err
}

func (l *Listener) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.closing:
				return
			default:
			}
			if isTemporary(err) {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.handle(c)
		}()
	}
}

func isTemporary(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// handle reads one address from c and answers it.
func (l *Listener) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	address, ok := readLine(c, MaxAddress)
	answer := answerRefused
	if ok && IsAppLink(address) {
		answer = answerFor(l.take(address))
	}
	c.SetDeadline(time.Now().Add(ioTimeout))
	io.WriteString(c, answer+"\n")
}

func answerFor(err error) string {
	switch {
	case err == nil:
		return answerOK
	case errors.Is(err, ErrNobodyWaiting):
		return answerNotWaiting
	}
	return answerRefused
}

// readLine reads one line of at most max bytes (without its newline).
func readLine(r io.Reader, max int) (string, bool) {
	line, err := bufio.NewReader(io.LimitReader(r, int64(max)+1)).ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimSuffix(line, "\n"), true
}

// Send hands address to the instance listening on records folder dir and
// waits for its answer: nil once the waiting sign-in took it,
// ErrNobodyWaiting when none listens or its sign-in has ended, ErrRefused
// when it did not take the address.
func Send(ctx context.Context, dir, address string) error {
	if len(address) > MaxAddress || strings.ContainsAny(address, "\r\n") {
		return ErrRefused
	}
	c, err := dial(ctx, dir)
	if err != nil {
		if nobodyListens(err) {
			return ErrNobodyWaiting
		}
		return err
	}
	defer c.Close()
	deadline := time.Now().Add(ioTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := io.WriteString(c, address+"\n"); err != nil {
		return errors.Join(errors.New("handover: send the address"), scrubbed(err))
	}
	answer, ok := readLine(c, 64)
	return answerError(answer, ok)
}

func answerError(answer string, ok bool) error {
	switch {
	case !ok:
		return errors.New("handover: the waiting instance gave no answer")
	case answer == answerOK:
		return nil
	case answer == answerNotWaiting:
		return ErrNobodyWaiting
	}
	return ErrRefused
}

// nobodyListens recognises a channel nobody listens on: no socket (or pipe)
// there, or a socket left behind.
func nobodyListens(err error) bool {
	return errors.Is(err, ErrNobodyWaiting) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED)
}

// scrubbed keeps an I/O error's kind but none of its text that could carry
// the address (none does today; the guard is cheap).
func scrubbed(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}
