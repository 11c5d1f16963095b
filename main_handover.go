package main

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/glcheck"
)

// handOverTitle titles the message box (or notification) of handOver.
const handOverTitle = "Kantata Connect"

// handOver is the program started by the OS with the app's own link
// (com.kantataconnect.desktop:/callback?…) as its only argument, after the
// browser reached it: cli.HandOver gives the address to the sign-in waiting
// for it and says what became of it. A program with no console or terminal
// — the window's program, which the browser's link starts — also shows
// those words when it failed, in a message box on Windows (a notification
// on Linux): else the user would see nothing at all. It opens no window;
// the address, which holds the code, is never shown or logged.
func handOver(address string) int {
	var words bytes.Buffer
	// The words first: a program with no console has no stderr, and
	// writing there fails (MultiWriter stops at the first failure).
	code := cli.HandOver(address, os.Stdout, io.MultiWriter(&words, os.Stderr))
	if code != cli.ExitOK && !hasTerminal() {
		glcheck.Show(handOverTitle, strings.TrimSpace(words.String()))
	}
	return code
}
