package main

import "os"

// isTerminal reports whether v, a command's stdin, stdout or stderr, is a
// terminal: prompts and progress lines are for a person at one, never for a
// file, a pipe or /dev/null (a character device, but not a terminal).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && isTerminalFile(f)
}
