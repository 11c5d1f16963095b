package oauth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Opener shows url to the user, normally in the system browser.
type Opener func(url string) error

// openerGrace is how long SystemOpener waits for the opener command to exit
// so it can report a failure (xdg-open exits non-zero when it finds no
// browser). A command still running then is a browser: it counts as opened.
const openerGrace = 3 * time.Second

// SystemOpener opens url in the user's browser: each entry of $BROWSER in
// turn when it is set (entries separated by the OS list separator, ':' on
// Unix; "%s" in an entry is replaced by the URL, else the URL is appended),
// otherwise the platform's opener. Commands run directly, never through a
// shell, so the URL's '&' stays a character.
func SystemOpener(url string) error {
	if env := os.Getenv("BROWSER"); strings.TrimSpace(env) != "" {
		var errs []error
		for _, entry := range strings.Split(env, string(os.PathListSeparator)) {
			args := splitArgs(entry)
			if len(args) == 0 {
				continue
			}
			args = withURL(args, url)
			err := runOpener(args[0], args[1:]...)
			if err == nil {
				return nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return errors.New("open browser: $BROWSER names no command")
		}
		return fmt.Errorf("open browser with $BROWSER: %w", errors.Join(errs...))
	}
	name, args := platformOpener(url)
	return runOpener(name, args...)
}

// withURL puts url where the command has %s, or after the last argument.
func withURL(args []string, url string) []string {
	out := make([]string, 0, len(args)+1)
	replaced := false
	for _, a := range args {
		if strings.Contains(a, "%s") {
			a = strings.ReplaceAll(a, "%s", url)
			replaced = true
		}
		out = append(out, a)
	}
	if !replaced {
		out = append(out, url)
	}
	return out
}

// splitArgs splits a $BROWSER entry into words. Single and double quotes
// group words (for paths with spaces); there is no other shell syntax.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// runOpener starts the command and reports a failure to start or a non-zero
// exit within openerGrace. Errors name the command, never the URL.
func runOpener(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }() // also reaps a long-running browser
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	case <-time.After(openerGrace):
		return nil
	}
}
