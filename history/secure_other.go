//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package history

import "io/fs"

// noFollow is 0 where open has no O_NOFOLLOW: there the Lstat before each open is the guard.
const noFollow = 0

// isLinkErr reports whether err is what open returns on a symbolic link it refused to follow.
func isLinkErr(error) bool { return false }

// checkOwner does nothing where files have no owner uid.
func checkOwner(string, fs.FileInfo) error { return nil }

// checkDir does nothing where directories have no unix permission bits.
func checkDir(string, string) error { return nil }
