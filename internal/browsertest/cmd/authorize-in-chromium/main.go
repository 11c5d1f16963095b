// Command authorize-in-chromium stands in for a person at a browser: it opens
// a sign-in URL in headless Chromium (package browsertest), clicks Authorize
// and waits for the page the browser ends on, usually the app's callback
// page. Scripts set it as $BROWSER for the real app binary
// (scripts/screenshots.sh).
//
//	authorize-in-chromium [-blocked | -app-link] [-log FILE] [-proxy-file FILE] [-insecure] URL
//
// It exits 0 once the page after Authorize has loaded, 1 when anything fails.
// With -blocked the browser can't reach the app's callback, as when it runs
// on another computer, and the outcome is the address it ended on, for a
// person (or a script) to paste into the app.
// With -app-link the sign-in's redirect URI is the app's own link: the
// browser, having clicked Authorize, hands the address Kantata redirects to
// to the operating system as a browser does once the user allows it, by
// running xdg-open with it (and $BROWSER=false, so that xdg-open tries no
// browser when the handler fails). It exits with xdg-open's status. The
// address holds the code: it is never written out.
// An app starts it with its output discarded, so -log appends the outcome
// (the final page's text, or the error) to FILE for the script to read.
// -proxy-file names a file whose first line is the proxy for the browser to
// use (a file, since $BROWSER's entries are separated by ':'), and
// -insecure makes it accept any certificate: for a stand-in Kantata that only
// a test proxy leads to.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
)

func main() {
	logPath := flag.String("log", "", "append the outcome to this file")
	blocked := flag.Bool("blocked", false, "the browser can't reach the callback: report the address it ended on")
	proxyFile := flag.String("proxy-file", "", "a file whose first line is the proxy to use, e.g. http://127.0.0.1:3128")
	insecure := flag.Bool("insecure", false, "accept any certificate")
	appLink := flag.Bool("app-link", false, "the redirect goes to the app's own link: hand it to xdg-open")
	flag.Parse()
	out := io.Writer(os.Stderr)
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, "authorize-in-chromium:", err)
			os.Exit(1)
		}
		defer f.Close()
		out = io.MultiWriter(os.Stderr, f)
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(out, "authorize-in-chromium: usage: authorize-in-chromium [-blocked] [-log FILE] URL")
		os.Exit(2)
	}
	opts := browsertest.Options{IgnoreCertificateErrors: *insecure}
	if *proxyFile != "" {
		data, err := os.ReadFile(*proxyFile)
		if err != nil {
			fmt.Fprintln(out, "authorize-in-chromium:", err)
			os.Exit(2)
		}
		opts.ProxyServer, _, _ = strings.Cut(strings.TrimSpace(string(data)), "\n")
	}
	if *appLink {
		os.Exit(handToSystem(flag.Arg(0), opts, out))
	}
	text, err := authorize(flag.Arg(0), *blocked, opts)
	if err != nil {
		fmt.Fprintf(out, "authorize-in-chromium: %v\npage: %s\n", err, text)
		os.Exit(1)
	}
	if *blocked {
		fmt.Fprintf(out, "authorize-in-chromium: authorized; ended on: %s\n", text)
		return
	}
	fmt.Fprintf(out, "authorize-in-chromium: authorized; page: %s\n", text)
}

// authorize runs one browser with a throw-away profile and clicks through
// url; blocked, the browser can't reach the callback.
func authorize(url string, blocked bool, opts browsertest.Options) (string, error) {
	profile, err := os.MkdirTemp("", "authorize-in-chromium-")
	if err != nil {
		return "", fmt.Errorf("profile folder: %w", err)
	}
	defer os.RemoveAll(profile)
	b, err := browsertest.StartWith(profile, opts)
	if err != nil {
		return "", err
	}
	defer b.Close()
	if blocked {
		return b.AuthorizeBlocked(url)
	}
	return b.Authorize(url)
}

// handToSystem clicks Authorize and runs xdg-open with the address Kantata
// redirects to; it returns the exit code.
func handToSystem(url string, opts browsertest.Options, out io.Writer) int {
	profile, err := os.MkdirTemp("", "authorize-in-chromium-")
	if err != nil {
		fmt.Fprintln(out, "authorize-in-chromium: profile folder:", err)
		return 1
	}
	defer os.RemoveAll(profile)
	b, err := browsertest.StartWith(profile, opts)
	if err != nil {
		fmt.Fprintln(out, "authorize-in-chromium:", err)
		return 1
	}
	address, err := b.AuthorizeAppLink(url)
	b.Close()
	if err != nil {
		fmt.Fprintf(out, "authorize-in-chromium: %v\n", err)
		return 1
	}
	cmd := exec.Command("xdg-open", address)
	cmd.Env = append(os.Environ(), "BROWSER=false")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard // the started program may repeat nothing secret, but xdg-open might
	err = cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && cmd.ProcessState == nil {
		fmt.Fprintf(out, "authorize-in-chromium: authorized; xdg-open: %v\n", err)
		return 1
	}
	fmt.Fprintf(out, "authorize-in-chromium: authorized; handed the app's own link to xdg-open, which exited %d\n", code)
	return code
}
