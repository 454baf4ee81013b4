package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

// The object store of run artifacts (package artifacts): a run's model is
// put there once it is trained, with its SHA-256 in the run's result, and
// its checkpoint (and a GAN's sample grid) after every epoch; servers read models from there, so any
// server can serve a model any worker trained. The data folder's runs/<id>
// stays what it was (the trainer's output, and a cache of downloads), and
// the model of a run trained before the object store (no SHA-256 in its
// result) is served from there alone.

// maxCheckpointBytes caps the checkpoint a resumed run downloads (weights
// and optimizer state: a few times a model file's limit).
const maxCheckpointBytes = 4 * model.MaxFileSize

// OpenArtifacts opens the object store at url ("" for the data folder's
// own, artifacts.DefaultURL(dataDir)).
func OpenArtifacts(ctx context.Context, url, dataDir string) (*artifacts.Store, error) {
	if url == "" {
		var err error
		if url, err = artifacts.DefaultURL(dataDir); err != nil {
			return nil, err
		}
	}
	return artifacts.Open(ctx, url)
}

// warnLocalArtifacts warns a process of a cluster (an API-only server or a
// worker) whose artifacts stay in its own data folder.
func warnLocalArtifacts(cfg Config) {
	if cfg.Artifacts == "" {
		cfg.Logger.Warn("artifacts are kept in this process's data folder: other servers and workers see them only if that folder is shared; pass --artifacts s3://... (or a shared file:// folder)",
			"data", cfg.DataDir)
	}
}

// RunnerWith is Runner that also puts each run's model and checkpoints into
// art (nil: the data folder only) and, for a resumed attempt, first takes
// the checkpoint from art.
func RunnerWith(dataDir string, limits jobs.Limits, art *artifacts.Store) jobs.Runner {
	return func(ctx context.Context, run *store.Run, rec jobs.Progress) (json.RawMessage, error) {
		return runRun(ctx, dataDir, limits, art, run, rec)
	}
}

// fetchCheckpoint copies a run's checkpoint from art into its model
// directory before a resumed attempt: the object store's is the one that
// the recorded epochs match (it is put before each epoch is reported). A
// missing or unreadable one leaves the local checkpoint, if any, to resume.
func fetchCheckpoint(ctx context.Context, art *artifacts.Store, runID, dir string, rec jobs.Progress) {
	if art == nil {
		return
	}
	err := art.Get(ctx, runID, artifacts.CheckpointFile, filepath.Join(dir, train.CheckpointFile), "", maxCheckpointBytes)
	switch {
	case errors.Is(err, artifacts.ErrNotFound):
	case err != nil:
		rec.Report(event.Event{Kind: "log", Message: "the checkpoint in the object store was not taken (" + err.Error() + "); resuming from the local one if there is one"})
	default:
		rec.Report(event.Event{Kind: "log", Message: "took the run's checkpoint from the object store"})
	}
}

// checkpointSync passes progress on, and after each epoch (which a network
// reports once its checkpoint is written) puts the checkpoint into the
// object store first.
type checkpointSync struct {
	jobs.Progress
	ctx context.Context
	art *artifacts.Store
	id  string
	dir string
}

func syncCheckpoints(ctx context.Context, art *artifacts.Store, runID, dir string, rec jobs.Progress) jobs.Progress {
	if art == nil {
		return rec
	}
	return &checkpointSync{Progress: rec, ctx: ctx, art: art, id: runID, dir: dir}
}

func (c *checkpointSync) Report(e event.Event) {
	if e.Kind == "epoch" {
		_, _, err := c.art.Put(c.ctx, c.id, artifacts.CheckpointFile, filepath.Join(c.dir, train.CheckpointFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) && c.ctx.Err() == nil {
			c.Progress.Report(event.Event{Kind: "log", Message: "the checkpoint was not copied to the object store: " + err.Error()})
		}
		// A GAN's sample grid of the epoch, written before it is reported.
		name := train.SampleFile(e.Epoch)
		_, _, err = c.art.PutSample(c.ctx, c.id, name, filepath.Join(c.dir, train.SamplesDir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) && c.ctx.Err() == nil {
			c.Progress.Report(event.Event{Kind: "log", Message: "the sample grid " + name + " was not copied to the object store: " + err.Error()})
		}
	}
	c.Progress.Report(e)
}

// putModel puts a trained run's model into art and records its SHA-256
// and key in out.
func putModel(ctx context.Context, art *artifacts.Store, runID, dir string, out *trainResult) error {
	if art == nil {
		return nil
	}
	sha, size, err := art.Put(ctx, runID, artifacts.ModelFile, filepath.Join(dir, model.FileName))
	if err != nil {
		return fmt.Errorf("putting the model into the object store: %w", err)
	}
	key, _ := artifacts.Key(runID, artifacts.ModelFile)
	out.ModelSHA256, out.ModelKey, out.ModelSize = sha, key, size
	return nil
}

// recordedModel is what a run's result says of its model in the object
// store (empty for a run trained before it).
type recordedModel struct {
	SHA256 string `json:"model_sha256"`
}

func modelSHA(run *store.Run) string {
	var rm recordedModel
	if len(run.Result) == 0 || json.Unmarshal(run.Result, &rm) != nil {
		return ""
	}
	return rm.SHA256
}

// localModel returns the path of a succeeded run's model file in this
// server's data folder, downloading it from the object store when it is
// not there. A file whose run recorded a SHA-256 is checked against it
// once per process (and downloaded again when it differs); the model of a
// run trained before the object store is only looked for on disk.
func (s *Server) localModel(ctx context.Context, run *store.Run) (string, error) {
	if run.Status != store.Succeeded {
		return "", errorf(http.StatusNotFound, "not_found", "run %s is %s: only a succeeded run has a model", run.ID, run.Status)
	}
	// The path comes from the validated, server-made id.
	p := filepath.Join(s.cfg.DataDir, jobs.ModelDir(run.ID), model.FileName)
	sha := modelSHA(run)
	if sha == "" {
		return p, nil
	}
	if v, ok := s.verified.Load(run.ID); ok && v.(string) == sha {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if got, err := fileSHA(p); err == nil && got == sha {
		s.verified.Store(run.ID, sha)
		return p, nil
	}
	if s.art == nil {
		return "", errorf(http.StatusNotFound, "not_found", "the model file of run %s is missing", run.ID)
	}
	err := s.art.Get(ctx, run.ID, artifacts.ModelFile, p, sha, model.MaxFileSize)
	var he *artifacts.HashError
	switch {
	case errors.Is(err, artifacts.ErrNotFound):
		return "", errorf(http.StatusNotFound, "not_found", "the model file of run %s is missing from the object store", run.ID)
	case errors.As(err, &he):
		s.log.Error("a model in the object store does not match its run", "run", run.ID, "key", he.Key, "want", he.Want, "got", he.Got)
		return "", errorf(http.StatusInternalServerError, "corrupt_model", "the model file %s in the object store does not match the SHA-256 its run recorded", he.Key)
	case err != nil:
		return "", errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "the model file of run %s could not be read from the object store: %s", run.ID, s.scrubErr(err).Error())
	}
	s.verified.Store(run.ID, sha)
	return p, nil
}

// fileSHA is the SHA-256 (hex) of the file at path.
func fileSHA(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// deleteArtifacts removes a deleted run's objects from the object store.
// The run's row is gone already: objects that cannot be deleted are
// logged and left (no key can reach them any more), not an error.
func (s *Server) deleteArtifacts(ctx context.Context, runID string) error {
	s.verified.Delete(runID)
	if s.art == nil {
		return nil
	}
	if err := s.art.Delete(ctx, runID); err != nil {
		s.log.Warn("the objects of a deleted run were left in the object store", "run", runID, "err", err)
	}
	return nil
}

// pingArtifacts checks that the object store answers.
func (s *Server) pingArtifacts(ctx context.Context) error {
	if s.art == nil {
		return nil
	}
	if err := s.art.Ping(ctx); err != nil {
		return fmt.Errorf("object store %s: %w", strings.TrimSpace(s.art.URL()), err)
	}
	return nil
}

// ArtifactsURL is the object store's URL (without user information).
func (s *Server) ArtifactsURL() string { return s.art.URL() }

// ArtifactsURL is the object store's URL (without user information).
func (w *Worker) ArtifactsURL() string { return w.art.URL() }
