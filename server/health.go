package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// healthReport is the answer of GET /api/health: "ok" with 200 when every
// dependency answers, "unavailable" with 503 otherwise, each check named.
type healthReport struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// health is GET /api/health: the database and the object store of
// artifacts must answer within 2 s, and the data folder's runs/ (the
// trainers' output and a cache of models) must be readable.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rep := healthReport{Status: "ok", Checks: map[string]string{"database": "ok", "artifacts": "ok"}}
	if err := s.store.Ping(ctx); err != nil {
		rep.Status, rep.Checks["database"] = "unavailable", s.scrubErr(err).Error()
	}
	if err := errors.Join(s.checkArtifacts(), s.pingArtifacts(ctx)); err != nil {
		rep.Status, rep.Checks["artifacts"] = "unavailable", s.scrubErr(err).Error()
	}
	code := http.StatusOK
	if rep.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rep)
	return nil
}

// checkArtifacts checks that the folder of run models can be read.
func (s *Server) checkArtifacts() error {
	f, err := os.Open(filepath.Join(s.cfg.DataDir, "runs"))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return err
}
