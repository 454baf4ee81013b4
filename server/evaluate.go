package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

// Testing a run's model on random stored images (POST
// /api/runs/{id}/evaluate), the evaluations recorded on the run, and the
// random draw of a dataset that mlforge eval scores a local model on (GET
// /api/datasets/{name}/sample).

// evaluate is POST /api/runs/{id}/evaluate (api.EvaluateRequest): the
// model of a succeeded run tested on Limit random stored images of each
// label of a dataset, read and predicted a batch at a time; the answer
// (api.Evaluation) is recorded on the run.
func (d *datasetRoutes) evaluate(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	release, err := d.s.predictSlots.acquire(w)
	if err != nil {
		return err
	}
	defer release()
	run, err := d.s.loadRun(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, 4<<10)
	if err != nil {
		return err
	}
	var req api.EvaluateRequest
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badRequest(`the body is not {"data": "dataset:NAME", "limit": N, "seed": S}: %v`, err)
	}
	name, labels, ok := datasets.ParseSource(req.Data)
	if !ok {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "data",
			Message: fmt.Sprintf(`data %s: expected a stored dataset, "dataset:NAME" or "dataset:NAME:LABEL,LABEL"`, text.Quote(text.Abbrev(req.Data)))}
	}
	if req.Limit < 0 || req.Limit > datasets.MaxSampleLimit {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "limit",
			Message: fmt.Sprintf("limit %d: expected 1 to %d images per label", req.Limit, datasets.MaxSampleLimit)}
	}
	m, err := d.s.modelForRun(run)
	if err != nil {
		return err
	}
	seed := rand.Uint64N(1 << 31)
	if req.Seed != nil {
		seed = *req.Seed
	}
	sample, err := svc.Sample(r.Context(), name, labels, req.Limit, seed)
	if err != nil {
		return err
	}
	ev, err := train.EvalImages(r.Context(), m, storedSet(svc, sample))
	if err != nil {
		if event.IsBadInput(err) {
			return badRequest("%v", err)
		}
		return err
	}
	ev.ID, ev.RunID, ev.Data, ev.CreatedAt = store.NewID(), run.ID, req.Data, time.Now().UTC()
	ev.Manifest, ev.Limit, ev.Seed = sample.Manifest, sample.Limit, sample.Seed
	res, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := d.s.store.AddEvaluation(r.Context(), &store.Evaluation{ID: ev.ID, RunID: run.ID, Data: req.Data, Result: res, CreatedAt: ev.CreatedAt}); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/runs/"+run.ID+"/evaluations")
	writeJSON(w, http.StatusOK, ev)
	return nil
}

// storedSet is the evaluation set of a sample, its images read from the
// blob store when scored.
func storedSet(svc *datasets.Service, s *datasets.Sample) train.EvalSet {
	set := train.EvalSet{Labels: make([]api.EvalLabel, len(s.Labels))}
	for k, l := range s.Labels {
		set.Labels[k] = api.EvalLabel{Label: l.Label, Stored: l.Stored, Sampled: len(l.Items)}
	}
	set.Read = func(ctx context.Context, k, i int) (string, []byte, error) {
		it := s.Labels[k].Items[i]
		name := s.Labels[k].Label + "/" + it.ID
		rc, err := svc.Open(ctx, it)
		if err != nil {
			return name, nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, it.Bytes+1))
		if err == nil && int64(len(b)) != it.Bytes {
			err = fmt.Errorf("datasets: item %s has %d bytes stored, its row says %d (run mlforge datasets fsck)", it.ID, len(b), it.Bytes)
		}
		return name, b, err
	}
	return set
}

// evaluations is GET /api/runs/{id}/evaluations (api.EvaluationList).
func (s *Server) evaluations(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	list, err := s.store.Evaluations(r.Context(), run.ID)
	if err != nil {
		return err
	}
	out := api.EvaluationList{Evaluations: make([]api.Evaluation, 0, len(list))}
	for _, e := range list {
		var ev api.Evaluation
		if err := json.Unmarshal(e.Result, &ev); err != nil {
			return fmt.Errorf("evaluation %s of run %s: %w", e.ID, run.ID, err)
		}
		out.Evaluations = append(out.Evaluations, ev)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// SampleAnswer is the answer of GET /api/datasets/{name}/sample: a random
// draw of at most Limit items per label, which mlforge eval fetches and
// scores a local model on.
type SampleAnswer struct {
	Dataset  string        `json:"dataset"`
	Limit    int           `json:"limit"`
	Seed     uint64        `json:"seed"`
	Manifest string        `json:"manifest"`
	Labels   []SampleLabel `json:"labels"`
}

// SampleLabel is the draw of one label.
type SampleLabel struct {
	Label  string        `json:"label"`
	Stored int           `json:"stored"`
	Items  []*store.Item `json:"items"`
}

// sample is GET /api/datasets/{name}/sample?limit=N&seed=S&label=L: a
// random draw (datasets.Service.Sample) of each label (only those given).
func (d *datasetRoutes) sample(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > datasets.MaxSampleLimit {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "limit", Message: fmt.Sprintf("limit %s: expected a whole number from 1 to %d", text.Quote(text.Abbrev(v)), datasets.MaxSampleLimit)}
		}
		limit = n
	}
	seed := rand.Uint64N(1 << 31)
	if v := q.Get("seed"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "seed", Message: fmt.Sprintf("seed %s: expected a whole number from 0", text.Quote(text.Abbrev(v)))}
		}
		seed = n
	}
	s, err := svc.Sample(r.Context(), r.PathValue("name"), q["label"], limit, seed)
	if err != nil {
		return err
	}
	out := SampleAnswer{Dataset: s.Dataset, Limit: s.Limit, Seed: s.Seed, Manifest: s.Manifest, Labels: make([]SampleLabel, len(s.Labels))}
	for i, l := range s.Labels {
		out.Labels[i] = SampleLabel{Label: l.Label, Stored: l.Stored, Items: l.Items}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
