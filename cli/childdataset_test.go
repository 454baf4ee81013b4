package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/store"
)

// TestServeChildDatasetStore runs the child process's command (what
// serve --isolate starts for each run) in this process with --artifacts:
// it reads dataset:NAME from the dataset blobs of that object store (under
// datasets/), which the server stored there, not from the data folder.
func TestServeChildDatasetStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "files"), 0o700)
	bucket := "file://" + filepath.ToSlash(t.TempDir())
	t.Setenv("MLFORGE_DB", "")

	// What the server does: its dataset service over the store's datasets/.
	burl, err := datasets.StoreURL(dir, bucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := datasets.OpenBucket(ctx, burl)
	if err != nil {
		t.Fatal(err)
	}
	svc := datasets.New(st, b)
	if _, err := svc.Create(ctx, "corners", "", ""); err != nil {
		t.Fatal(err)
	}
	imgs := t.TempDir()
	writeImages(t, imgs, 8)
	for _, class := range []string{"br", "tl"} {
		ents, _ := os.ReadDir(filepath.Join(imgs, class))
		for _, e := range ents {
			data, _ := os.ReadFile(filepath.Join(imgs, class, e.Name()))
			if _, _, err := svc.Add(ctx, "corners", class, data, datasets.Provenance{Source: "upload"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.Close()
	st.Close()

	r := &store.Run{ID: store.NewID(), Name: "corners", Spec: json.RawMessage(`{"name": "corners", "seed": 1, "data": {"train": "dataset:corners"},
		"transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 4, "epochs": 2}`)}
	task, _ := json.Marshal(jobs.Task{Run: r})
	pr, pw := io.Pipe()
	go pw.Write(append(task, '\n')) // the pipe stays open: its end would cancel the run
	var out, errb bytes.Buffer
	code := run(ctx, []string{runChildCommand, "--data", dir, "--artifacts", bucket}, pr, &out, &errb)
	pw.Close()
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, `"result"`) || !strings.Contains(last, `"data_manifest"`) {
		t.Fatalf("the child's result line %q (stderr %s)", last, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs")); err == nil {
		t.Fatal("the data folder has a blobs folder: the dataset was not read from the object store")
	}
}
