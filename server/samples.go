package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/train"
)

// A GAN run's sample grids (train.SamplesDir in its model directory, one
// PNG per epoch): GET /api/runs/{id}/samples lists them, GET
// /api/runs/{id}/samples/{file} serves one. The process that trained the
// run writes them into its data folder and puts each into the object store
// (runs/<id>/samples/<file>) once its epoch is done; a server whose data
// folder lacks one takes it from there, keeping the download as a cache.

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
	seen := map[string]bool{}
	var names []string
	ents, _ := os.ReadDir(s.samplesDir(run.ID))
	for _, e := range ents {
		if sampleName.MatchString(e.Name()) && e.Type().IsRegular() {
			names = append(names, e.Name())
			seen[e.Name()] = true
		}
	}
	if s.art != nil {
		stored, err := s.art.Samples(r.Context(), run.ID)
		if err != nil {
			return errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "the samples of run %s could not be listed in the object store: %s", run.ID, s.scrubErr(err).Error())
		}
		for _, n := range stored {
			if !seen[n] && sampleName.MatchString(n) {
				names = append(names, n)
			}
		}
	}
	out := []Sample{}
	for _, name := range names {
		n, _ := strconv.Atoi(sampleName.FindStringSubmatch(name)[1])
		out = append(out, Sample{Epoch: n, URL: "/api/runs/" + run.ID + "/samples/" + name})
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
	if dir == train.SamplesDir {
		if err := s.fetchSample(r.Context(), run.ID, name); err != nil {
			return err
		}
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

// fetchSample downloads the run's sample grid name from the object store
// into the data folder when the folder lacks it (a missing object is left
// to the caller's 404).
func (s *Server) fetchSample(ctx context.Context, runID, name string) error {
	if s.art == nil {
		return nil
	}
	dst := filepath.Join(s.samplesDir(runID), name) // name matched sampleName
	if _, err := os.Lstat(dst); err == nil {
		return nil
	}
	err := s.art.GetSample(ctx, runID, name, dst)
	var he *artifacts.HashError
	switch {
	case err == nil, errors.Is(err, artifacts.ErrNotFound):
		return nil
	case errors.As(err, &he):
		s.log.Error("a sample grid in the object store does not match its SHA-256", "run", runID, "key", he.Key)
		return errorf(http.StatusInternalServerError, "corrupt_sample", "the sample %s in the object store does not match its SHA-256", he.Key)
	default:
		return errorf(http.StatusServiceUnavailable, "artifacts_unavailable", "the sample %s of run %s could not be read from the object store: %s", name, runID, s.scrubErr(err).Error())
	}
}
