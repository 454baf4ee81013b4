package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/server"
)

func init() {
	register(command{
		name:    "worker",
		usage:   "mlforge worker --db postgres://... [--artifacts URL] [--data DIR] [--workers N] [--log-format text|json]",
		summary: "train the runs of a shared PostgreSQL queue (no HTTP; pairs with serve --workers 0)",
		run:     runWorker,
	})
}

func runWorker(e *env, args []string) error {
	fs := newFlags(e, "worker")
	dir := fs.String("data", "mlforge-data", "data folder: user files read by specs, and each run's model directory while it trains")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... database shared with the API servers (env MLFORGE_DB); required")
	art := fs.String("artifacts", os.Getenv("MLFORGE_ARTIFACTS"), artifactsUsage)
	workers := fs.Int("workers", 2, "runs that train at once")
	maxAttempts := fs.Int("max-attempts", jobs.DefaultMaxAttempts, "attempts of a run that may end with its worker dying before the run is failed instead of resumed")
	isolate := fs.Bool("isolate", true, "train each run in its own process (false: in the worker's process, under a Go memory limit)")
	logFormat := fs.String("log-format", "text", "log lines as text or json (log/slog's handlers)")
	var mf memoryFlags
	addMemoryFlags(fs, &mf)
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if !server.IsPostgres(*db) {
		return usageError("%s", server.SQLiteOneProcess)
	}
	if *workers < 1 || *workers > 256 {
		return usageError("--workers must be from 1 to 256")
	}
	log, err := startService(e, *maxAttempts, *logFormat)
	if err != nil {
		return err
	}
	cfg := server.Config{DataDir: *dir, DB: *db, Artifacts: *art, Workers: *workers, Logger: log, RunLimits: mf.limits(), MaxAttempts: *maxAttempts}
	// The runs trained in this process (--isolate=false) read dataset:NAME
	// from the shared database and the dataset blobs of the servers.
	blobs, err := datasets.StoreURL(*dir, *art)
	if err != nil {
		return err
	}
	if err := datasets.RegisterDataDir(*dir, *db, blobs); err != nil {
		return err
	}
	if err := setupTraining(&cfg, *isolate, mf); err != nil {
		return err
	}
	w, err := server.NewWorker(e.ctx, cfg)
	if err != nil {
		return err
	}
	if err := w.Start(e.ctx); err != nil {
		w.Shutdown(context.Background())
		return err
	}
	fmt.Fprintf(e.stderr, "mlforge worker training %d run(s) at once from the queue (data in %s, artifacts in %s)\n", *workers, *dir, w.ArtifactsURL())
	<-e.ctx.Done()
	fmt.Fprintln(e.stderr, "shutting down; the runs in training go back to the queue")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return w.Shutdown(ctx)
}
