package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/store"
)

// TestMigrateArtifacts: a data folder made without --artifacts (a model in
// its own object store, one of a run trained before any object store, an
// upload, a dataset) is copied into an object store (a folder, S3 on
// loopback); copied again, nothing moves; and a second server that has
// only the database and that object store serves both models, the upload
// and the dataset.
func TestMigrateArtifacts(t *testing.T) {
	urls := bucketURLs(t)
	for _, kind := range []string{"file", "s3"} {
		artURL := urls[kind]
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			adir, bdir := t.TempDir(), t.TempDir()
			db := filepath.Join(adir, "mlforge.db")
			_, tsA, stopA := startServerNoCleanup(t, Config{DataDir: adir, Workers: 1})
			lr := startIris(t, tsA.URL, "migrated", 1)
			old := startIris(t, tsA.URL, "older", 2)
			scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "corners"}`, status: 201}.run(t, tsA.URL)
			files := map[string][]byte{}
			for i := 0; i < 3; i++ {
				files[fmt.Sprintf("tl/%d.png", i)] = cornerPNG(t, "tl", i)
			}
			if code, body := postArchive(t, tsA.URL, "corners", datasetZip(t, files)); code != 200 {
				t.Fatalf("import = %d %s", code, body)
			}
			stopA()
			os.MkdirAll(filepath.Join(adir, "files", uploadDir), 0o700)
			os.WriteFile(filepath.Join(adir, "files", uploadDir, "rows.csv"), []byte("a,b\n1,2\n"), 0o600)
			// The run "older" as a release before the object store left it:
			// no SHA-256 in its result, its model in runs/<id> only.
			st, err := store.Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := st.GetRun(ctx, old)
			var res map[string]any
			json.Unmarshal(r.Result, &res)
			delete(res, "model_sha256")
			delete(res, "model_key")
			delete(res, "model_size")
			b, _ := json.Marshal(res)
			if ok, err := st.SetResult(ctx, old, b); !ok || err != nil {
				t.Fatalf("SetResult = %v, %v", ok, err)
			}
			// A run interrupted by a release before the object store: its
			// checkpoint is in runs/<id> only.
			queued := &store.Run{ID: store.NewID(), Name: "interrupted", Class: "Sequential", Spec: json.RawMessage(`{}`)}
			if err := st.CreateRun(ctx, queued); err != nil {
				t.Fatal(err)
			}
			os.MkdirAll(filepath.Join(adir, "runs", queued.ID), 0o700)
			os.WriteFile(filepath.Join(adir, "runs", queued.ID, artifacts.CheckpointFile), []byte("weights"), 0o600)
			st.Close()
			os.RemoveAll(filepath.Join(adir, "artifacts", "runs", old))

			rep, err := MigrateArtifacts(ctx, adir, "", artURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Artifacts != 1 || rep.Models != 1 || rep.Recorded != 1 || rep.Checkpoints != 1 || rep.Uploads != 1 || rep.Blobs != 3 || len(rep.Skipped) != 0 {
				t.Fatalf("migration = %+v; want 1 artifact, 1 older model recorded, 1 checkpoint, 1 upload, 3 blobs", rep)
			}
			again, err := MigrateArtifacts(ctx, adir, "", artURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if again.Artifacts+again.Models+again.Checkpoints+again.Uploads+again.Blobs != 0 || again.ArtifactsPresent != 1 || again.UploadsPresent != 1 || again.BlobsPresent != 3 {
				t.Fatalf("the second migration = %+v; want everything in place", again)
			}
			// A migration onto the data folder's own object store is refused.
			own, _ := artifacts.DefaultURL(adir)
			if _, err := MigrateArtifacts(ctx, adir, "", own, nil); err == nil || !strings.Contains(err.Error(), "the data folder's own object store") {
				t.Fatalf("a migration onto the data folder's own store: %v", err)
			}

			dst, err := artifacts.Open(ctx, artURL)
			if err != nil {
				t.Fatal(err)
			}
			ckpt := filepath.Join(t.TempDir(), "ckpt")
			if err := dst.Get(ctx, queued.ID, artifacts.CheckpointFile, ckpt, "", 1<<20); err != nil {
				t.Fatalf("the interrupted run's checkpoint: %v", err)
			}
			dst.Close()
			if st, err := store.Open(ctx, db); err == nil {
				st.DeleteRun(ctx, queued.ID) // nothing for server B to resume
				st.Close()
			}

			bs, tsB, _ := startServerNoCleanup(t, Config{DataDir: bdir, DB: db, Workers: 1, Artifacts: artURL})
			checkServes(t, tsB.URL, bdir, adir, bs.Store(), lr, "migrated", "")
			checkServes(t, tsB.URL, bdir, adir, bs.Store(), old, "older", "")
			scenario{name: "uploads", method: "GET", path: "/api/files", status: 200, contain: []string{"rows.csv"}}.run(t, tsB.URL)
			scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":3,"blobs":3,"missing":[],"corrupt":[],"unreferenced":[]`}}.run(t, tsB.URL)
		})
	}
}
