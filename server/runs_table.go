package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/store"
)

// The runs table of the page (and of any client): GET /api/runs sorted,
// filtered and paged by the store (store.QueryRuns), the columns it can
// show, a run's name, note and tags, and deleting several runs at once.

// Limits of what people write on runs.
const (
	MaxNote       = 10000 // bytes of a run's note
	MaxTagValue   = 1000  // bytes of a tag's value
	MaxBulkDelete = 500   // runs of one POST /api/runs/delete
	maxOffset     = 1_000_000
)

// pageToken is the decoded ?page_token= of GET /api/runs: the snapshot and
// where the next page starts.
type pageToken struct {
	AsOf   int64 `json:"as_of"`
	Offset int   `json:"offset"`
}

func (p pageToken) encode() string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

func badParam(field, format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: field, Message: fmt.Sprintf(format, args...)}
}

// listRunsTable is GET /api/runs without ?before=: ?filter= (a search,
// store.ParseFilter), ?sort= (a column, default created) and ?order=asc|desc
// (default desc: newest, largest first), ?limit=, and
// the page as ?page_token= or as ?as_of= (Unix ms) and ?offset=. o holds
// the already checked status, name and limit.
func (s *Server) listRunsTable(w http.ResponseWriter, r *http.Request, o store.ListOptions) error {
	q := r.URL.Query()
	rq := store.RunQuery{Filter: q.Get("filter"), Status: o.Status, Name: o.Name, Parent: o.Parent, Sort: q.Get("sort"), Limit: o.Limit}
	switch q.Get("order") {
	case "", "desc":
		rq.Desc = true
	case "asc":
	default:
		return badParam("order", "order must be asc or desc, got %q", text.Abbrev(q.Get("order")))
	}
	if t := q.Get("page_token"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		var p pageToken
		if err != nil || len(b) > 200 || decodeStrict(b, &p) != nil || p.AsOf <= 0 || p.Offset < 0 || p.Offset > maxOffset {
			return badParam("page_token", "page_token is not one that GET /api/runs gave")
		}
		rq.AsOf, rq.Offset = time.UnixMilli(p.AsOf), p.Offset
	}
	if v := q.Get("as_of"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return badParam("as_of", "as_of must be a time in Unix milliseconds (the as_of of a previous page), got %q", text.Abbrev(v))
		}
		rq.AsOf = time.UnixMilli(n)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxOffset {
			return badParam("offset", "offset must be an integer from 0 to %d", maxOffset)
		}
		rq.Offset = n
	}
	page, err := s.store.QueryRuns(r.Context(), rq)
	var qe *store.QueryError
	if errors.As(err, &qe) {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_" + qe.Param, Field: qe.Param, Message: qe.Error()}
	}
	if err != nil {
		return err
	}
	limit := max(rq.Limit, 50*boolInt(rq.Limit == 0))
	total := page.Total
	out := api.RunList{Runs: make([]api.Run, len(page.Runs)), Total: &total, Newer: page.Newer, AsOf: page.AsOf.UnixMilli(), Offset: rq.Offset}
	for i, run := range page.Runs {
		out.Runs[i] = view(run, false)
		if c, ok := page.Children[run.ID]; ok {
			out.Runs[i].Sweep = sweepCounts(run, c)
		}
	}
	if next := rq.Offset + len(page.Runs); len(page.Runs) == limit && next < page.Total {
		out.NextPageToken = pageToken{AsOf: out.AsOf, Offset: next}.encode()
		if rq.Sort == "" && rq.Desc {
			out.Next = &page.Runs[len(page.Runs)-1].ID // the ?before= cursor of older clients
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// sweepCounts is the runs table's view of a sweep parent's children.
func sweepCounts(run *store.Run, c store.ChildCounts) *api.SweepCounts {
	var sp struct {
		Search json.RawMessage `json:"search"`
	}
	kind := "cv"
	if json.Unmarshal(run.Spec, &sp) == nil && len(sp.Search) > 0 && string(sp.Search) != "null" {
		kind = "search"
	}
	return &api.SweepCounts{Kind: kind, Total: c.Total, Done: c.Done, Failed: c.Failed}
}

// runColumns is GET /api/runs/columns: the parameter names, test metric
// names and tag keys of the runs, for the table's column picker.
func (s *Server) runColumns(w http.ResponseWriter, r *http.Request) error {
	cols, err := s.store.RunColumns(r.Context(), 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cols)
	return nil
}

// patchRun is PATCH /api/runs/{id} with {"name": ..., "note": ...}
// (either or both): renames the run or rewrites its note. A run that a
// model alias points at keeps its name (the alias names the model by it).
func (s *Server) patchRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, 64<<10)
	if err != nil {
		return err
	}
	var body struct {
		Name *string `json:"name"`
		Note *string `json:"note"`
	}
	if err := decodeStrict(b, &body); err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: `body: expected {"name": "...", "note": "..."}: ` + err.Error()}
	}
	if body.Name != nil {
		if !validName(*body.Name) {
			return badName("name", *body.Name)
		}
		if *body.Name != run.Name {
			aliases, err := s.store.Aliases(r.Context(), run.Name)
			if err != nil {
				return err
			}
			for _, a := range aliases {
				if a.RunID == run.ID {
					return errorf(http.StatusConflict, "conflict", "run %s is the model %s@%s: move or delete that alias before renaming the run", run.ID, run.Name, a.Alias)
				}
			}
		}
	}
	if body.Note != nil {
		if len(*body.Note) > MaxNote {
			return badParam("note", "the note is %d bytes, more than %d", len(*body.Note), MaxNote)
		}
		if !utf8.ValidString(*body.Note) || strings.ContainsRune(*body.Note, 0) {
			return badParam("note", "the note is not valid UTF-8 text (or holds a NUL character)")
		}
	}
	if err := s.store.UpdateRun(r.Context(), run.ID, store.RunEdit{Name: body.Name, Note: body.Note}); errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "not_found", "no run %s", run.ID)
	} else if err != nil {
		return err
	}
	if body.Name != nil {
		s.modelNames.Delete(run.Name)
		s.modelNames.Delete(*body.Name)
	}
	run, err = s.store.GetRun(r.Context(), run.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(run, false))
	return nil
}

// tagPath returns the run and the tag key of a tags route.
func (s *Server) tagPath(r *http.Request) (*store.Run, string, error) {
	run, err := s.loadRun(r)
	if err != nil {
		return nil, "", err
	}
	key := r.PathValue("key")
	if !store.ValidTagKey(key) {
		return nil, "", &apiError{Status: http.StatusBadRequest, Code: "bad_name", Field: "key",
			Message: fmt.Sprintf("%q is not a tag key: keys match [A-Za-z0-9._-]{1,64}", text.Abbrev(key))}
	}
	return run, key, nil
}

// putRunTag is PUT /api/runs/{id}/tags/{key} with {"value": ...}: sets the
// tag. The answer is the run's tags.
func (s *Server) putRunTag(w http.ResponseWriter, r *http.Request) error {
	run, key, err := s.tagPath(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, 8<<10)
	if err != nil {
		return err
	}
	var body struct {
		Value *string `json:"value"`
	}
	if err := decodeStrict(b, &body); err != nil || body.Value == nil {
		msg := `body: expected {"value": "..."}`
		if err != nil {
			msg += ": " + err.Error()
		}
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "value", Message: msg}
	}
	if len(*body.Value) > MaxTagValue || !utf8.ValidString(*body.Value) || strings.ContainsRune(*body.Value, 0) {
		return badParam("value", "a tag's value is UTF-8 text of at most %d bytes, without NUL", MaxTagValue)
	}
	switch err := s.store.SetTag(r.Context(), run.ID, key, *body.Value); {
	case errors.Is(err, store.ErrNotFound):
		return errorf(http.StatusNotFound, "not_found", "no run %s", run.ID)
	case errors.Is(err, store.ErrTooManyTags):
		return errorf(http.StatusConflict, "too_many_tags", "run %s has %d tags already: delete one first", run.ID, store.MaxTags)
	case err != nil:
		return err
	}
	return s.writeTags(w, r, run.ID)
}

// deleteRunTag is DELETE /api/runs/{id}/tags/{key}.
func (s *Server) deleteRunTag(w http.ResponseWriter, r *http.Request) error {
	run, key, err := s.tagPath(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteTag(r.Context(), run.ID, key); errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "not_found", "run %s has no tag %q", run.ID, key)
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) writeTags(w http.ResponseWriter, r *http.Request, id string) error {
	run, err := s.store.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	tags := run.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": run.ID, "tags": tags})
	return nil
}

// deleteRuns is POST /api/runs/delete with {"ids": [...]}: deletes every
// one of the runs with its points, events, tags and model, or none of them.
// It refuses what DELETE /api/runs/{id} refuses, for the whole request and
// before anything is deleted, naming every run refused and why: a missing
// run is a 404; a run not finished, or a trial of a sweep not finished, a
// 409. A sweep's parent takes its trials with it.
func (s *Server) deleteRuns(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r, 64<<10)
	if err != nil {
		return err
	}
	var body struct {
		IDs []string `json:"ids"`
	}
	if err := decodeStrict(b, &body); err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "ids", Message: `body: expected {"ids": ["<run id>", ...]}: ` + err.Error()}
	}
	if len(body.IDs) == 0 || len(body.IDs) > MaxBulkDelete {
		return badParam("ids", "ids: expected 1 to %d run ids, got %d", MaxBulkDelete, len(body.IDs))
	}
	seen := map[string]bool{}
	var ids []string
	for i, id := range body.IDs {
		if !store.ValidID(id) {
			return &apiError{Status: http.StatusBadRequest, Code: "bad_id", Field: fmt.Sprintf("ids[%d]", i), Message: fmt.Sprintf("ids[%d]: %q is not a run id (21 lowercase hex digits)", i, text.Abbrev(id))}
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	names, err := s.store.DeleteRuns(r.Context(), ids)
	var refused *store.RefusedError
	switch {
	case errors.As(err, &refused):
		return refusedDelete(refused)
	case err != nil:
		return err
	}
	for i, id := range ids {
		s.models.delete(id)
		s.modelNames.Delete(names[i])
		if err := s.deleteArtifacts(r.Context(), id); err != nil {
			return err
		}
		// The directory name comes from the validated, server-made id.
		if err := os.RemoveAll(filepath.Join(s.cfg.DataDir, jobs.ModelDir(id))); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": len(ids)})
	return nil
}

// maxRefusedNamed is how many refused runs a bulk delete's error names.
const maxRefusedNamed = 10

// refusedDelete is the answer to a bulk delete that store.DeleteRuns
// refused: a 404 naming the missing runs if any, else a 409 naming the
// runs that must wait (each with the reason DELETE /api/runs/{id} gives).
func refusedDelete(e *store.RefusedError) error {
	var missing, busy []string
	for _, r := range e.Runs {
		var m *store.MissingError
		if errors.As(r, &m) {
			missing = append(missing, m.ID)
		} else {
			busy = append(busy, r.Error())
		}
	}
	named := func(list []string, sep, what string) string {
		out := strings.Join(list[:min(len(list), maxRefusedNamed)], sep)
		if n := len(list) - maxRefusedNamed; n > 0 {
			out += fmt.Sprintf("%s and %d more %s", sep, n, what)
		}
		return out
	}
	if len(missing) > 0 {
		return errorf(http.StatusNotFound, "not_found", "no run %s (no run was deleted)", named(missing, ", ", "missing"))
	}
	return errorf(http.StatusConflict, "conflict", "%s (no run was deleted)", named(busy, "; ", "runs refused"))
}
