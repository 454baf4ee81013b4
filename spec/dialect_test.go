package spec_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/dialect")

// TestDialect converts the service dictionaries of testdata/dialect: each
// NAME.json has either NAME.native.json, the native spec Convert prints
// (and Parse of the dictionary equals Parse of that spec), or NAME.err, the
// errors Parse and Convert return. Rewrite them with -update.
func TestDialect(t *testing.T) {
	files, err := filepath.Glob("testdata/dialect/*.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".native.json") {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(f, ".json")
			native, dialect, cerr := spec.Convert(b)
			if dialect != spec.IsDialect(b) || dialect == (name == "04-native") {
				t.Errorf("dialect %v, IsDialect %v", dialect, spec.IsDialect(b))
			}
			s, perr := spec.Parse(b)
			if (cerr == nil) != (perr == nil) || (cerr != nil && cerr.Error() != perr.Error()) {
				t.Errorf("Convert error %v, Parse error %v: want the same", cerr, perr)
			}
			golden, got := base+".native.json", native
			if cerr != nil {
				golden, got = base+".err", []byte(cerr.Error()+"\n")
			}
			if *update {
				os.Remove(base + ".native.json")
				os.Remove(base + ".err")
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (the result was:\n%s)", err, got)
			}
			if string(got) != string(want) {
				t.Errorf("got:\n%s\nwant (%s):\n%s", got, golden, want)
			}
			if cerr != nil {
				return
			}
			if spec.IsDialect(native) {
				t.Errorf("the converted spec is read as the dialect again")
			}
			s2, err := spec.Parse(native)
			if err != nil {
				t.Fatalf("the converted spec does not parse: %v", err)
			}
			j1, _ := json.Marshal(s)
			j2, _ := json.Marshal(s2)
			if string(j1) != string(j2) {
				t.Errorf("Parse(dictionary) = %s\nParse(converted) = %s", j1, j2)
			}
		})
	}
	if n < 8 {
		t.Errorf("%d dictionaries, want at least 8", n)
	}
}

// FuzzDialect checks that Parse and Convert never panic on dictionaries,
// agree with each other, and that a converted spec parses to the same Spec.
//
//	go test ./spec -run '^$' -fuzz FuzzDialect -fuzztime 30s
func FuzzDialect(f *testing.F) {
	files, _ := filepath.Glob("testdata/dialect/*.json")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, perr := spec.Parse(b)
		native, dialect, cerr := spec.Convert(b)
		if (perr == nil) != (cerr == nil) {
			t.Fatalf("Parse error %v, Convert error %v", perr, cerr)
		}
		if perr != nil {
			if perr.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if dialect && spec.IsDialect(native) {
			t.Fatalf("converted spec %s is read as a dictionary", native)
		}
		s2, err := spec.Parse(native)
		if err != nil {
			t.Fatalf("converted spec %s: %v", native, err)
		}
		j1, _ := json.Marshal(s)
		j2, _ := json.Marshal(s2)
		if string(j1) != string(j2) {
			t.Fatalf("Parse(dictionary) = %s\nParse(converted) = %s", j1, j2)
		}
	})
}
