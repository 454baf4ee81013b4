package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/plots"
	"github.com/mlforge/mlforge/store"
)

// The plots of one run (package plots): which kinds it has data for, and
// each as a PNG or SVG image.

// plotSource reads what the run of the request recorded.
func (s *Server) plotSource(r *http.Request) (plots.Source, error) {
	run, err := s.loadRun(r)
	if err != nil {
		return plots.Source{}, err
	}
	return PlotSource(r.Context(), s.store, run)
}

// PlotSource reads what run recorded, its result and metric series, as
// package plots draws them; the server and `mlforge plot` share it.
func PlotSource(ctx context.Context, st *store.Store, run *store.Run) (plots.Source, error) {
	pts, err := st.Points(ctx, run.ID)
	if err != nil {
		return plots.Source{}, err
	}
	src := plots.Source{Name: run.Name, Selection: run.Result, Series: map[string][]api.Point{}}
	for _, p := range pts {
		src.Series[p.Series] = append(src.Series[p.Series], api.Point{Step: p.Step, Epoch: p.Epoch, Value: p.Value, T: p.Time.UnixMilli()})
	}
	return src, nil
}

// runPlots is GET /api/runs/{id}/plots: the kinds the run can be drawn as
// ({"run_id": ..., "kinds": [...]}).
func (s *Server) runPlots(w http.ResponseWriter, r *http.Request) error {
	src, err := s.plotSource(r)
	if err != nil {
		return err
	}
	kinds := plots.Available(src)
	if kinds == nil {
		kinds = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"run_id": r.PathValue("id"), "kinds": kinds})
	return nil
}

// runPlot is GET /api/runs/{id}/plots/{kind}?format=png|svg&width=&height=
// (and normalize=true|pred|all for the confusion kind).
func (s *Server) runPlot(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if err := plots.CheckKind(kind); err != nil {
		return plotError(err)
	}
	o := plots.Options{Format: r.URL.Query().Get("format"), Normalize: r.URL.Query().Get("normalize")}
	for _, d := range []struct {
		name string
		v    *int
	}{{"width", &o.Width}, {"height", &o.Height}} {
		if q := r.URL.Query().Get(d.name); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil {
				return errorf(http.StatusBadRequest, "bad_request", "%s: %q is not a whole number of pixels", d.name, q)
			}
			*d.v = n
		}
	}
	if err := plots.CheckOptions(&o); err != nil {
		return plotError(err)
	}
	src, err := s.plotSource(r)
	if err != nil {
		return err
	}
	b, err := plots.Draw(src, kind, o)
	if err != nil {
		return plotError(err)
	}
	ct := "image/png"
	if o.Format == "svg" {
		ct = "image/svg+xml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
	return nil
}

func plotError(err error) error {
	var pe *plots.Error
	if errors.As(err, &pe) {
		return errorf(http.StatusBadRequest, "bad_request", "%s", pe.Error())
	}
	return err
}
