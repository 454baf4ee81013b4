package server

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/store"
)

// Worker is the training half of the service without its HTTP half
// (`mlforge worker`): it takes runs from the queue of a PostgreSQL
// database that API servers (serve --workers 0) and other workers share.
type Worker struct {
	store *store.Store
	jobs  *jobs.Manager
	art   *artifacts.Store
	cfg   Config
	hk    *housekeeper

	dsOnce sync.Once
	ds     *datasets.Service
	dsErr  error
}

// NewWorker opens the store and the job manager of cfg (DB must be a
// postgres:// URL; Addr, Token and the request limits are unused). Models
// and checkpoints go to the object store cfg.Artifacts (server/artifacts.go),
// where the API servers read them; cfg.DataDir holds the files specs read
// and each run's model directory while it trains.
func NewWorker(ctx context.Context, cfg Config) (*Worker, error) {
	if !store.IsPostgres(cfg.DB) {
		return nil, errors.New(SQLiteOneProcess)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "mlforge-data"
	}
	for _, d := range []string{cfg.DataDir, filepath.Join(cfg.DataDir, "files"), filepath.Join(cfg.DataDir, "runs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	art, err := OpenArtifacts(ctx, cfg.Artifacts, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	warnLocalArtifacts(cfg)
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		art.Close()
		return nil, err
	}
	m, err := jobs.New(ctx, jobs.Config{Store: st, DB: cfg.DB, Workers: cfg.Workers, Runner: RunnerWith(cfg.DataDir, cfg.RunLimits, art),
		Fanout: sweepFanout(cfg.DataDir, cfg.RunLimits, art), Child: cfg.Child, Limits: cfg.RunLimits, MaxAttempts: cfg.MaxAttempts, Logger: cfg.Logger})
	if err != nil {
		st.Close()
		art.Close()
		return nil, err
	}
	return &Worker{store: st, jobs: m, art: art, cfg: cfg}, nil
}

// Start recovers runs whose workers died and starts taking jobs.
func (w *Worker) Start(ctx context.Context) error {
	if err := w.jobs.Start(ctx); err != nil {
		return err
	}
	w.hk = startHousekeeping(w.cfg.Logger, w.cfg.DataDir, w.datasets)
	return nil
}

// datasets opens the dataset service of the cluster's blob store (that of
// the API servers: datasets.StoreURL), for the sweeps.
func (w *Worker) datasets(ctx context.Context) (*datasets.Service, error) {
	w.dsOnce.Do(func() {
		url, err := datasets.StoreURL(w.cfg.DataDir, w.cfg.Artifacts)
		if err != nil {
			w.dsErr = err
			return
		}
		b, err := datasets.OpenBucket(context.WithoutCancel(ctx), url)
		if err != nil {
			w.dsErr = err
			return
		}
		w.ds = datasets.New(w.store, b)
	})
	return w.ds, w.dsErr
}

// Shutdown stops taking jobs (the runs it was training go back to the
// queue for another worker) and closes the store.
func (w *Worker) Shutdown(ctx context.Context) error {
	w.hk.stop()
	var berr error
	if w.ds != nil {
		berr = w.ds.Bucket.Close()
	}
	return errors.Join(w.jobs.Stop(ctx), berr, w.store.Close(), w.art.Close())
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool { return store.IsPostgres(url) }
