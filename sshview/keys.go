package sshview

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	gossh "golang.org/x/crypto/ssh"
)

// LoadKeys reads an authorized_keys file: one public key a line, blank lines and # comments
// skipped. A file that cannot be read, a line that is not a key, a line with options (from=,
// command=…: not honoured here, so refused rather than ignored) and a file with no key at all
// are errors.
func LoadKeys(path string) ([]gossh.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []gossh.PublicKey
	for n, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: not a public key: %w", path, n+1, err)
		}
		if len(options) > 0 {
			return nil, fmt.Errorf("%s:%d: key options (%s) are not supported: list the bare key", path, n+1, options[0])
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no public key in it", path)
	}
	return keys, nil
}

// HostKey reads the server's private host key from path, creating it (ed25519, mode 0600, its
// directory 0700) when there is none yet, so that viewers see the same host key after every
// restart. Like sshd, it refuses a key file others may read.
func HostKey(path string) (gossh.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = createHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("ssh host key %s: others may read it (mode %04o): chmod 600 it", path, fi.Mode().Perm())
		}
	}
	signer, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return signer, nil
}

// createHostKey writes a new ed25519 key to path, never over an existing file.
func createHostKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "uptty ssh host key")
	if err != nil {
		return nil, err
	}
	b := pem.EncodeToMemory(block)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, err
	}
	return b, nil
}

// listed reports whether key is one of keys.
func listed(keys []gossh.PublicKey, key gossh.PublicKey) bool {
	if key == nil {
		return false
	}
	m := key.Marshal()
	for _, k := range keys {
		if bytes.Equal(k.Marshal(), m) {
			return true
		}
	}
	return false
}

// PublicKey is a key read by LoadKeys.
type PublicKey = gossh.PublicKey
