package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

// MigrateReport is what MigrateArtifacts copied, by kind: runs' models and
// checkpoints, uploaded files, dataset blobs; Present counts what the
// object store held already (with the same SHA-256), Recorded the runs
// whose row now names their model's SHA-256 (trained before the object
// store), Checkpoints those of unfinished runs found only in the data
// folder.
type MigrateReport struct {
	Artifacts, ArtifactsPresent int
	Models, ModelsPresent       int
	Recorded                    int
	Checkpoints                 int
	Uploads, UploadsPresent     int
	Blobs, BlobsPresent         int
	Skipped                     []string
}

// MigrateArtifacts copies what a data folder made without --artifacts
// keeps in its own folders into the object store at artURL, where a
// cluster's servers and workers read it (mlforge artifacts migrate):
//   - the data folder's own object store (file://DATA/artifacts: run
//     models and checkpoints) object by object;
//   - the model files in DATA/runs/<id> of succeeded runs trained before
//     any object store, whose rows then record their SHA-256, and the
//     checkpoints there of unfinished runs that the object store lacks;
//   - the uploaded files in DATA/files/uploads;
//   - the dataset blobs in DATA/blobs, into the prefix datasets/.
//
// Every copy is hashed and read back; what the object store holds already
// with the same SHA-256 is left, so it can be run again (after an
// interruption, or to catch up). The data folder is not changed, but for
// the results of the runs recorded. db is the store ("" for
// DATA/mlforge.db). progress, when not nil, gets a line per kind.
func MigrateArtifacts(ctx context.Context, dataDir, db, artURL string, progress func(string)) (*MigrateReport, error) {
	if progress == nil {
		progress = func(string) {}
	}
	if artURL == "" {
		return nil, errors.New("the object store to migrate to is missing: pass --artifacts URL")
	}
	own, err := artifacts.DefaultURL(dataDir)
	if err != nil {
		return nil, err
	}
	if artURL == own {
		return nil, fmt.Errorf("--artifacts %s is the data folder's own object store: name another one", artURL)
	}
	if db == "" {
		db = filepath.Join(dataDir, "mlforge.db")
		if _, err := os.Stat(db); err != nil {
			return nil, fmt.Errorf("%s is not a data folder of mlforge: it has no mlforge.db", dataDir)
		}
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	dst, err := artifacts.Open(ctx, artURL)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	rep := &MigrateReport{Skipped: []string{}}

	// The data folder's own object store.
	if _, err := os.Stat(filepath.Join(dataDir, "artifacts")); err == nil {
		src, err := artifacts.Open(ctx, own)
		if err != nil {
			return nil, err
		}
		err = src.Keys(ctx, func(key string) error {
			copied, err := dst.CopyFrom(ctx, src, key)
			if err != nil {
				return err
			}
			if copied {
				rep.Artifacts++
			} else {
				rep.ArtifactsPresent++
			}
			return nil
		})
		src.Close()
		if err != nil {
			return rep, err
		}
	}
	progress(fmt.Sprintf("run artifacts: %d copied, %d in place", rep.Artifacts, rep.ArtifactsPresent))

	// Models of runs trained before any object store.
	before := ""
	for {
		runs, err := st.ListRuns(ctx, store.ListOptions{Status: store.Succeeded, Limit: 500, Before: before})
		if err != nil {
			return rep, err
		}
		for _, r := range runs {
			if err := migrateModel(ctx, st, dst, dataDir, r, rep); err != nil {
				return rep, err
			}
		}
		if len(runs) < 500 {
			break
		}
		before = runs[len(runs)-1].ID
	}
	progress(fmt.Sprintf("models trained before the object store: %d copied, %d in place, %d runs recorded", rep.Models, rep.ModelsPresent, rep.Recorded))

	// Checkpoints of unfinished runs that only the data folder holds (an
	// interrupted run of a release before the object store), so that any
	// worker resumes them.
	unfinished, err := st.Unfinished(ctx)
	if err != nil {
		return rep, err
	}
	for _, r := range unfinished {
		p := filepath.Join(dataDir, jobs.ModelDir(r.ID), artifacts.CheckpointFile)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		key, err := artifacts.Key(r.ID, artifacts.CheckpointFile)
		if err != nil {
			return rep, err
		}
		if ok, err := dst.Has(ctx, key); err != nil {
			return rep, err
		} else if ok {
			continue // the data folder's object store had it: copied above
		}
		if _, _, _, err := dst.PutFile(ctx, key, p); err != nil {
			return rep, err
		}
		rep.Checkpoints++
	}
	progress(fmt.Sprintf("checkpoints of unfinished runs only in the data folder: %d copied", rep.Checkpoints))

	// Uploaded files.
	ups, _ := os.ReadDir(filepath.Join(dataDir, "files", uploadDir))
	for _, e := range ups {
		if !e.Type().IsRegular() || !artifacts.ValidUploadName(e.Name()) {
			continue // a temporary file, or not one POST /api/files made
		}
		key, _ := artifacts.UploadKey(e.Name())
		_, _, copied, err := dst.PutFile(ctx, key, filepath.Join(dataDir, "files", uploadDir, e.Name()))
		if err != nil {
			return rep, err
		}
		if copied {
			rep.Uploads++
		} else {
			rep.UploadsPresent++
		}
	}
	progress(fmt.Sprintf("uploaded files: %d copied, %d in place", rep.Uploads, rep.UploadsPresent))

	// Dataset blobs.
	if _, err := os.Stat(filepath.Join(dataDir, "blobs")); err == nil {
		srcURL, err := datasets.BlobURL(dataDir)
		if err != nil {
			return rep, err
		}
		dstURL, err := datasets.StoreURL(dataDir, artURL)
		if err != nil {
			return rep, err
		}
		src, err := datasets.OpenBucket(ctx, srcURL)
		if err != nil {
			return rep, err
		}
		defer src.Close()
		to, err := datasets.OpenBucket(ctx, dstURL)
		if err != nil {
			return rep, err
		}
		defer to.Close()
		if rep.Blobs, rep.BlobsPresent, err = datasets.CopyBlobs(ctx, to, src); err != nil {
			return rep, err
		}
	}
	progress(fmt.Sprintf("dataset blobs: %d copied, %d in place", rep.Blobs, rep.BlobsPresent))
	return rep, nil
}

// migrateModel puts the model file of a succeeded run that recorded no
// SHA-256 (trained before any object store) into dst and records it in the
// run's result, as a run trained with dst would have.
func migrateModel(ctx context.Context, st *store.Store, dst *artifacts.Store, dataDir string, r *store.Run, rep *MigrateReport) error {
	if modelSHA(r) != "" {
		return nil // in the data folder's object store, copied above
	}
	p := filepath.Join(dataDir, jobs.ModelDir(r.ID), model.FileName)
	if _, err := os.Stat(p); err != nil {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("run %s: no model file in the data folder", r.ID))
		return nil
	}
	key, err := artifacts.Key(r.ID, artifacts.ModelFile)
	if err != nil {
		return err
	}
	sha, size, copied, err := dst.PutFile(ctx, key, p)
	if err != nil {
		return err
	}
	if copied {
		rep.Models++
	} else {
		rep.ModelsPresent++
	}
	result := map[string]json.RawMessage{}
	if len(r.Result) > 0 {
		if err := json.Unmarshal(r.Result, &result); err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("run %s: its result is not a JSON object; its model was copied but not recorded", r.ID))
			return nil
		}
	}
	for k, v := range map[string]any{"model_sha256": sha, "model_key": key, "model_size": size} {
		b, _ := json.Marshal(v)
		result[k] = b
	}
	b, err := json.Marshal(result)
	if err != nil {
		return err
	}
	if ok, err := st.SetResult(ctx, r.ID, b); err != nil {
		return err
	} else if ok {
		rep.Recorded++
	}
	return nil
}
