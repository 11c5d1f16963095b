package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// pastePrompt tells someone at a terminal that the address the browser
// ended on can be pasted, for when the browser can't reach this computer.
const pastePrompt = "Browser on another computer, or it couldn't reach this one? Paste the address it ended on here and press Enter."

// codePrompt asks for the code Kantata shows, for a client whose callback
// kind is code.
const codePrompt = "Paste the code Kantata shows and press Enter: "

// maxPasteLine bounds a line read while authorize waits; an address the
// browser ended on is a few hundred bytes.
const maxPasteLine = 16 << 10

// waitOrPaste waits for the sign-in to end, through the browser's callback
// or an address pasted on standard input, whichever comes first. Each line
// of standard input is offered to the sign-in: one it takes finishes it,
// one it refuses gets the reason and the wait goes on. The end of input
// changes nothing, so scripts with nothing on standard input wait for the
// callback as before. While it still waits after --hint-after, it prints the
// callback URL hint. Everything is printed from here, one thing at a time,
// and nothing once it returns.
func (r *runner) waitOrPaste(ctx context.Context, a *connect.Authorization, terminal bool) (store.Connection, error) {
	type outcome struct {
		conn store.Connection
		err  error
	}
	ended := make(chan outcome, 1)
	go func() {
		conn, err := a.Wait(ctx)
		ended <- outcome{conn, err}
	}()
	quit := make(chan struct{})
	defer close(quit)
	lines := r.pastedLines(quit)
	hint := a.HintDue()
	reach := a.Reachability()
	for {
		select {
		case res := <-ended:
			return res.conn, res.err
		case err := <-reach:
			reach = nil
			if err != nil { // a warning: the browser may get there all the same
				msg, _ := connect.Explain(err)
				fmt.Fprintf(r.env.Stderr, "Warning: %s\n", msg)
			}
		case <-hint:
			hint = nil
			r.tellHint(a, terminal && lines != nil)
		case line, ok := <-lines:
			switch {
			case !ok && a.ShowsCode():
				// Only a pasted code finishes this sign-in: with no more
				// input, waiting would only run out the clock.
				a.Cancel()
				res := <-ended
				if res.err == nil {
					return res.conn, nil
				}
				return res.conn, errNoCode
			case !ok:
				lines = nil // end of input: wait for the callback alone
			case line == "":
			default:
				if r.offerPasted(a, line, terminal) {
					lines = nil
				}
			}
		}
	}
}

// tellHint prints the callback URL hint while the sign-in still waits;
// pasting: standard input is a terminal that may still paste.
func (r *runner) tellHint(a *connect.Authorization, pasting bool) {
	errOut := r.env.Stderr
	fmt.Fprintf(errOut, "\n%s\n", connect.CallbackHint(a.RedirectURI()))
	if a.ShowsCode() {
		if pasting {
			fmt.Fprint(errOut, codePrompt)
		}
		return
	}
	if pasting && !a.WaitsForAppLink() {
		fmt.Fprintln(errOut, "If your browser instead ended on a page saying it can't reach 127.0.0.1, paste that "+
			"page's address here and press Enter.")
	}
	fmt.Fprint(errOut, "Press Ctrl-C to stop waiting.\n\n")
}

// offerPasted gives a pasted line to the sign-in and reports whether it took
// it; one it refuses gets the reason, and what the wait goes on for.
func (r *runner) offerPasted(a *connect.Authorization, line string, terminal bool) bool {
	out, errOut := r.env.Stdout, r.env.Stderr
	if a.ShowsCode() {
		fmt.Fprintln(out, "Checking the code with Kantata...")
	}
	err := a.Complete(line)
	if err == nil {
		if !a.ShowsCode() {
			fmt.Fprintln(out, "Finishing the sign-in with the address you pasted...")
		}
		return true
	}
	msg, _ := connect.Explain(err)
	fmt.Fprintln(errOut, msg)
	switch {
	case connect.NotWaiting(err):
	case a.ShowsCode() && terminal:
		fmt.Fprint(errOut, codePrompt)
	case a.ShowsCode():
		fmt.Fprintln(errOut, "Still waiting for the code on standard input.")
	case terminal:
		fmt.Fprintln(errOut, "Still waiting: paste the address the browser ended on, or press Ctrl-C to cancel.")
	default:
		fmt.Fprintln(errOut, "Still waiting for the browser.")
	}
	return false
}

// errNoCode: standard input ended before a code Kantata took. It is a
// usage problem (exit 2): the command needs the code on its input.
var errNoCode error = noCodeError{}

type noCodeError struct{}

func (noCodeError) Error() string { return "standard input ended before a code Kantata accepted" }
func (noCodeError) UserMessage() string {
	return "No code that Kantata accepted came on standard input, so the sign-in was canceled and the connection " +
		"was not changed. Run the command in a terminal to paste the code Kantata shows, or pipe the code in."
}
func (e noCodeError) TechnicalDetail() string { return e.Error() }

// pastedLines reads standard input a line at a time, spaces trimmed, until
// its end, a read error or quit. A read of a terminal can't be interrupted
// portably: it stays blocked until the program exits, and then nothing
// reads what it returns.
func (r *runner) pastedLines(quit <-chan struct{}) <-chan string {
	if f, ok := r.env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ignoreBackgroundRead()
	}
	lines := make(chan string)
	br := bufio.NewReader(r.env.Stdin)
	go func() {
		defer close(lines)
		for {
			line, err := readLimitedLine(br, maxPasteLine)
			if line != "" || err == nil {
				select {
				case lines <- strings.TrimSpace(line):
				case <-quit:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return lines
}

// readLimitedLine reads one line without its end; what goes beyond max
// bytes is dropped. The error is io.EOF only when no line was left.
func readLimitedLine(br *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		chunk, more, err := br.ReadLine()
		if room := max - len(b); room > 0 {
			b = append(b, chunk[:min(len(chunk), room)]...)
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(b) > 0 {
				err = nil
			}
			return string(b), err
		}
		if !more {
			return string(b), nil
		}
	}
}
