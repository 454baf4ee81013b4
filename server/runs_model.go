package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

// The routes of one run's model: its file, what it takes, and predictions
// by that model (not by the newest model of the run's name).

// runModelPath returns the model file of a succeeded run in the data
// folder, taken from the object store when it is not there yet (see
// localModel); any other run is a 404.
func (s *Server) runModelPath(ctx context.Context, run *store.Run) (string, error) {
	return s.localModel(ctx, run)
}

// modelForRun returns the model of a succeeded run, loaded once.
func (s *Server) modelForRun(ctx context.Context, run *store.Run) (*model.Model, error) {
	if run.Status == store.Succeeded {
		if m, ok := s.models.get(run.ID); ok {
			return m, nil
		}
	}
	p, err := s.runModelPath(ctx, run)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, errorf(http.StatusNotFound, "not_found", "the model file of run %s is missing", run.ID)
	}
	m, err := model.LoadLimits(p, s.cfg.RunLimits.Budget())
	if err != nil {
		return nil, err
	}
	s.models.put(run.ID, m, fi.Size())
	return m, nil
}

// runModel is GET /api/runs/{id}/model: the model file of that run, as an
// attachment named after the run and its id.
func (s *Server) runModel(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
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
	// Names match namePattern and ids are hex: nothing to quote.
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.safetensors"`, run.Name, run.ID))
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}

// runModelInfo is GET /api/runs/{id}/model/info (api.RunModel).
func (s *Server) runModelInfo(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	m, err := s.modelForRun(r.Context(), run)
	if err != nil {
		return err
	}
	p, _ := s.runModelPath(r.Context(), run)
	out := api.RunModel{RunID: run.ID, Name: run.Name, Task: string(m.Manifest.Task), Kind: "pipeline", Input: "table",
		Target: m.Manifest.Target, Metrics: view(run, false).Metrics,
		Download: "/api/runs/" + run.ID + "/model", Predict: "/api/runs/" + run.ID + "/predict"}
	if fi, err := os.Stat(p); err == nil {
		out.Size = fi.Size()
	}
	if m.IsClassifier() {
		out.Classes = m.ClassLabels()
	}
	if m.IsNetwork() {
		out.Kind = "network"
		out.InputShape = m.InputShape()
		if m.Net.Manifest.Data != "table" {
			out.Input = "images"
			out.ImageMode = m.Net.Manifest.ImageMode
		}
	}
	if out.Input == "table" {
		out.Features = m.FeatureNames()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// runPredict is POST /api/runs/{id}/predict: as POST
// /api/models/{name}/predict (the same body, limits and answer), by the
// model of that run.
func (s *Server) runPredict(w http.ResponseWriter, r *http.Request) error {
	defer s.timePredict()()
	release, err := s.predictSlots.acquire(w)
	if err != nil {
		return err
	}
	defer release()
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "expected Content-Type application/json, got %q", text.Abbrev(ct))
	}
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	m, err := s.modelForRun(r.Context(), run)
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
	if !m.IsClassifier() {
		out.Predictions = p.values
	}
	if p.proba != nil {
		out.Probabilities = p.proba
		out.Classes = m.ClassLabels()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
