//go:build !windows

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "wininfo looks into Windows: build it for Windows")
	os.Exit(2)
}
