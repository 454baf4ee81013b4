package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRoot: the one path confinement. Errors name the path as written,
// never the folder; Stat and Open agree ("x.csv/" of a file fails both).
func TestRoot(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a,y\n1,2\n"), 0o600)
	os.WriteFile(filepath.Join(outside, "s.csv"), []byte("a,y\n1,2\n"), 0o600)
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	r := Root{Dir: dir, Restrict: true}
	for _, tc := range []struct{ p, want string }{
		{"x.csv", ""},
		{"new/model", ""},
		{"out/s.csv", `"out/s.csv" leads outside the workspace through a symbolic link`},
		{"../x.csv", `"../x.csv" leaves the workspace; ".." is not allowed here`},
		{"/etc/passwd", `"/etc/passwd" is an absolute path; expected a path relative to the workspace`},
		{`a\b`, `"a\\b" contains a backslash; separate directories with "/"`},
		{"a\x00b", "the path contains a NUL byte"},
	} {
		_, err := r.Resolve(tc.p)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Resolve(%q): %v", tc.p, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("Resolve(%q) = %v, want %s", tc.p, err, tc.want)
		}
		if r.Contains(tc.p) != (tc.want == "") {
			t.Errorf("Contains(%q) = %v", tc.p, !(tc.want == ""))
		}
	}
	if _, err := r.Stat("x.csv/"); err == nil {
		t.Error(`Stat("x.csv/") of a file: no error`)
	}
	if _, err := r.Open("x.csv/"); err == nil {
		t.Error(`Open("x.csv/") of a file: no error`)
	}
	_, err := r.Open("missing.csv")
	if err == nil || strings.Contains(err.Error(), dir) || !strings.HasPrefix(err.Error(), "missing.csv: ") {
		t.Errorf("Open(missing) = %v; want an error naming missing.csv and not %s", err, dir)
	}
	f, err := r.ReadCSV("x.csv", CSVOptions{})
	if err != nil || f.Len() != 1 || f.Source != "x.csv" {
		t.Errorf("ReadCSV = %+v, %v", f, err)
	}
	// Without Restrict, the link is followed.
	if _, err := (Root{Dir: dir}).Open("out/s.csv"); err != nil {
		t.Errorf("unrestricted Open through a link: %v", err)
	}
	if k := r.Kind("", "x.csv", false); k != TableData {
		t.Errorf("Kind(x.csv) = %s", k)
	}
	if k := r.Kind("", "new", false); k != TableData {
		t.Errorf("Kind(missing) = %s", k)
	}
}

// TestAlign: test data lines up with the training data by name.
func TestAlign(t *testing.T) {
	tr := &Frame{Source: "train.csv", Features: []string{"a", "b"}, Classes: []string{"x", "y", "z"}, Target: "t"}
	te := &Frame{Source: "test.csv", Features: []string{"a", "c"}, Classes: []string{"y", "z"}, Y: []float64{1, 0}, Target: "t"}
	if err := te.SameFeatures(tr); err == nil || err.Error() != `test.csv: column 2 is "c", the training data has "b"` {
		t.Errorf("SameFeatures: %v", err)
	}
	if err := te.RemapClasses(tr); err != nil || te.Y[0] != 2 || te.Y[1] != 1 {
		t.Errorf("RemapClasses: %v, y %v; want [2 1]", err, te.Y)
	}
	odd := &Frame{Source: "odd.csv", Classes: []string{"w"}, Y: []float64{0}, Target: "t"}
	if err := odd.RemapClasses(tr); err == nil || !strings.Contains(err.Error(), `class "w" does not occur in the training data`) {
		t.Errorf("RemapClasses of an unknown class: %v", err)
	}
}
