package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadCSV checks that no input makes ReadCSV panic, that every error
// is a *Error naming the file, and that a frame it returns is well formed.
func FuzzReadCSV(f *testing.F) {
	paths, _ := filepath.Glob("testdata/bad/*.csv*")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".err" {
			f.Add(b)
		}
	}
	f.Add([]byte("a,b,y\n1,2,x\n3,NA,y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ReadCSV(bytes.NewReader(b), CSVOptions{Name: "fuzz.csv", MaxCells: 1 << 16, MaxBytes: 1 << 20})
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.File != "fuzz.csv" {
				t.Fatalf("error %v is not a *Error naming the file", err)
			}
			return
		}
		r, c := fr.X.Dims()
		if r != fr.Len() || c != len(fr.Features) || len(fr.Y) != r {
			t.Fatalf("frame %dx%d with %d features and %d targets", r, c, len(fr.Features), len(fr.Y))
		}
		_ = fr.Missing()
	})
}
