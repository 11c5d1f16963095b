//go:build !windows

package main

// openWindowElsewhere is for Windows, where the command line hands the
// window to a program of its own (main_windows.go). Elsewhere the window
// opens in this process.
func openWindowElsewhere([]string) bool { return false }
