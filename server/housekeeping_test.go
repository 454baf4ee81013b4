package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/datasets"
)

// TestHousekeeping: what a crash leaves in a data folder (a model write's
// temporary file, a dataset blob without its row) goes at the next start
// once older than the grace period; young ones (a writer may be at work)
// stay.
func TestHousekeeping(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * datasets.OrphanGrace)
	touch := func(p string, b []byte, mtime time.Time) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	run := filepath.Join(dir, "runs", "01J0000000000000000000000A")
	staleTmp, freshTmp := filepath.Join(run, ".model-123.tmp"), filepath.Join(run, ".model-456.tmp")
	touch(staleTmp, []byte("half a model"), old)
	touch(freshTmp, []byte("a model being written"), time.Now())
	touch(filepath.Join(run, "model.safetensors"), []byte("a model"), old)
	blob := func(seed byte) (string, []byte) {
		m := image.NewGray(image.Rect(0, 0, 3, 3))
		m.Pix[0] = seed
		var buf bytes.Buffer
		png.Encode(&buf, m)
		sha := fmt.Sprintf("%x", sha256.Sum256(buf.Bytes()))
		return filepath.Join(dir, "blobs", "sha256", sha[:2], sha), buf.Bytes()
	}
	orphan, ob := blob(1)
	young, yb := blob(2)
	touch(orphan, ob, old)
	touch(young, yb, time.Now())

	var logs bytes.Buffer
	s, _ := startTestServer(t, Config{DataDir: dir, Workers: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	<-s.hk.first
	for p, want := range map[string]bool{staleTmp: false, freshTmp: true, filepath.Join(run, "model.safetensors"): true, orphan: false, young: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", p, err == nil, want)
		}
	}
	for _, want := range []string{"removed a temporary file that a crash left", ".model-123.tmp", "removed a dataset blob that no item references", filepath.Base(orphan)} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}
