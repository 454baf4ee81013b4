package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/server/web"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

// routes lists every route of the service in one place. Every request
// first passes the Host check (checkHost); the API routes then pass the
// middleware (origin, token, deadlines), and the page needs the token too
// (a browser without it gets the login page).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f handler) { mux.HandleFunc(pattern, s.middleware(plainRoute, f)) }

	h("POST /api/runs", s.createRun)
	h("POST /api/validate", s.validateSpec)
	h("GET /api/runs", s.listRuns)
	h("GET /api/runs/{id}", s.getRun)
	h("POST /api/runs/{id}/cancel", s.cancelRun)
	h("DELETE /api/runs/{id}", s.deleteRun)
	h("GET /api/runs/{id}/metrics", s.runMetrics)
	h("GET /api/runs/{id}/plots", s.runPlots)
	h("GET /api/runs/{id}/plots/{kind}", s.runPlot)
	// One run's model (runs_model.go).
	h("GET /api/runs/{id}/model", s.runModel)
	h("GET /api/runs/{id}/model/info", s.runModelInfo)
	h("GET /api/runs/{id}/samples", s.runSamples)       // a GAN's sample grids (samples.go)
	h("GET /api/runs/{id}/samples/{file}", s.runSample) // one of them, image/png
	// An IDX run's misclassified test image, image/png (samples.go).
	h("GET /api/runs/{id}/misclassified/{file}", s.runMisclassified)
	h("POST /api/runs/{id}/predict", s.runPredict)
	mux.HandleFunc("GET /api/runs/{id}/events", s.middleware(streamRoute, s.runEvents))
	// The runs table: columns, rename and note, tags, bulk delete
	// (runs_table.go; GET /api/runs sorts, filters and pages there).
	h("GET /api/runs/columns", s.runColumns)
	h("PATCH /api/runs/{id}", s.patchRun)
	h("PUT /api/runs/{id}/tags/{key}", s.putRunTag)
	h("DELETE /api/runs/{id}/tags/{key}", s.deleteRunTag)
	h("POST /api/runs/delete", s.deleteRuns)

	h("GET /api/models", s.listModels)
	h("GET /api/models/{name}", s.downloadModel)
	h("POST /api/models/{name}/predict", s.predict)

	// Data files (upload and list) and the web page at "/".
	mux.HandleFunc("POST /api/files", s.middleware(uploadRoute, s.uploadFile))
	h("GET /api/files", s.listFiles)
	h("GET /api/files/preview", s.previewFile)     // server/preview.go
	h("GET /api/files/samples", s.fileSamples)     // server/preview.go
	h("GET /api/files/thumbnail", s.fileThumbnail) // server/preview.go
	mux.Handle("/", s.page(web.Handler()))
	h("POST /api/session", s.createSession)
	h("DELETE /api/session", s.deleteSession)

	// Datasets (server/datasets.go).
	d := s.datasets()
	s.ds = d
	h("POST /api/datasets", d.handle(d.create))
	h("GET /api/datasets", d.handle(d.list))
	h("GET /api/datasets/{name}", d.handle(d.get))
	h("DELETE /api/datasets/{name}", d.handle(d.remove))
	h("GET /api/datasets/{name}/items", d.handle(d.items))
	h("GET /api/datasets/{name}/items/{id}", d.handle(d.item))
	h("GET /api/datasets/{name}/items/{id}/image", d.handle(d.image))
	h("GET /api/datasets/{name}/items/{id}/thumbnail", d.handle(d.thumbnail)) // server/thumbnail.go
	h("DELETE /api/datasets/{name}/items/{id}", d.handle(d.deleteItem))
	h("POST /api/datasets/{name}/items/{id}/label", d.handle(d.relabel))
	mux.HandleFunc("POST /api/datasets/{name}/import", s.middleware(uploadRoute, d.handle(d.importArchive)))
	h("POST /api/datasets/{name}/collect", d.handle(s.collectRoute(d))) // a background run (server/collect.go)
	mux.HandleFunc("GET /api/datasets/{name}/export", s.middleware(uploadRoute, d.handle(d.export)))
	h("GET /api/datasets/{name}/sample", d.handle(d.sample))
	// Testing a run's model on stored images (server/evaluate.go).
	mux.HandleFunc("POST /api/runs/{id}/evaluate", s.middleware(uploadRoute, d.handle(d.evaluate)))
	h("GET /api/runs/{id}/evaluations", s.evaluations)
	h("GET /api/fsck", d.handle(d.fsck))
	h("POST /api/fsck", d.handle(d.fsck))

	h("GET /api/classes", s.classes)
	h("GET /api/health", s.health)
	h("GET /metrics", s.serveMetrics)
	// The model registry (registry.go).
	h("GET /api/models/{name}/versions", s.modelVersions)
	h("GET /api/models/{name}/aliases", s.listAliases)
	h("POST /api/models/{name}/aliases/{alias}", s.setAlias)
	h("DELETE /api/models/{name}/aliases/{alias}", s.deleteAlias)
	h("/api/", func(w http.ResponseWriter, r *http.Request) error {
		// No pattern matched this method and path: say 405 if the path
		// exists with other methods, 404 otherwise, in the API's format.
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
		}
		return errorf(http.StatusNotFound, "not_found", "no route %s %s", r.Method, r.URL.Path)
	})
	return s.instrument(mux, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkHost(r); err != nil {
			writeError(w, err)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// namePattern is what run and model names must match.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func validName(name string) bool {
	return namePattern.MatchString(name) && name != "." && name != ".."
}

// readBody reads a JSON body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "expected Content-Type application/json, got %q", ct)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "request body exceeds %d bytes", limit)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil, errorf(http.StatusRequestTimeout, "timeout", "the body was not sent in time")
	}
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "bad_request", "reading the body: %v", err)
	}
	return b, nil
}

// specError turns spec errors into a 400 naming the first field, with every
// problem listed in details.
func specError(err error) error {
	var list spec.Errors
	var fe *spec.FieldError
	switch {
	case errors.As(err, &list) && len(list) > 0:
	case errors.As(err, &fe):
		list = spec.Errors{fe}
	default:
		if event.IsBadInput(err) {
			return &apiError{Status: http.StatusBadRequest, Code: "invalid_spec", Message: err.Error()}
		}
		return err
	}
	return &specErrors{list: list}
}

type specErrors struct{ list spec.Errors }

func (e *specErrors) Error() string { return e.list.Error() }

// runID reads and checks the {id} path value.
func runID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !store.ValidID(id) {
		return "", errorf(http.StatusBadRequest, "bad_id", "%q is not a run id (21 lowercase hex digits)", text.Abbrev(id))
	}
	return id, nil
}

func (s *Server) createRun(w http.ResponseWriter, r *http.Request) error {
	plan, err := s.checkSpec(w, r)
	if err != nil {
		return err
	}
	sp := plan.Spec()
	if sp.Collect != nil && !s.cfg.APIOnly && os.Getenv("SERPAPI_KEY") == "" {
		return &apiError{Status: http.StatusBadRequest, Code: "no_search_key", Field: "collect",
			Message: "the spec's collect step needs this server's SerpApi key: start it with mlforge serve --serpapi-key KEY (or SERPAPI_KEY)"}
	}
	canon, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	run := &store.Run{ID: store.NewID(), Name: sp.Name, Class: runClass(sp), Spec: canon}
	// The run's row and its job in one transaction (jobs.Manager.Create).
	if err := s.jobs.Create(r.Context(), run); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/runs/"+run.ID)
	writeJSON(w, http.StatusAccepted, api.Created{ID: run.ID, Name: run.Name, Status: run.Status})
	return nil
}

// validateSpec checks a spec without starting a run: 200 with
// {"valid": true} or 400 with the problems, each naming its field.
func (s *Server) validateSpec(w http.ResponseWriter, r *http.Request) error {
	plan, err := s.checkSpec(w, r)
	if err != nil {
		return err
	}
	out, err := plan.Validation()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// checkSpec reads, parses and checks the spec in the request's body (for
// POST /api/validate and POST /api/runs) with train.Check, the check a run
// makes, under the budgets the server was started with (RunLimits). At most Limits.Validate run
// at once, the others are answered 429; a request whose client goes away
// or whose deadline passes is answered no further.
func (s *Server) checkSpec(w http.ResponseWriter, r *http.Request) (*train.Plan, error) {
	release, err := s.validateSlots.acquire(w)
	if err != nil {
		return nil, err
	}
	body, err := readBody(w, r, MaxSpecBody)
	if err != nil {
		release()
		return nil, err
	}
	type result struct {
		plan *train.Plan
		err  error
	}
	done := make(chan result, 1)
	// The slot is given back when validation ends, not when the client
	// goes: abandoned work still counts against the limit.
	go func() {
		defer release()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("validate panic", "panic", p)
				done <- result{nil, errorf(http.StatusInternalServerError, "internal", "internal error")}
			}
		}()
		var plan *train.Plan
		sp, err := spec.Parse(body)
		if err == nil {
			err = s.fetchSpecUploads(r.Context(), sp)
		}
		if err == nil {
			plan, err = train.Check(sp, train.Options{Root: s.filesDir, Restrict: true, Limits: s.cfg.RunLimits.Budget()})
		}
		done <- result{plan, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return nil, specError(res.err)
		}
		return res.plan, nil
	case <-r.Context().Done():
		return nil, errorf(http.StatusServiceUnavailable, "timeout", "validation did not finish in time (or the client went away): %v", context.Cause(r.Context()))
	}
}

func runClass(sp *spec.Spec) string {
	switch {
	case sp.IsAutoencoder():
		return "Autoencoder"
	case sp.IsGAN():
		return "GAN"
	case sp.Model.Class != "":
		return sp.Model.Class
	}
	return "Sequential"
}

// view is a run as the API shows it; full keeps its spec and result.
func view(run *store.Run, full bool) api.Run {
	v := api.Run{ID: run.ID, Name: run.Name, Status: run.Status, Class: run.Class, Error: run.Error,
		Attempt: run.Attempt, CancelRequested: run.CancelRequested, CreatedAt: run.CreatedAt,
		StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, HeartbeatAt: run.HeartbeatAt}
	if full {
		v.Spec, v.Result = run.Spec, run.Result
	}
	var sp struct {
		Data struct {
			Train json.RawMessage `json:"train"`
		} `json:"data"`
		Model struct {
			Params json.RawMessage `json:"params"`
		} `json:"model"`
	}
	if json.Unmarshal(run.Spec, &sp) == nil {
		v.Params = sp.Model.Params
		_ = json.Unmarshal(sp.Data.Train, &v.Dataset) // a string, or nothing
	}
	v.Note, v.Tags = run.Note, run.Tags
	if run.ParentID != "" {
		i := run.ChildIndex
		v.ParentID, v.ChildIndex = run.ParentID, &i
	}
	var res struct {
		Metrics map[string]map[string]*float64 `json:"metrics"` // null: not finite
	}
	if run.Result != nil && json.Unmarshal(run.Result, &res) == nil && res.Metrics["test"] != nil {
		v.Metrics = map[string]float64{}
		for k, x := range res.Metrics["test"] {
			if x != nil {
				v.Metrics[k] = *x
			}
		}
	}
	if run.StartedAt != nil {
		end := time.Now()
		if run.FinishedAt != nil {
			end = *run.FinishedAt
		}
		d := end.Sub(*run.StartedAt).Seconds()
		v.DurationS = &d
	}
	return v
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	o := store.ListOptions{Status: store.Status(q.Get("status")), Name: q.Get("name"), Before: q.Get("before"), Parent: q.Get("parent")}
	if o.Parent != "" && !store.ValidID(o.Parent) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "parent", Message: "parent must be a run id"}
	}
	switch o.Status {
	case "", store.Queued, store.Running, store.Succeeded, store.Failed, store.Cancelled:
	default:
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "status", Message: fmt.Sprintf("unknown status %q: expected queued, running, succeeded, failed or cancelled", text.Abbrev(string(o.Status)))}
	}
	if o.Name != "" && !validName(o.Name) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "name", Message: "names match [A-Za-z0-9._-]{1,64}"}
	}
	if o.Before != "" && !store.ValidID(o.Before) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "before", Message: "before must be a run id"}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "limit", Message: "limit must be an integer from 1 to 500"}
		}
		o.Limit = n
	}
	if o.Before == "" {
		return s.listRunsTable(w, r, o) // runs_table.go
	}
	runs, err := s.store.ListRuns(r.Context(), o)
	if err != nil {
		return err
	}
	out := api.RunList{Runs: make([]api.Run, len(runs))}
	for i, run := range runs {
		out.Runs[i] = view(run, false)
	}
	if limit := max(o.Limit, 50*boolInt(o.Limit == 0)); len(runs) == limit {
		out.Next = &runs[len(runs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Server) loadRun(r *http.Request) (*store.Run, error) {
	id, err := runID(r)
	if err != nil {
		return nil, err
	}
	run, err := s.store.GetRun(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(http.StatusNotFound, "not_found", "no run %s", id)
	}
	return run, err
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	v := view(run, true)
	if err := s.withChildren(r.Context(), &v); err != nil { // a sweep's (sweeps.go)
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	if run.Status.Done() {
		return errorf(http.StatusConflict, "conflict", "run %s has already %s", run.ID, run.Status)
	}
	run, err = s.jobs.Cancel(r.Context(), run.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, view(run, false))
	return nil
}

func (s *Server) deleteRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	if !run.Status.Done() {
		return errorf(http.StatusConflict, "conflict", "run %s is %s: cancel it first", run.ID, run.Status)
	}
	if run.ParentID != "" { // a sweep's child goes with its parent (sweeps.go)
		if p, err := s.store.GetRun(r.Context(), run.ParentID); err == nil && !p.Status.Done() {
			return errorf(http.StatusConflict, "conflict", "run %s is a trial of sweep %s, which is %s: its parent gathers it; cancel the sweep first", run.ID, p.ID, p.Status)
		}
	}
	if err := s.store.DeleteRun(r.Context(), run.ID); err != nil {
		return err
	}
	s.models.delete(run.ID)
	s.modelNames.Delete(run.Name)
	if err := s.deleteArtifacts(r.Context(), run.ID); err != nil {
		return err
	}
	// The directory name comes from the validated, server-made id.
	if err := os.RemoveAll(filepath.Join(s.cfg.DataDir, jobs.ModelDir(run.ID))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) runMetrics(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	pts, err := s.store.Points(r.Context(), run.ID)
	if err != nil {
		return err
	}
	out := api.Metrics{RunID: run.ID, Status: run.Status, Series: map[string][]api.Point{}}
	for _, p := range pts {
		out.Series[p.Series] = append(out.Series[p.Series], api.Point{Step: p.Step, Epoch: p.Epoch, Value: p.Value, T: p.Time.UnixMilli()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// classes is GET /api/classes: the catalogues of train.ClassicCatalogue
// and extraClasses.
func (s *Server) classes(w http.ResponseWriter, r *http.Request) error {
	out := train.ClassicCatalogue()
	for k, v := range extraClasses() {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// extraClasses lets other parts of the binary (the neural-network layers,
// losses, optimizers and transforms) add their catalogues to /api/classes.
var extraClasses = func() map[string]any { return nil }

// modelForName returns the run that ref names (a model name, name@alias
// or name@run_id: see resolveModel) and its model.
func (s *Server) modelForName(r *http.Request, ref string) (*store.Run, *model.Model, error) {
	run, err := s.resolveModel(r.Context(), ref)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.modelForRun(r.Context(), run)
	if err != nil {
		return nil, nil, err
	}
	return run, m, nil
}

type cachedName struct {
	run *store.Run
	at  time.Time
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	runs, err := s.store.ListRuns(r.Context(), store.ListOptions{Status: store.Succeeded, Limit: 500})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var out api.ModelList
	for _, run := range runs {
		if seen[run.Name] || run.Class == CollectClass {
			continue
		}
		seen[run.Name] = true
		out.Models = append(out.Models, api.Model{Name: run.Name, RunID: run.ID, Class: run.Class, CreatedAt: run.CreatedAt,
			Metrics: view(run, false).Metrics, Download: "/api/models/" + run.Name, Predict: "/api/models/" + run.Name + "/predict"})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) downloadModel(w http.ResponseWriter, r *http.Request) error {
	run, err := s.resolveModel(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	p, err := s.runModelPath(r.Context(), run)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "the model file of run %s is missing", run.ID)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.safetensors"`, run.Name))
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}

// predict is POST /api/models/{name}/predict (the body is described by
// api.PredictRequest). At most Limits.Predict run at once, the others are
// answered 429; the body is decoded as a stream against the row, image,
// pixel and byte limits (predict.go), and the work stops when the client
// goes away.
func (s *Server) predict(w http.ResponseWriter, r *http.Request) error {
	defer s.timePredict()()
	release, err := s.predictSlots.acquire(w)
	if err != nil {
		return err
	}
	defer release()
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "expected Content-Type application/json, got %q", text.Abbrev(ct))
	}
	run, m, err := s.modelForName(r, r.PathValue("name"))
	if err != nil {
		return err
	}
	in, err := decodePredict(http.MaxBytesReader(w, r.Body, MaxPredictBody), m, s.limits.PredictPixels)
	if err != nil {
		return err
	}
	p, err := predictInputs(r.Context(), m, in)
	if err != nil {
		return err
	}
	out := api.PredictResponse{Model: run.Name, RunID: run.ID, Predictions: p.labels}
	switch {
	case p.rows != nil:
		out.Predictions = p.rows
	case !m.IsClassifier():
		out.Predictions = p.values
	}
	if p.proba != nil {
		out.Probabilities = p.proba
		out.Classes = m.ClassLabels()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
