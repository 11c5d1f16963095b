// Command fakekantata-server runs the stand-in Kantata OX (package
// fakekantata) as a process, for scripts that drive the real app binary, such
// as scripts/screenshots.sh. It prints its base URL as the first line of
// standard output and serves on 127.0.0.1 until it is interrupted or killed.
//
//	fakekantata-server -client-id ID -client-secret SECRET -redirect-uri http://127.0.0.1:38917/callback
//
// -projects N sets how many projects (workspaces) every user sees, and
// -workspaces MODE makes the workspaces list fail: unauthorized,
// rate_limited, server_error or garbage. -me slow makes users/me (each sign-in's
// and test's identity check) answer only after -slow (default 5s), for
// looking at a window while a test waits.
//
// -tls-cert FILE -tls-key FILE make it serve https with that certificate
// (PEM files; the chain first), such as one a test's own authority issued.
//
// It is a test tool: the client secret is a throw-away value the script
// makes up, so taking it as an argument is fine here.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func main() {
	clientID := flag.String("client-id", "", "register a client with this ID")
	secret := flag.String("client-secret", "", "the registered client's secret")
	var redirects listFlag
	flag.Var(&redirects, "redirect-uri", "a callback URL registered for the client (repeatable)")
	projects := flag.Int("projects", fakekantata.DefaultProjectCount, "how many projects (workspaces) every user sees")
	wsMode := flag.String("workspaces", "ok", "how the workspaces list answers: ok, unauthorized, rate_limited, server_error, garbage")
	meMode := flag.String("me", "ok", "how users/me answers: ok, or slow (after -slow)")
	slow := flag.Duration("slow", 5*time.Second, "how long -me slow waits before answering")
	certFile := flag.String("tls-cert", "", "serve https with the certificate (chain) in this PEM file")
	keyFile := flag.String("tls-key", "", "the key of -tls-cert, a PEM file")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}
	if *clientID == "" && (*secret != "" || len(redirects) > 0) {
		fail(fmt.Errorf("-client-secret and -redirect-uri need -client-id"))
	}
	if *clientID != "" && (*secret == "" || len(redirects) == 0) {
		fail(fmt.Errorf("-client-id needs -client-secret and at least one -redirect-uri"))
	}

	modes := map[string]fakekantata.WorkspacesMode{
		"ok": fakekantata.WorkspacesOK, "unauthorized": fakekantata.WorkspacesUnauthorized,
		"rate_limited": fakekantata.WorkspacesRateLimited, "server_error": fakekantata.WorkspacesServerError,
		"garbage": fakekantata.WorkspacesGarbage,
	}
	mode, ok := modes[*wsMode]
	if !ok {
		fail(fmt.Errorf("-workspaces %q is none of ok, unauthorized, rate_limited, server_error, garbage", *wsMode))
	}
	meModes := map[string]fakekantata.MeMode{"ok": fakekantata.MeOK, "slow": fakekantata.MeSlow}
	me, ok := meModes[*meMode]
	if !ok {
		fail(fmt.Errorf("-me %q is neither ok nor slow", *meMode))
	}
	if *projects < 0 {
		fail(fmt.Errorf("-projects %d is negative", *projects))
	}

	var cert *tls.Certificate
	if *certFile != "" || *keyFile != "" {
		c, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail(fmt.Errorf("-tls-cert and -tls-key: %w", err))
		}
		cert = &c
	}
	srv, err := fakekantata.Start(cert)
	if err != nil {
		fail(err)
	}
	defer srv.Close()
	srv.SetProjectCount(*projects)
	srv.SetWorkspacesMode(mode)
	srv.SetWorkspacesRateLimitCount(1 << 30) // rate_limited: always
	srv.SetMeMode(me)
	srv.SetSlowDelay(*slow)
	if *clientID != "" {
		srv.AddClient(*clientID, *secret, redirects...)
	}
	// Scripts read this line to find the server.
	fmt.Println(srv.URL)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fakekantata-server:", err)
	os.Exit(2)
}
