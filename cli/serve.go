package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/server"
)

// artifactsUsage is the help of serve's and worker's --artifacts.
const artifactsUsage = "object store of run models and checkpoints, and of dataset images under datasets/ (env MLFORGE_ARTIFACTS): file:///dir, s3://bucket/prefix?region=...&endpoint=...&use_path_style=true, gs://bucket/prefix (HMAC key in GOOGLE_HMAC_ACCESS_ID, GOOGLE_HMAC_SECRET); default file://<data>/artifacts. Every server and worker of a cluster needs the same one"

// runChildCommand is the hidden subcommand a server starts for each run
// (mlforge re-executed); it is no command for people.
const runChildCommand = "__run"

// childGrace is how long a run has to stop after it is asked to, before
// the server kills its process (and the process exits by itself).
const childGrace = 10 * time.Second

func init() {
	register(command{
		name:    "serve",
		usage:   "mlforge serve [--addr 127.0.0.1:8080] [--data DIR] [--db URL] [--artifacts URL] [--workers N] [--log-format text|json] [--max-run-memory SIZE]",
		summary: "run the training service (HTTP API, background runs)",
		run:     runServe,
	})
	register(command{name: runChildCommand, hidden: true, usage: "mlforge " + runChildCommand + " --data DIR",
		summary: "train one run of the service (started by mlforge serve)", run: runChild})
}

// memoryFlags are the memory budgets that serve and train take.
type memoryFlags struct {
	maxModelBytes, maxRunMemory byteSize
}

func addMemoryFlags(fs *flag.FlagSet, mf *memoryFlags) {
	total := machineMemory()
	mf.maxModelBytes = byteSize(total / 4)
	mf.maxRunMemory = byteSize(total / 2)
	fs.Var(&mf.maxModelBytes, "max-model-bytes", "memory a model's parameters and activations may need, estimated from the spec (e.g. 2GiB; default a quarter of the machine's memory, 0 for no limit)")
	fs.Var(&mf.maxRunMemory, "max-run-memory", "memory one run may use while it trains (e.g. 8GiB; default half of the machine's memory, 0 for no limit)")
}

func (mf *memoryFlags) limits() jobs.Limits {
	return jobs.Limits{MaxModelBytes: int64(mf.maxModelBytes), MaxRunMemory: int64(mf.maxRunMemory)}
}

func runServe(e *env, args []string) error {
	fs := newFlags(e, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address; any non-loopback address requires an API token")
	dir := fs.String("data", "mlforge-data", "data folder: SQLite store, run artifacts, user files")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... to keep runs and the queue in PostgreSQL (env MLFORGE_DB)")
	art := fs.String("artifacts", os.Getenv("MLFORGE_ARTIFACTS"), artifactsUsage)
	token := fs.String("token", os.Getenv("MLFORGE_TOKEN"), "API token (env MLFORGE_TOKEN); generated when needed and not given")
	workers := fs.Int("workers", 2, "runs that train at once; 0 for an API-only server whose runs `mlforge worker` processes train (needs --db postgres://...)")
	logFormat := fs.String("log-format", "text", "log lines as text or json (log/slog's handlers)")
	cacheBytes := byteSize(server.DefaultModelCacheBytes)
	fs.Var(&cacheBytes, "model-cache-bytes", "bytes of model files kept loaded for predict, least recently used evicted first (e.g. 512MiB; default 1GiB)")
	maxAttempts := fs.Int("max-attempts", jobs.DefaultMaxAttempts, "attempts of a run that may end with the server dying before the run is failed instead of resumed")
	isolate := fs.Bool("isolate", true, "train each run in its own process, so that a run that runs out of memory fails alone (false: in the server's process, under a Go memory limit)")
	serpKey := fs.String("serpapi-key", "", "SerpApi's API key for collections by label (default: env SERPAPI_KEY, better: a flag shows in ps); never stored nor logged")
	var mf memoryFlags
	addMemoryFlags(fs, &mf)
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *serpKey != "" {
		// The collections read it from the environment, in this process
		// and in the child processes that run them (--isolate).
		os.Setenv("SERPAPI_KEY", *serpKey)
	}
	if *workers < 0 || *workers > 256 {
		return usageError("--workers must be from 0 to 256")
	}
	log, err := startService(e, *maxAttempts, *logFormat)
	if err != nil {
		return err
	}
	cfg := server.Config{Addr: *addr, DataDir: *dir, DB: *db, Artifacts: *art, Token: *token, Workers: *workers, APIOnly: *workers == 0, Logger: log,
		RunLimits: mf.limits(), MaxAttempts: *maxAttempts, ModelCacheBytes: int64(cacheBytes)}
	if *workers > 0 {
		if err := setupTraining(&cfg, *isolate, mf); err != nil {
			return err
		}
	}
	srv, err := server.New(e.ctx, cfg)
	if err != nil {
		return err
	}
	a, err := srv.Listen()
	if err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	if err := srv.Start(e.ctx); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	if *workers == 0 {
		fmt.Fprintf(e.stderr, "mlforge serving on http://%s (data in %s, artifacts in %s; API only: `mlforge worker` processes train the runs)\n", a, *dir, srv.ArtifactsURL())
	} else {
		fmt.Fprintf(e.stderr, "mlforge serving on http://%s (data in %s, artifacts in %s)\n", a, *dir, srv.ArtifactsURL())
	}
	if srv.TokenGenerated {
		fmt.Fprintf(e.stderr, "API token (shown once, kept in %s/token): %s\n", *dir, srv.Token())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err = <-errc:
	case <-e.ctx.Done():
		fmt.Fprintln(e.stderr, "shutting down; unfinished runs resume at the next start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := srv.Shutdown(ctx); err == nil {
		err = serr
	}
	return err
}

// startService is what serve and worker do before they start: check
// --max-attempts, restrict the umask (what the process creates is its
// user's alone) and make the logger of --log-format.
func startService(e *env, maxAttempts int, logFormat string) (*slog.Logger, error) {
	if maxAttempts < 1 || maxAttempts > 100 {
		return nil, usageError("--max-attempts must be from 1 to 100")
	}
	restrictUmask()
	return newLogger(e, logFormat)
}

// newLogger returns the logger of --log-format: "text" or "json".
func newLogger(e *env, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, nil)), nil
	}
	return nil, usageError("--log-format must be text or json, not %q", format)
}

// setupTraining sets how cfg's runs train: each in a child process
// (isolate) or in this process under a Go memory limit.
func setupTraining(cfg *server.Config, isolate bool, mf memoryFlags) error {
	if isolate {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding mlforge's own binary to train runs in child processes (or pass --isolate=false): %w", err)
		}
		abs, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return err
		}
		if strings.HasPrefix(cfg.Artifacts, "mem:") {
			return usageError("--artifacts mem:// lives in one process: train in it with --isolate=false")
		}
		cfg.Child = &jobs.Child{Path: exe, Args: []string{runChildCommand, "--data", abs,
			"--max-model-bytes", strconv.FormatInt(int64(mf.maxModelBytes), 10),
			"--max-run-memory", strconv.FormatInt(int64(mf.maxRunMemory), 10)}, Grace: childGrace}
		if cfg.Artifacts != "" { // the child puts the model and checkpoints there
			cfg.Child.Args = append(cfg.Child.Args, "--artifacts", cfg.Artifacts)
		}
		if cfg.DB != "" { // the child reads stored datasets from the same database (datasets.RegisterDataDir)
			cfg.Child.Env = []string{"MLFORGE_DB=" + cfg.DB}
		}
	} else if n := int64(mf.maxRunMemory); n > 0 {
		// Every run shares this process: the soft limit is what they may
		// use together, with room for the server itself.
		debug.SetMemoryLimit(n*int64(cfg.Workers) + 512<<20)
	}
	return nil
}

// runChild trains the one run its parent server sends on stdin (see
// jobs.ServeChild): progress on stdout as JSON lines; what else would go to
// stdout goes to stderr.
func runChild(e *env, args []string) error {
	fs := newFlags(e, runChildCommand)
	dir := fs.String("data", "", "the server's data folder")
	artURL := fs.String("artifacts", "", "the server's object store of artifacts (default the data folder's)")
	var maxModel, maxRun byteSize
	fs.Var(&maxModel, "max-model-bytes", "model budget")
	fs.Var(&maxRun, "max-run-memory", "run memory budget")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *dir == "" {
		return usageError("--data is required")
	}
	limits := jobs.Limits{MaxModelBytes: int64(maxModel), MaxRunMemory: int64(maxRun)}
	blobs, err := datasets.StoreURL(*dir, *artURL) // the parent's dataset blobs
	if err != nil {
		return err
	}
	if err := datasets.RegisterDataDir(*dir, os.Getenv("MLFORGE_DB"), blobs); err != nil {
		return err
	}
	art, err := server.OpenArtifacts(e.ctx, *artURL, *dir)
	if err != nil {
		return err
	}
	defer art.Close()
	return jobs.ServeChild(e.ctx, e.stdin, e.stdout, server.RunnerWith(*dir, limits, art), childGrace)
}

// byteSize is a flag of a size in bytes: "1073741824", "512MiB", "8GiB",
// "2G" (G, M and K are powers of 1024 too).
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("expected a size such as 512MiB, 8GiB or a number of bytes, got %q", s)
	}
	return int64(v * float64(mult)), nil
}

// machineMemory returns the memory this process may use: the machine's
// (MemTotal) or its control group's limit, whichever is lower; 0 when
// unknown (then the budgets default to no limit).
func machineMemory() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				total = kb << 10
			}
		}
		f.Close()
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
				total = n
			}
		}
	}
	return total
}
