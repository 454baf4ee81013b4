package server

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/train"
)

// A GAN run's sample grids (train.SamplesDir in its model directory, one
// PNG per epoch): GET /api/runs/{id}/samples lists them, GET
// /api/runs/{id}/samples/{file} serves one. They are kept in the data
// folder of the process that trained the run (the object store holds
// models and checkpoints only).

// sampleName is the only file name a sample may have: what
// train.SampleFile makes.
var sampleName = regexp.MustCompile(`^epoch-([0-9]{3,6})\.png$`)

// Sample is one sample grid of a GAN run.
type Sample struct {
	Epoch int    `json:"epoch"`
	URL   string `json:"url"`
}

func (s *Server) samplesDir(runID string) string {
	return filepath.Join(s.cfg.DataDir, jobs.ModelDir(runID), train.SamplesDir)
}

// runSamples is GET /api/runs/{id}/samples: {"samples": [{"epoch", "url"}]}
// in epoch order, empty for a run that has none.
func (s *Server) runSamples(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	out := []Sample{}
	ents, _ := os.ReadDir(s.samplesDir(run.ID))
	for _, e := range ents {
		m := sampleName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		out = append(out, Sample{Epoch: n, URL: "/api/runs/" + run.ID + "/samples/" + e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Epoch < out[j].Epoch })
	writeJSON(w, http.StatusOK, map[string]any{"samples": out})
	return nil
}

// runSample is GET /api/runs/{id}/samples/{file}: one grid as image/png.
func (s *Server) runSample(w http.ResponseWriter, r *http.Request) error {
	return s.serveRunPNG(w, r, train.SamplesDir, sampleName, "sample", "epoch-NNN.png", "no-store")
}

// misclassifiedName is the only file name a misclassified image may have:
// what train.MisclassifiedFile makes.
var misclassifiedName = regexp.MustCompile(`^[0-9]{3,6}\.png$`)

// runMisclassified is GET /api/runs/{id}/misclassified/{file}: the picture
// of a misclassified test image of an IDX run (train.MisclassifiedDir in
// its model directory, the file its result's misclassified item names),
// as image/png. Like a GAN's samples, it is kept in the data folder of
// the process that trained the run.
func (s *Server) runMisclassified(w http.ResponseWriter, r *http.Request) error {
	return s.serveRunPNG(w, r, train.MisclassifiedDir, misclassifiedName, "misclassified image", "NNN.png", "private, max-age=3600")
}

// serveRunPNG serves the PNG {file} of the folder dir of a run's model
// directory, whose name must match pattern (what says what it is, form
// the names it may have).
func (s *Server) serveRunPNG(w http.ResponseWriter, r *http.Request, dir string, pattern *regexp.Regexp, what, form, cache string) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	name := r.PathValue("file")
	if !pattern.MatchString(name) {
		return errorf(http.StatusNotFound, "not_found", "no %s %q: the files are named %s", what, name, form)
	}
	root, err := os.OpenRoot(filepath.Join(s.cfg.DataDir, jobs.ModelDir(run.ID), dir))
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "run %s has no %ss", run.ID, what)
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "run %s has no %s %s", run.ID, what, name)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return errorf(http.StatusNotFound, "not_found", "run %s has no %s %s", run.ID, what, name)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}
