package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kantata-connect/kantata-connect/store"
)

// newFlags is a flag set for one command. Every command also takes the
// global --config-dir, so it may follow the command too.
func (r *runner) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by usage, help by help
	fs.StringVar(&r.configDir, "config-dir", "", "the folder of the saved records")
	if flagSetMade != nil {
		flagSetMade(fs)
	}
	return fs
}

// flagSetMade, when set, sees every flag set a command makes: the help test
// uses it to check that each command's help names all of its flags.
var flagSetMade func(*flag.FlagSet)

// parseArgs parses flags wherever they are among the arguments: Go's flag
// package stops at the first non-flag, and people write "test NAME --json".
// Everything after "--" is an argument. It returns the arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := refuseSecretFlag(args); err != nil {
		return nil, err
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// errSecretFlag: a client secret on the command line would be kept in shell
// history and shown to every user of the machine in the process list.
var errSecretFlag = errors.New("the client secret is never taken from the command line, where shell history and " +
	"the process list would keep it. Pipe it on standard input (the first line is used) or run the command in a " +
	"terminal and type it at the prompt")

// refuseSecretFlag turns any --...secret... flag into errSecretFlag, without
// ever repeating what was given.
func refuseSecretFlag(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.Contains(strings.ToLower(name), "secret") {
			return errSecretFlag
		}
	}
	return nil
}

// oneName checks that exactly one NAME was given.
func oneName(pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", errors.New("missing NAME")
	case 1:
		if strings.TrimSpace(pos[0]) == "" {
			return "", errors.New("NAME is empty")
		}
		return pos[0], nil
	}
	// Not repeated: a stray argument could be a pasted secret.
	return "", fmt.Errorf("expected one NAME, got %d arguments (put a name with spaces in quotes)", len(pos))
}

// maxSecretInput bounds what is read from standard input for a secret; the
// keychain takes far less (store.MaxSecretBytes) and says so.
const maxSecretInput = 64 << 10

var errNoSecret = errors.New("no client secret was given. Pipe it on standard input, for example " +
	"printf '%s\\n' \"$SECRET\" | " + Prog + " client add ..., or run the command in a terminal to type it at the prompt")

var errNoToken = errors.New("no token was given. Pipe it on standard input, for example " +
	"printf '%s\\n' \"$TOKEN\" | " + Prog + " authorize NAME --with-token, or run the command in a terminal to paste it at the prompt")

// A hidden input: what it is (for the prompt and a read error) and the
// error when nothing was given.
type hiddenInput struct {
	prompt, what string
	none         error
}

var (
	clientSecretInput = hiddenInput{"Client secret (input hidden): ", "the client secret", errNoSecret}
	tokenInput        = hiddenInput{"Token from Kantata's application page (input hidden): ", "the token", errNoToken}
)

// readSecret reads the client secret (readHiddenLine).
func (r *runner) readSecret(ctx context.Context) (string, error) {
	return r.readHiddenLine(ctx, clientSecretInput)
}

// readHiddenLine reads a secret: typed at a hidden prompt when standard
// input is a terminal, else the first line of standard input. Surrounding
// spaces and the line end are dropped: no real secret has them, pastes do.
func (r *runner) readHiddenLine(ctx context.Context, in hiddenInput) (string, error) {
	var s string
	var err error
	if r.stdinIsTerminal() {
		fmt.Fprint(r.env.Stderr, in.prompt)
		s, err = r.readHidden(ctx)
		fmt.Fprintln(r.env.Stderr) // the hidden input's Enter is not echoed
	} else {
		s, err = readCtx(ctx, func() (string, error) {
			line, err := bufio.NewReader(io.LimitReader(r.env.Stdin, maxSecretInput)).ReadString('\n')
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return line, err
		})
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("read %s: %w", in.what, err)
	}
	if s = store.NormalizeSecret(s); s == "" {
		return "", in.none
	}
	return s, nil
}
