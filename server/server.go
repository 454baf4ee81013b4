// Package server is mlforge's training service: an HTTP API (all routes in
// routes.go) over the run store and the background job manager, with
// server-sent events for live progress. The CLI's `serve` command starts it
// and its `runs` commands are clients of the same API.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/collect"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

// Limits on request bodies.
const (
	MaxSpecBody    = spec.MaxSize
	MaxPredictBody = 16 << 20
)

// Config configures a Server.
type Config struct {
	// Addr is the listen address (default 127.0.0.1:8080).
	Addr string
	// DataDir holds the SQLite store, the run artifacts and the user files
	// that specs may name (DataDir/files). Created if missing.
	DataDir string
	// DB is a postgres:// URL to keep runs and the queue in PostgreSQL; empty
	// means DataDir/mlforge.db.
	DB string
	// Artifacts is the object store of run models and checkpoints
	// (file:///dir, s3://bucket/prefix?region=...&endpoint=..., mem://);
	// empty means file://<DataDir>/artifacts. See server/artifacts.go.
	// When set, the dataset images live there too, under datasets/
	// (datasets.StoreURL); when empty, in file://<DataDir>/blobs.
	Artifacts string
	// Token is the API token. When the server listens on a non-loopback
	// address and Token is empty, one is generated (and kept in
	// DataDir/token) so that no route is ever open.
	Token string
	// Workers is how many runs train at once.
	Workers int
	// APIOnly makes a server that queues runs but trains none (serve
	// --workers 0): `mlforge worker` processes on the same PostgreSQL
	// database train them. SQLite is refused (one process only).
	APIOnly bool
	// Child, when set, trains each run in a child process (the CLI's serve
	// re-executes mlforge); otherwise runs train in this process.
	Child *jobs.Child
	// Limits are the memory budgets of a run; MaxAttempts is how many
	// attempts of a run may die with the server (see jobs.Config).
	RunLimits   jobs.Limits
	MaxAttempts int
	Logger      *slog.Logger
	// Limits bound requests in time and the heavy ones in number.
	Limits Limits
	// ModelCacheBytes bounds the models kept loaded for predict (sizes of
	// their files; default DefaultModelCacheBytes), least recently used
	// evicted first.
	ModelCacheBytes int64
	// TrustedOrigins are origins (scheme://host[:port]) besides the
	// server's own whose pages may send requests that change something,
	// such as the public origin of a reverse proxy that terminates TLS.
	TrustedOrigins []string
}

// SQLiteOneProcess is the refusal of a split of roles on SQLite.
const SQLiteOneProcess = "an API-only server (--workers 0) and `mlforge worker` need a PostgreSQL database shared by every process (--db postgres://...): SQLite is for one process that serves and trains"

// Server is the training service.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	jobs     *jobs.Manager
	filesDir string
	token    string
	limits   Limits
	cop      *http.CrossOriginProtection
	trusted  map[string]bool
	paths    pathScrubber
	// predictSlots and validateSlots limit the predict and validate
	// requests that run at once.
	predictSlots, validateSlots *slots
	// TokenGenerated is true when this start generated the token (the CLI
	// prints it once).
	TokenGenerated bool

	ds         *datasetRoutes // the dataset service, opened at its first use
	hk         *housekeeper   // the sweeps of what crashes leave (housekeeping.go)
	models     *modelCache    // run ID → loaded model, for predict (LRU by bytes)
	art        *artifacts.Store
	verified   sync.Map // run ID → the SHA-256 its local model file was checked to have
	metrics    *svcMetrics
	modelNames sync.Map // model name → cachedName
	handler    http.Handler
	httpSrv    *http.Server
	listener   net.Listener
}

// New opens the store and the job manager and builds the routes. It does
// not listen yet; call Serve.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "mlforge-data"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Token != "" {
		if err := checkToken(cfg.Token, cfg.Addr); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, filesDir: filepath.Join(cfg.DataDir, "files"), limits: cfg.Limits.withDefaults(),
		models: newModelCache(cfg.ModelCacheBytes), metrics: newMetrics()}
	s.predictSlots = newSlots("predict", s.limits.Predict)
	s.validateSlots = newSlots("validate", s.limits.Validate)
	var err error
	if s.cop, s.trusted, err = newCrossOrigin(cfg.TrustedOrigins); err != nil {
		return nil, err
	}
	for _, d := range []string{cfg.DataDir, s.filesDir, filepath.Join(cfg.DataDir, "runs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	s.paths = newPathScrubber(cfg.DataDir, s.filesDir)
	if err := s.setupToken(); err != nil {
		return nil, err
	}
	db := cfg.DB
	if db == "" {
		db = filepath.Join(cfg.DataDir, "mlforge.db")
	}
	if cfg.APIOnly && !store.IsPostgres(db) {
		return nil, errors.New(SQLiteOneProcess)
	}
	if s.art, err = OpenArtifacts(ctx, cfg.Artifacts, cfg.DataDir); err != nil {
		return nil, err
	}
	if cfg.APIOnly {
		warnLocalArtifacts(cfg)
	}
	if s.store, err = store.Open(ctx, db); err != nil {
		s.art.Close()
		return nil, err
	}
	s.jobs, err = jobs.New(ctx, jobs.Config{Store: s.store, DB: db, Workers: cfg.Workers, InsertOnly: cfg.APIOnly, Runner: RunnerWith(cfg.DataDir, cfg.RunLimits, s.art),
		Fanout: sweepFanout(cfg.DataDir, cfg.RunLimits, s.art), Child: cfg.Child, Limits: cfg.RunLimits, MaxAttempts: cfg.MaxAttempts, Logger: cfg.Logger})
	if err != nil {
		s.store.Close()
		s.art.Close()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the HTTP handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Token returns the API token ("" when none is required).
func (s *Server) Token() string { return s.token }

// Store returns the run store.
func (s *Server) Store() *store.Store { return s.store }

// Start starts the background workers (recovering runs a previous process
// left unfinished).
func (s *Server) Start(ctx context.Context) error {
	if err := s.jobs.Start(ctx); err != nil {
		return err
	}
	var svc func(context.Context) (*datasets.Service, error)
	if s.ds != nil {
		svc = s.ds.service
	}
	s.hk = startHousekeeping(s.log, s.cfg.DataDir, svc)
	return nil
}

// Listen binds the configured address.
func (s *Server) Listen() (net.Addr, error) {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	s.listener = l
	return l.Addr(), nil
}

// Serve serves HTTP on the listener from Listen until Shutdown.
func (s *Server) Serve() error {
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		WriteTimeout:      s.limits.WriteTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	err := s.httpSrv.Serve(s.listener)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, stops the workers (interrupted runs
// resume at the next start) and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.httpSrv != nil {
		errs = append(errs, s.httpSrv.Shutdown(ctx))
	}
	s.hk.stop()
	errs = append(errs, s.jobs.Stop(ctx), s.store.Close(), s.art.Close())
	return errors.Join(errs...)
}

// setupToken decides whether the API needs a token and which.
func (s *Server) setupToken() error {
	if s.cfg.Token != "" {
		s.token = s.cfg.Token
		return nil
	}
	if loopback(s.cfg.Addr) {
		return nil
	}
	path := filepath.Join(s.cfg.DataDir, "token")
	if b, err := os.ReadFile(path); err == nil {
		if tok := strings.TrimSpace(string(b)); checkToken(tok, s.cfg.Addr) == nil {
			s.token = tok
			return nil
		}
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	s.token = hex.EncodeToString(b[:])
	s.TokenGenerated = true
	return os.WriteFile(path, []byte(s.token+"\n"), 0o600)
}

// apiError is the JSON error body: {"error": {"code", "message", "field"}}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	var se *specErrors
	if errors.As(err, &se) {
		e := api.Error{Code: "invalid_spec", Message: se.Error(), Field: se.list[0].Path, Details: make([]api.Detail, len(se.list))}
		for i, fe := range se.list {
			e.Details[i] = api.Detail{Field: fe.Path, Message: fe.Msg}
		}
		writeJSON(w, http.StatusBadRequest, api.ErrorBody{Error: e})
		return
	}
	if !errors.As(err, &ae) {
		ae = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: err.Error()}
	}
	writeJSON(w, ae.Status, api.ErrorBody{Error: api.Error{Code: ae.Code, Message: ae.Message, Field: ae.Field}})
}

// handler adapts a function that returns an error to http.HandlerFunc.
type handler func(w http.ResponseWriter, r *http.Request) error

// middleware wraps every API route: panics become 500s, the request
// must come from this server's origin if it changes something and must
// carry the token, its time is bounded by kind, responses are never
// cached, and error messages name files relative to the data folder.
func (s *Server) middleware(kind routeKind, next handler) http.HandlerFunc {
	src := headerOrCookie
	if kind == streamRoute {
		src = orQuery
	}
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("handler panic", "path", r.URL.Path, "panic", p)
				writeError(w, errorf(http.StatusInternalServerError, "internal", "internal error"))
			}
		}()
		if err := s.crossOrigin(r); err != nil {
			writeError(w, err)
			return
		}
		if !s.authorized(r, src) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mlforge"`)
			writeError(w, errorf(http.StatusUnauthorized, "unauthorized", "missing or wrong API token: send Authorization: Bearer <token>"))
			return
		}
		r, cancel := s.bound(w, r, kind)
		defer cancel()
		w.Header().Set("Cache-Control", "no-store")
		if err := next(w, r); err != nil {
			s.writeError(w, err)
		}
	}
}

// trainResult is what the service stores as a run's result.
type trainResult struct {
	*train.Result
	ModelFile string   `json:"model_file"`
	Task      string   `json:"task"`
	Class     string   `json:"class"`
	Steps     []string `json:"steps,omitempty"`
	NTrain    int      `json:"n_train"`
	NTest     int      `json:"n_test"`
	Features  []string `json:"features"`
	Labels    []string `json:"labels,omitempty"`
	Confusion [][]int  `json:"confusion_matrix,omitempty"`
	// TestCurves and Importances feed the roc, pr and importances plots.
	TestCurves  *train.TestCurves  `json:"test_curves,omitempty"`
	Importances *train.Importances `json:"importances,omitempty"`
	// Embedding, Dendrogram and Boundary feed the embedding, dendrogram
	// and boundary plots.
	Embedding  *train.Embedding  `json:"embedding,omitempty"`
	Dendrogram *train.Dendrogram `json:"dendrogram,omitempty"`
	Boundary   *train.Boundary   `json:"boundary,omitempty"`
	// Misclassified are test images the classifier got wrong (image
	// folders, stored datasets, IDX images; at most
	// train.MaxMisclassified), for the run page's gallery.
	Misclassified *train.Misclassified `json:"misclassified,omitempty"`
	// ModelSHA256, ModelKey and ModelSize describe the model's copy in the
	// object store (server/artifacts.go); empty when there is none.
	ModelSHA256 string `json:"model_sha256,omitempty"`
	ModelKey    string `json:"model_key,omitempty"`
	ModelSize   int64  `json:"model_size,omitempty"`
	// Collected is what the spec's collect step collected, per label.
	Collected *collect.Summary `json:"collected,omitempty"`
}

// Runner returns the jobs.Runner of the data folder dataDir: it trains a
// run's spec inside dataDir/files and writes the model under runs/<id>. A
// child process (jobs.ServeChild) runs the same function. RunnerWith also
// puts the model and checkpoints into an object store.
func Runner(dataDir string, limits jobs.Limits) jobs.Runner { return RunnerWith(dataDir, limits, nil) }

func runRun(ctx context.Context, dataDir string, limits jobs.Limits, art *artifacts.Store, run *store.Run, rec jobs.Progress) (json.RawMessage, error) {
	if run.Class == CollectClass {
		return runCollection(ctx, dataDir, run, rec)
	}
	sp, err := spec.Parse(run.Spec)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Abs(filepath.Join(dataDir, "files"))
	if err != nil {
		return nil, err
	}
	if run.ParentID != "" { // a sweep's trial (sweeps.go)
		return runTrial(ctx, dataDir, limits, art, run, sp, files, rec)
	}
	var trials []train.TrialOutcome
	if run.Trials != nil { // a sweep's parent gathering its trials
		trials = trialOutcomes(run.Trials)
	}
	var collected *collect.Summary
	if sp.Collect != nil { // the spec's collect step, before the training
		if collected, err = collectStep(ctx, dataDir, sp, rec); err != nil {
			return nil, err
		}
	}
	// A run restarted after a crash (attempt > 0) continues a network from
	// the checkpoint its first attempt left in the model directory, or in
	// the object store when it trained elsewhere.
	// The uploads the spec reads, from the object store when another
	// server took them.
	if err := fetchUploads(ctx, art, files, sp); err != nil {
		return nil, err
	}
	output := filepath.Join(abs, jobs.ModelDir(run.ID))
	if run.Attempt > 0 {
		fetchCheckpoint(ctx, art, run.ID, output, rec)
	}
	res, err := train.Run(ctx, sp, train.Options{Root: files, Restrict: true, Output: output, Reporter: syncCheckpoints(ctx, art, run.ID, output, rec),
		Resume: run.Attempt > 0, Limits: limits.Budget(), Trials: trials})
	if err != nil {
		s := &Server{paths: newPathScrubber(dataDir, files)}
		return nil, s.scrubErr(err)
	}
	final := map[string]float64{}
	for k, v := range res.Metrics["test"] {
		final["test_"+k] = v
	}
	rec.Metrics(final, 0)
	out := trainResult{Result: res, ModelFile: model.FileName, Task: string(res.Task), Class: res.Class, Steps: res.Steps,
		NTrain: res.NTrain, NTest: res.NTest, Features: res.Features, Labels: res.Labels, Confusion: res.Confusion,
		TestCurves: res.TestCurves, Importances: res.Importances, Embedding: res.Embedding, Dendrogram: res.Dendrogram, Boundary: res.Boundary,
		Misclassified: res.Misclassified, Collected: collected}
	out.ModelPath = filepath.ToSlash(jobs.ModelDir(run.ID)) + "/" + model.FileName
	if err := putModel(ctx, art, run.ID, output, &out); err != nil {
		s := &Server{paths: newPathScrubber(dataDir, files)}
		return nil, s.scrubErr(err)
	}
	return json.Marshal(out)
}
