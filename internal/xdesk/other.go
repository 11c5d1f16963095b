//go:build !(linux && cgo)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "xdesk: needs Linux, X11 and cgo")
	os.Exit(2)
}
