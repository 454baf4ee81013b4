package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	path, err := Write(dir, "f.bin", ".f-*.tmp", func(w io.Writer) error {
		_, err := w.Write([]byte("one"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("got %q, want %q", b, "one")
	}
	// A failing write leaves the old file and no temporary file.
	boom := errors.New("boom")
	if _, err := Write(dir, "f.bin", ".f-*.tmp", func(w io.Writer) error {
		w.Write([]byte("tw"))
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("after a failed write got %q, want the old %q", b, "one")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries, want only f.bin", len(ents))
	}
}
