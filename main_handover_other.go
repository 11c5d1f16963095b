//go:build !windows

package main

import "github.com/kantata-connect/kantata-connect/internal/glcheck"

// showOutsideTerminal shows handOver's words as a desktop notification
// too: the program the browser's link starts may have a terminal, the
// browser's, that nobody looks at.
func showOutsideTerminal(words string) { glcheck.Show(handOverTitle, words) }
