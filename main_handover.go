package main

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/kantata-connect/kantata-connect/cli"
)

// handOverTitle titles what handOver shows outside a terminal.
const handOverTitle = "Kantata Connect"

// handOver is the program started by the OS with the app's own link
// (com.kantataconnect.desktop:/callback?…) as its only argument, after the
// browser reached it: cli.HandOver gives the address to the sign-in waiting
// for it and says what became of it. When it failed, the words are also
// shown where a user who sees no terminal sees them (showOutsideTerminal):
// the browser's link starts the program with none in sight. It opens no
// window; the address, which holds the code, is never shown or logged. It
// ends with 0 once it has said what happened.
func handOver(address string) int {
	var words bytes.Buffer
	// The words first: a program with no console has no stderr, and
	// writing there fails (MultiWriter stops at the first failure).
	code := cli.HandOver(address, os.Stdout, io.MultiWriter(&words, os.Stderr))
	if code != cli.ExitOK {
		showOutsideTerminal(strings.TrimSpace(words.String()))
	}
	// Handled either way: what became of the answer has been said. A
	// failure would make xdg-open (outside a desktop environment) offer
	// the address, code and all, to a web browser next, which hands it
	// back here: a loop of prompts, with the code in another program.
	return cli.ExitOK
}
