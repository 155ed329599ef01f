package config

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Limits on what a config may ask for. They keep a mistyped or hostile file from costing the
// machine more than a real config ever would.
const (
	// MaxFileSize is the largest config file read, in bytes: far more than 100,000 services
	// need, and reading stops there (a config pointed at /dev/zero fails at once).
	MaxFileSize = 4 << 20
	// MaxServices is the most services one config may list.
	MaxServices = 100000
	// MaxLabelCells is the widest name or group, in terminal cells.
	MaxLabelCells = 200
	// MinInterval is the shortest check interval.
	MinInterval = 100 * time.Millisecond
	// MinTimeout is the shortest check timeout, and the shortest alert delivery timeout.
	MinTimeout = 10 * time.Millisecond
	// MinRepeat is the shortest re-notification interval of an alert: anything shorter is a
	// storm, not a reminder.
	MinRepeat = time.Second
)

// ReadFile reads the config file at path, at most MaxFileSize bytes of it: a larger file is an
// error, found without reading it all.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("config %s: larger than %d MiB, uptty's limit for a config file", path, MaxFileSize>>20)
	}
	return data, nil
}
