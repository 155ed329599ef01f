package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestReadFile reads configs around the size limit; an endless file stops at the limit.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat("#", n)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, wantErr string
	}{
		{"at the limit", write("max.yaml", MaxFileSize), ""},
		{"over the limit", write("big.yaml", MaxFileSize+1), "larger than 4 MiB, uptty's limit for a config file"},
		{"missing", filepath.Join(dir, "none.yaml"), "no such file or directory"},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct{ name, path, wantErr string }{"endless", "/dev/zero", "larger than 4 MiB, uptty's limit for a config file"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := ReadFile(tt.path)
			switch {
			case tt.wantErr == "" && (err != nil || len(data) != MaxFileSize):
				t.Errorf("ReadFile(%s) = %d bytes, %v; want %d bytes, nil", tt.path, len(data), err, MaxFileSize)
			case tt.wantErr != "" && (err == nil || err.Error() != "config "+tt.path+": "+tt.wantErr):
				t.Errorf("ReadFile(%s) = %d bytes, %v; want config %s: %s", tt.path, len(data), err, tt.path, tt.wantErr)
			}
		})
	}
}
