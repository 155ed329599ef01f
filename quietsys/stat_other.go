//go:build !linux || !(amd64 || arm64 || riscv64)

package quietsys

import "os"

// stat is os.Stat: here the runtime's monitor thread is not kept asleep.
func stat(name string) (FileStat, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return FileStat{}, err
	}
	return FileStat{Size: fi.Size(), Mod: fi.ModTime()}, nil
}

// fileID has no numbers to give: SameFile compares with os.SameFile.
func fileID(os.FileInfo) (dev, ino uint64, ok bool) { return 0, 0, false }
