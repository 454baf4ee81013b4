package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/internal/pgtest"
)

// TestUploadsShared: with an object store (--artifacts), a file uploaded to
// one API server is listed by another, which validates and queues a run
// reading it; the worker, with a third data folder, trains it. A name the
// object store holds is a conflict on every server, and an overwrite on
// one is what the others read next. Without --artifacts the upload stays
// in the data folder.
func TestUploadsShared(t *testing.T) {
	for kind, artURL := range bucketURLs(t) {
		t.Run(kind, func(t *testing.T) {
			db := pgtest.URL(t)
			adir, bdir, wdir := t.TempDir(), t.TempDir(), t.TempDir()
			w, err := NewWorker(context.Background(), Config{DataDir: wdir, DB: db, Workers: 1, Artifacts: artURL})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer w.Shutdown(context.Background())
			_, tsA, _ := startServerNoCleanup(t, Config{DataDir: adir, DB: db, APIOnly: true, Artifacts: artURL})
			_, tsB, _ := startServerNoCleanup(t, Config{DataDir: bdir, DB: db, APIOnly: true, Artifacts: artURL})

			csv := filepath.Join(t.TempDir(), "train.csv")
			writeTrainingCSV(t, csv, 200, true)
			content, _ := os.ReadFile(csv)
			if st, b := upload(t, tsA.URL, "?name=shared.csv", "train.csv", string(content), nil); st != 201 && st != 200 {
				t.Fatalf("upload to A = %d %s", st, b)
			}
			if st, _, b := call(t, "GET", tsB.URL+"/api/files", "", "", nil); st != 200 || !strings.Contains(b, `"path":"uploads/shared.csv"`) {
				t.Fatalf("B's files = %d %s", st, b)
			}
			if st, b := upload(t, tsB.URL, "?name=shared.csv", "train.csv", string(content), nil); st != 409 {
				t.Fatalf("the same name uploaded to B = %d %s; want 409", st, b)
			}
			spec := `{"name": "shared", "data": {"train": "uploads/shared.csv", "target": "target"}, "model": {"class": "LogisticRegression"}}`
			st, out := postJSON(t, tsB.URL+"/api/runs", spec)
			if st != 202 {
				t.Fatalf("a run of A's upload posted to B = %d %v", st, out)
			}
			id := out["id"].(string)
			waitStatus(t, tsB.URL, id, "succeeded")
			for _, d := range []string{bdir, wdir} {
				if got, _ := os.ReadFile(filepath.Join(d, "files", uploadDir, "shared.csv")); string(got) != string(content) {
					t.Fatalf("%s has %d bytes of the upload, want %d", d, len(got), len(content))
				}
			}
			// An overwrite on A: B's next check reads the new file.
			short := strings.Join(strings.SplitAfter(string(content), "\n")[:60], "")
			if st, b := upload(t, tsA.URL, "?name=shared.csv&overwrite=1", "train.csv", short, nil); st != 201 && st != 200 {
				t.Fatalf("overwrite on A = %d %s", st, b)
			}
			if st, _, b := call(t, "POST", tsB.URL+"/api/validate", "", spec, nil); st != 200 {
				t.Fatalf("validate on B = %d %s", st, b)
			}
			if got, _ := os.ReadFile(filepath.Join(bdir, "files", uploadDir, "shared.csv")); string(got) != short {
				t.Fatalf("after the overwrite B has %d bytes, want %d", len(got), len(short))
			}
		})
	}
	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		_, ts := startTestServer(t, Config{DataDir: dir, Workers: 1})
		if st, b := upload(t, ts.URL, "?name=local.csv", "x.csv", "a,target\n1,x\n", nil); st != 201 && st != 200 {
			t.Fatalf("upload = %d %s", st, b)
		}
		if _, err := os.Stat(filepath.Join(dir, "files", uploadDir, "local.csv")); err != nil {
			t.Fatal(err)
		}
		u, _ := artifacts.DefaultURL(dir)
		a, err := artifacts.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if ups, _, err := a.Uploads(context.Background(), 10); err != nil || len(ups) != 0 {
			t.Fatalf("without --artifacts the upload went to the data folder's object store too: %v %v", ups, err)
		}
	})
}
