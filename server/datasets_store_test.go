package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/pgtest"
)

// TestDatasetStoreSecondServer imports a dataset through server A with an
// object store (--artifacts: a folder, mem:// shared by name, S3 through
// gofakes3), stops it, and checks that server B, sharing the database but
// not the data folder, lists the dataset, serves its thumbnails, trains a
// network from dataset:NAME and finds the blobs whole (fsck): the blobs
// live in the store under datasets/, not in A's data folder.
func TestDatasetStoreSecondServer(t *testing.T) {
	for _, backend := range backendsToTest() {
		for kind, artURL := range bucketURLs(t) {
			t.Run(backend+"/"+kind, func(t *testing.T) {
				adir, bdir := t.TempDir(), t.TempDir()
				db := filepath.Join(adir, "mlforge.db")
				if backend == "postgres" {
					db = pgtest.URL(t)
				}
				_, tsA, stopA := startServerNoCleanup(t, Config{DataDir: adir, DB: db, Workers: 1, Artifacts: artURL})
				scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "corners"}`, status: 201}.run(t, tsA.URL)
				files := map[string][]byte{}
				for _, class := range []string{"br", "tl"} {
					for i := 0; i < 16; i++ {
						files[fmt.Sprintf("%s/%d.png", class, i)] = cornerPNG(t, class, i)
					}
				}
				code, body := postArchive(t, tsA.URL, "corners", datasetZip(t, files))
				if code != 200 || !strings.Contains(body, `"added":32`) {
					t.Fatalf("import = %d %s", code, body)
				}
				stopA()
				if ents, _ := os.ReadDir(filepath.Join(adir, "blobs")); len(ents) != 0 {
					t.Fatalf("server A kept %d entries in its data folder's blobs", len(ents))
				}
				if kind == "file" {
					dir := filepath.Join(filepath.FromSlash(strings.TrimPrefix(artURL, "file://")), "datasets", "sha256")
					if ents, err := os.ReadDir(dir); err != nil || len(ents) == 0 {
						t.Fatalf("no blobs in the object store's %s: %v", dir, err)
					}
				}

				_, tsB, stopB := startServerNoCleanup(t, Config{DataDir: bdir, DB: db, Workers: 1, Artifacts: artURL})
				defer stopB()
				scenario{name: "list", method: "GET", path: "/api/datasets", status: 200, contain: []string{`"name":"corners"`}}.run(t, tsB.URL)
				var page ItemPage
				json.Unmarshal([]byte(scenario{name: "items", method: "GET", path: "/api/datasets/corners/items?limit=2", status: 200}.run(t, tsB.URL)), &page)
				if len(page.Items) != 2 {
					t.Fatalf("items page = %+v", page)
				}
				for _, it := range page.Items {
					resp, err := http.Get(tsB.URL + "/api/datasets/corners/items/" + it.ID + "/thumbnail")
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 200 || resp.Header.Get("Content-Type") == "" {
						t.Fatalf("thumbnail of %s = %d %s", it.ID, resp.StatusCode, resp.Header.Get("Content-Type"))
					}
				}
				scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":32,"blobs":32,"missing":[],"corrupt":[],"unreferenced":[]`}}.run(t, tsB.URL)
				spec := `{"name": "corners-cnn", "seed": 1, "data": {"train": "dataset:corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
					"model": {"layers": [{"type": "Conv2d", "in_channels": "auto", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
						{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
					"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 2}`
				out := scenario{name: "train", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, tsB.URL)
				var created struct{ ID string }
				json.Unmarshal([]byte(out), &created)
				if done := waitStatus(t, tsB.URL, created.ID, "succeeded"); !strings.Contains(done, `"accuracy"`) {
					t.Fatalf("run: %s", done)
				}
				if ents, _ := os.ReadDir(filepath.Join(bdir, "blobs")); len(ents) != 0 {
					t.Fatalf("server B wrote %d entries in its data folder's blobs", len(ents))
				}
			})
		}
	}
}
