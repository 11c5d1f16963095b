//go:build !windows

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "trustroot changes Windows' certificate store: build it for Windows")
	os.Exit(2)
}
