//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// isTerminalFile guesses whether f is a terminal where there is no termios
// to ask: a character device is taken for one (so is a null device, which
// then only gets a needless prompt).
func isTerminalFile(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
