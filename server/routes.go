package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"gonum.org/v1/gonum/mat"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/server/web"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
)

// routes lists every route of the service in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f handler) { mux.HandleFunc(pattern, s.middleware(f)) }

	h("POST /api/runs", s.createRun)
	h("POST /api/validate", s.validateSpec)
	h("GET /api/runs", s.listRuns)
	h("GET /api/runs/{id}", s.getRun)
	h("POST /api/runs/{id}/cancel", s.cancelRun)
	h("DELETE /api/runs/{id}", s.deleteRun)
	h("GET /api/runs/{id}/metrics", s.runMetrics)
	h("GET /api/runs/{id}/events", s.runEvents)

	h("GET /api/models", s.listModels)
	h("GET /api/models/{name}", s.downloadModel)
	h("POST /api/models/{name}/predict", s.predict)

	// Data files (upload and list) and the web page at "/".
	h("POST /api/files", s.uploadFile)
	h("GET /api/files", s.listFiles)
	mux.Handle("/", web.Handler())

	h("GET /api/classes", s.classes)
	h("GET /api/health", func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	})
	h("/api/", func(w http.ResponseWriter, r *http.Request) error {
		// No pattern matched this method and path: say 405 if the path
		// exists with other methods, 404 otherwise, in the API's format.
		var allow []string
		for _, m := range []string{"GET", "POST", "DELETE"} {
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
	return mux
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
		if ml.IsBadInput(err) {
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
		return "", errorf(http.StatusBadRequest, "bad_id", "%q is not a run id (21 lowercase hex digits)", abbrevStr(id))
	}
	return id, nil
}

func abbrevStr(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

func (s *Server) createRun(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, MaxSpecBody)
	if err != nil {
		return err
	}
	sp, err := spec.Parse(body)
	if err != nil {
		return specError(err)
	}
	if err := sp.Validate(spec.Env{Root: s.filesDir, Restrict: true}); err != nil {
		return specError(err)
	}
	canon, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	run := &store.Run{ID: store.NewID(), Name: sp.Name, Class: runClass(sp), Spec: canon}
	if err := s.store.CreateRun(r.Context(), run); err != nil {
		return err
	}
	if err := s.jobs.Enqueue(r.Context(), run); err != nil {
		s.store.FinishRun(r.Context(), run.ID, run.Attempt, store.Failed, nil, "could not queue the run: "+err.Error())
		return err
	}
	w.Header().Set("Location", "/api/runs/"+run.ID)
	writeJSON(w, http.StatusAccepted, map[string]any{"id": run.ID, "name": run.Name, "status": run.Status})
	return nil
}

// validateSpec checks a spec without starting a run: 200 with
// {"valid": true} or 400 with the problems, each naming its field.
func (s *Server) validateSpec(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, MaxSpecBody)
	if err != nil {
		return err
	}
	sp, err := spec.Parse(body)
	if err == nil {
		err = sp.Validate(spec.Env{Root: s.filesDir, Restrict: true})
	}
	if err != nil {
		return specError(err)
	}
	out := map[string]any{"valid": true, "spec": sp}
	for k, v := range describeSpec(sp) {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// describeSpec adds what validation learned about a valid spec (for
// networks: each layer's output shape); other parts of the binary may set it.
var describeSpec = func(*spec.Spec) map[string]any { return nil }

func runClass(sp *spec.Spec) string {
	if sp.Model.Class != "" {
		return sp.Model.Class
	}
	return "Sequential"
}

// runView is a run as the API shows it.
type runView struct {
	*store.Run
	Params    json.RawMessage    `json:"params,omitempty"`
	Metrics   map[string]float64 `json:"metrics,omitempty"`
	DurationS *float64           `json:"duration_s,omitempty"`
}

func view(run *store.Run, full bool) runView {
	v := runView{Run: run}
	var sp struct {
		Model struct {
			Params json.RawMessage `json:"params"`
		} `json:"model"`
	}
	if json.Unmarshal(run.Spec, &sp) == nil {
		v.Params = sp.Model.Params
	}
	var res struct {
		Metrics map[string]map[string]float64 `json:"metrics"`
	}
	if run.Result != nil && json.Unmarshal(run.Result, &res) == nil {
		v.Metrics = res.Metrics["test"]
	}
	if run.StartedAt != nil {
		end := time.Now()
		if run.FinishedAt != nil {
			end = *run.FinishedAt
		}
		d := end.Sub(*run.StartedAt).Seconds()
		v.DurationS = &d
	}
	if !full {
		cp := *run
		cp.Spec, cp.Result = nil, nil
		v.Run = &cp
	}
	return v
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	o := store.ListOptions{Status: store.Status(q.Get("status")), Name: q.Get("name"), Before: q.Get("before")}
	switch o.Status {
	case "", store.Queued, store.Running, store.Succeeded, store.Failed, store.Cancelled:
	default:
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "status", Message: fmt.Sprintf("unknown status %q: expected queued, running, succeeded, failed or cancelled", abbrevStr(string(o.Status)))}
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
	runs, err := s.store.ListRuns(r.Context(), o)
	if err != nil {
		return err
	}
	views := make([]runView, len(runs))
	for i, run := range runs {
		views[i] = view(run, false)
	}
	out := map[string]any{"runs": views, "next": nil}
	if limit := max(o.Limit, 50*boolInt(o.Limit == 0)); len(runs) == limit {
		out["next"] = runs[len(runs)-1].ID
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
	writeJSON(w, http.StatusOK, view(run, true))
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
	if err := s.store.DeleteRun(r.Context(), run.ID); err != nil {
		return err
	}
	s.models.Delete(run.ID)
	s.modelNames.Delete(run.Name)
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
	type point struct {
		Step  int     `json:"step"`
		Epoch int     `json:"epoch"`
		Value float64 `json:"value"`
		Time  int64   `json:"t"`
	}
	series := map[string][]point{}
	for _, p := range pts {
		series[p.Series] = append(series[p.Series], point{p.Step, p.Epoch, p.Value, p.Time.UnixMilli()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"run_id": run.ID, "status": run.Status, "series": series})
	return nil
}

func (s *Server) classes(w http.ResponseWriter, r *http.Request) error {
	type metricInfo struct {
		Name            string  `json:"name"`
		Task            ml.Task `json:"task"`
		NeedsProba      bool    `json:"needs_proba"`
		GreaterIsBetter bool    `json:"greater_is_better"`
		Doc             string  `json:"doc"`
	}
	var ms []metricInfo
	for _, n := range metrics.Names() {
		m, _ := metrics.Lookup(n)
		ms = append(ms, metricInfo{m.Name, m.Task, m.NeedsProba, m.GreaterIsBetter, m.Doc})
	}
	var ds []datasets.Info
	for _, n := range datasets.Names() {
		if info, err := datasets.Describe(n); err == nil {
			ds = append(ds, info)
		}
	}
	out := map[string]any{"estimators": ml.Classes(), "metrics": ms, "datasets": ds}
	for k, v := range extraClasses() {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// extraClasses lets other parts of the binary (the neural-network layers,
// losses, optimizers and transforms) add their catalogues to /api/classes.
var extraClasses = func() map[string]any { return nil }

// modelForName returns the newest succeeded run named name and its model.
func (s *Server) modelForName(r *http.Request, name string) (*store.Run, *model.Model, error) {
	if !validName(name) {
		return nil, nil, &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "name", Message: fmt.Sprintf("%q is not a valid model name: names match [A-Za-z0-9._-]{1,64}", abbrevStr(name))}
	}
	if c, ok := s.modelNames.Load(name); ok && time.Since(c.(cachedName).at) < 2*time.Second {
		if m, ok := s.models.Load(c.(cachedName).run.ID); ok {
			return c.(cachedName).run, m.(*model.Model), nil
		}
	}
	runs, err := s.store.ListRuns(r.Context(), store.ListOptions{Name: name, Status: store.Succeeded, Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	if len(runs) == 0 {
		return nil, nil, errorf(http.StatusNotFound, "not_found", "no trained model named %q", name)
	}
	run := runs[0]
	if m, ok := s.models.Load(run.ID); ok {
		s.modelNames.Store(name, cachedName{run, time.Now()})
		return run, m.(*model.Model), nil
	}
	m, err := model.Load(filepath.Join(s.cfg.DataDir, jobs.ModelDir(run.ID), model.FileName))
	if err != nil {
		return nil, nil, err
	}
	s.models.Store(run.ID, m)
	s.modelNames.Store(name, cachedName{run, time.Now()})
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
	var out []map[string]any
	for _, run := range runs {
		if seen[run.Name] {
			continue
		}
		seen[run.Name] = true
		v := view(run, false)
		out = append(out, map[string]any{"name": run.Name, "run_id": run.ID, "class": run.Class, "created_at": run.CreatedAt, "metrics": v.Metrics,
			"download": "/api/models/" + run.Name, "predict": "/api/models/" + run.Name + "/predict"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": out})
	return nil
}

func (s *Server) downloadModel(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !validName(name) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "name", Message: "names match [A-Za-z0-9._-]{1,64}"}
	}
	runs, err := s.store.ListRuns(r.Context(), store.ListOptions{Name: name, Status: store.Succeeded, Limit: 1})
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return errorf(http.StatusNotFound, "not_found", "no trained model named %q", name)
	}
	f, err := os.Open(filepath.Join(s.cfg.DataDir, jobs.ModelDir(runs[0].ID), model.FileName))
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "the model file of run %s is missing", runs[0].ID)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.safetensors"`, name))
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}

// predictRequest is the body of POST /api/models/{name}/predict: rows as
// objects keyed by column name, or instances as arrays in feature order.
type predictRequest struct {
	Rows      []map[string]float64 `json:"rows"`
	Instances [][]float64          `json:"instances"`
	// Images are base64-encoded PNG, JPEG or GIF files, for networks
	// trained on images.
	Images []string `json:"images"`
	Proba  bool     `json:"proba"`
}

func (s *Server) predict(w http.ResponseWriter, r *http.Request) error {
	run, m, err := s.modelForName(r, r.PathValue("name"))
	if err != nil {
		return err
	}
	body, err := readBody(w, r, MaxPredictBody)
	if err != nil {
		return err
	}
	var req predictRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "body: %v; expected {\"rows\": [{\"column\": number, ...}]} or {\"instances\": [[number, ...]]}", err)
	}
	var p *model.Prediction
	if m.IsNetwork() && m.Net.Manifest.Data != "table" {
		p, err = predictImages(m, &req)
	} else {
		var X *mat.Dense
		if X, err = predictMatrix(m, &req); err != nil {
			return err
		}
		p, err = m.Predict(X, req.Proba)
	}
	if err != nil {
		if ml.IsBadInput(err) {
			return errorf(http.StatusBadRequest, "bad_request", "%v", err)
		}
		return err
	}
	out := map[string]any{"model": run.Name, "run_id": run.ID, "predictions": p.Labels}
	if m.Manifest.Task != ml.Classification {
		out["predictions"] = p.Values
	}
	if p.Proba != nil {
		rows, cols := p.Proba.Dims()
		probs := make([][]float64, rows)
		for i := range probs {
			probs[i] = append([]float64(nil), p.Proba.RawRowView(i)[:cols]...)
		}
		out["probabilities"] = probs
		out["classes"] = m.ClassLabels()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
