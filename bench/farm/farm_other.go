//go:build !linux

// Command farm measures uptty against a loopback target farm; it reads /proc, so it runs on
// Linux only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "farm: Linux only (it reads /proc)")
	os.Exit(2)
}
