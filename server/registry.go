package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/store"
)

// The model registry, as MLflow's: a model name's versions are its
// succeeded runs, newest first; an alias (such as "champion") points the
// name at one of them. Wherever a route takes a model name it also takes
// name@alias and name@run_id; a plain name is the newest version.

// maxVersions is how many versions GET /api/models/{name}/versions lists.
const maxVersions = 500

// modelVersion is one version of a model name.
type modelVersion struct {
	RunID     string             `json:"run_id"`
	Class     string             `json:"class"`
	CreatedAt time.Time          `json:"created_at"`
	Metrics   map[string]float64 `json:"metrics,omitempty"`
	Aliases   []string           `json:"aliases,omitempty"`
	Latest    bool               `json:"latest,omitempty"`
	Download  string             `json:"download"`
	Predict   string             `json:"predict"`
}

// modelVersions is the answer of GET /api/models/{name}/versions.
type modelVersions struct {
	Name     string         `json:"name"`
	Versions []modelVersion `json:"versions"`
	Aliases  []store.Alias  `json:"aliases"`
}

func badName(what, name string) error {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: what,
		Message: fmt.Sprintf("%q is not a valid %s: names match [A-Za-z0-9._-]{1,64}", text.Abbrev(name), what)}
}

// resolveModel returns the succeeded run that ref names: "name" (its
// newest succeeded run), "name@alias" or "name@run_id" (that run, which
// must be named name).
func (s *Server) resolveModel(ctx context.Context, ref string) (*store.Run, error) {
	name, at, hasAt := strings.Cut(ref, "@")
	if !validName(name) {
		return nil, badName("name", name)
	}
	if !hasAt {
		if c, ok := s.modelNames.Load(name); ok && time.Since(c.(cachedName).at) < 2*time.Second {
			return c.(cachedName).run, nil
		}
		runs, err := s.store.ListRuns(ctx, store.ListOptions{Name: name, Status: store.Succeeded, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(runs) == 0 {
			return nil, errorf(http.StatusNotFound, "not_found", "no trained model named %q", name)
		}
		s.modelNames.Store(name, cachedName{runs[0], time.Now()})
		return runs[0], nil
	}
	id := at
	if !store.ValidID(at) {
		if !validName(at) {
			return nil, badName("alias", at)
		}
		var err error
		if id, err = s.store.ResolveAlias(ctx, name, at); errors.Is(err, store.ErrNotFound) {
			return nil, errorf(http.StatusNotFound, "not_found", "model %q has no alias %q", name, at)
		} else if err != nil {
			return nil, err
		}
	}
	run, err := s.store.GetRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && run.Name != name {
		return nil, errorf(http.StatusNotFound, "not_found", "model %q has no version %s", name, id)
	}
	if err != nil {
		return nil, err
	}
	if run.Status != store.Succeeded {
		return nil, errorf(http.StatusNotFound, "not_found", "run %s is %s: only a succeeded run is a version of %q", run.ID, run.Status, name)
	}
	return run, nil
}

// modelVersions is GET /api/models/{name}/versions.
func (s *Server) modelVersions(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !validName(name) {
		return badName("name", name)
	}
	runs, err := s.store.ListRuns(r.Context(), store.ListOptions{Name: name, Status: store.Succeeded, Limit: maxVersions})
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return errorf(http.StatusNotFound, "not_found", "no trained model named %q", name)
	}
	aliases, err := s.store.Aliases(r.Context(), name)
	if err != nil {
		return err
	}
	byRun := map[string][]string{}
	for _, a := range aliases {
		byRun[a.RunID] = append(byRun[a.RunID], a.Alias)
	}
	out := modelVersions{Name: name, Aliases: aliases, Versions: make([]modelVersion, len(runs))}
	for i, run := range runs {
		ref := name + "@" + run.ID
		out.Versions[i] = modelVersion{RunID: run.ID, Class: run.Class, CreatedAt: run.CreatedAt, Metrics: view(run, false).Metrics,
			Aliases: byRun[run.ID], Latest: i == 0, Download: "/api/models/" + ref, Predict: "/api/models/" + ref + "/predict"}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listAliases is GET /api/models/{name}/aliases.
func (s *Server) listAliases(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !validName(name) {
		return badName("name", name)
	}
	aliases, err := s.store.Aliases(r.Context(), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "aliases": aliases})
	return nil
}

// aliasPath returns the name and alias of an alias route, checked. An
// alias may not have the form of a run id, which name@... would take for
// the run.
func aliasPath(r *http.Request) (string, string, error) {
	name, alias := r.PathValue("name"), r.PathValue("alias")
	if !validName(name) {
		return "", "", badName("name", name)
	}
	if !validName(alias) {
		return "", "", badName("alias", alias)
	}
	if store.ValidID(alias) {
		return "", "", &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "alias", Message: fmt.Sprintf("alias %q has the form of a run id, which name@%s already means", alias, alias)}
	}
	return name, alias, nil
}

// setAlias is POST /api/models/{name}/aliases/{alias} with {"run_id": ...}:
// the alias points at that run (succeeded, named name), moved if it
// pointed elsewhere.
func (s *Server) setAlias(w http.ResponseWriter, r *http.Request) error {
	name, alias, err := aliasPath(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, 4<<10)
	if err != nil {
		return err
	}
	var body struct {
		RunID string `json:"run_id"`
	}
	if err := decodeStrict(b, &body); err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: `body: expected {"run_id": "<run id>"}: ` + err.Error()}
	}
	if !store.ValidID(body.RunID) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_id", Field: "run_id", Message: fmt.Sprintf("run_id: %q is not a run id (21 lowercase hex digits)", text.Abbrev(body.RunID))}
	}
	run, err := s.resolveModel(r.Context(), name+"@"+body.RunID)
	if err != nil {
		return err
	}
	if err := s.store.SetAlias(r.Context(), name, alias, run.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, store.Alias{Name: name, Alias: alias, RunID: run.ID, UpdatedAt: time.Now().UTC()})
	return nil
}

// deleteAlias is DELETE /api/models/{name}/aliases/{alias}.
func (s *Server) deleteAlias(w http.ResponseWriter, r *http.Request) error {
	name, alias, err := aliasPath(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteAlias(r.Context(), name, alias); errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "not_found", "model %q has no alias %q", name, alias)
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodeStrict decodes one JSON object into v, refusing unknown keys and
// anything after it.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the object")
	}
	return nil
}
