package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// fuzzConvert checks the converters' promise on any input: no panic, and when the input is
// accepted, an output that uptty loads.
func fuzzConvert(f *testing.F, pattern string, convert func([]byte, string) (Result, error)) {
	files, _ := filepath.Glob(pattern)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := convert(data, "in")
		if err != nil || res.Services == 0 {
			return // no service: uptty cannot load it, and a note says so
		}
		if _, err := config.Parse(res.YAML, "out.yaml", anyEnv, probe.Kinds()); err != nil {
			t.Fatalf("config.Parse(import) = %v; the config:\n%s", err, res.YAML)
		}
	})
}

func FuzzGatus(f *testing.F) { fuzzConvert(f, "testdata/gatus*.yaml", Gatus) }

func FuzzKuma(f *testing.F) { fuzzConvert(f, "testdata/kuma*.json", Kuma) }
