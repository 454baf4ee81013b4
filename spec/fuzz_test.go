package spec_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/spec"
)

// FuzzParse checks that Parse and Validate never panic and that every spec
// Parse accepts survives a JSON round trip. The committed run covers the seed
// corpus (the fixtures); run it longer with
//
//	go test ./spec -run '^$' -fuzz FuzzParse -fuzztime 30s
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/bad/*.json", "testdata/good/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if len(b) <= 4096 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"name": "x", "data": {"train": "a/../b.csv", "test": "builtin:wine"}, "model": {"class": "FakeClassifier", "params": {"k": 2}}, "preprocess": [{"type": "FakeScaler", "strategy": "median"}]}`))
	f.Add([]byte(`{"model": {"class": "FakeRegressor", "params": {"alpha": -1}}, "metrics": ["fake_log_loss"]}`))
	// Once accepted while its marshalled form ({"criterion": {"type": ""}})
	// was refused: an empty class name is now refused in both forms.
	f.Add([]byte(`{"model":{"layers":[{"type":"","":"","0":""}]},"criterion":""}`))
	root := f.TempDir()
	if err := os.WriteFile(filepath.Join(root, "train.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := spec.Parse(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		s2, err := spec.Parse(out)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", out, err)
		}
		out2, _ := json.Marshal(s2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed\n%s\nto\n%s", out, out2)
		}
		_ = s.Validate(spec.Env{Root: root, Restrict: true})
		_ = s2.Validate(spec.Env{Root: root})
	})
}
