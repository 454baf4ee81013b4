package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
)

// A run's tags: key/value labels that people put on runs after the fact
// (MLflow's run tags), one value per key. They live in their own table and
// go with the run when it is deleted.
var tagSchema = []string{
	`CREATE TABLE IF NOT EXISTS mlf_run_tags (
		run_id TEXT NOT NULL,
		key TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (run_id, key))`,
	`CREATE INDEX IF NOT EXISTS mlf_run_tags_key ON mlf_run_tags (key, value)`,
}

// MaxTags is how many tags one run may carry.
const MaxTags = 100

// ErrTooManyTags is returned by SetTag when the run already has MaxTags
// tags and key is not one of them.
var ErrTooManyTags = errors.New("store: a run has at most " + strconv.Itoa(MaxTags) + " tags")

// loadTags fills the Tags of runs with one query.
func (s *Store) loadTags(ctx context.Context, runs []*Run) error {
	if len(runs) == 0 {
		return nil
	}
	byID := make(map[string]*Run, len(runs))
	marks := make([]string, 0, len(runs))
	args := make([]any, 0, len(runs))
	for _, r := range runs {
		byID[r.ID] = r
		args = append(args, r.ID)
		marks = append(marks, "$"+strconv.Itoa(len(args)))
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT run_id, key, value FROM mlf_run_tags WHERE run_id IN (`+strings.Join(marks, ", ")+`) ORDER BY run_id, key`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			return err
		}
		if r := byID[id]; r != nil {
			if r.Tags == nil {
				r.Tags = map[string]string{}
			}
			r.Tags[k] = v
		}
	}
	return rows.Err()
}

// SetTag sets tag key of run id to value; ErrNotFound if there is no such
// run, ErrTooManyTags if the run has MaxTags others. The caller validates
// key and value.
func (s *Store) SetTag(ctx context.Context, id, key, value string) error {
	return s.sqlTx(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_run_tags WHERE run_id = $1 AND key <> $2`, id, key).Scan(&n); err != nil {
			return err
		}
		if n >= MaxTags {
			return ErrTooManyTags
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO mlf_run_tags (run_id, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`, id, key, value)
		return err
	})
}

// DeleteTag removes tag key of run id; ErrNotFound if it has none.
func (s *Store) DeleteTag(ctx context.Context, id, key string) error {
	return changed(s.db.ExecContext(ctx, `DELETE FROM mlf_run_tags WHERE run_id = $1 AND key = $2`, id, key))
}

// RunEdit is what UpdateRun changes: the fields that are not nil.
type RunEdit struct {
	Name *string
	Note *string
}

// UpdateRun renames run id or rewrites its note; ErrNotFound if there is
// no such run. The caller validates the name and the note's size.
func (s *Store) UpdateRun(ctx context.Context, id string, e RunEdit) error {
	var sets []string
	var args []any
	if e.Name != nil {
		args = append(args, *e.Name)
		sets = append(sets, "name = $"+strconv.Itoa(len(args)))
	}
	if e.Note != nil {
		args = append(args, *e.Note)
		sets = append(sets, "note = $"+strconv.Itoa(len(args)))
	}
	if len(sets) == 0 {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM mlf_runs WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	}
	args = append(args, id)
	return changed(s.db.ExecContext(ctx, `UPDATE mlf_runs SET `+strings.Join(sets, ", ")+` WHERE id = $`+strconv.Itoa(len(args)), args...))
}

// NotDoneError is DeleteRuns' refusal of a run that has not finished.
type NotDoneError struct {
	ID     string
	Status Status
}

func (e *NotDoneError) Error() string {
	return "run " + e.ID + " is " + string(e.Status) + ": cancel it first"
}

// TrialError is DeleteRuns' refusal of a sweep's trial (a child run)
// whose parent has not finished: the parent gathers its children, so a
// trial goes with its sweep, or alone once the sweep is done.
type TrialError struct {
	ID, Parent   string
	ParentStatus Status
}

func (e *TrialError) Error() string {
	return "run " + e.ID + " is a trial of sweep " + e.Parent + ", which is " + string(e.ParentStatus) + ": its parent gathers it; cancel the sweep first"
}

// RefusedError is DeleteRuns' refusal of a whole request: every run of it
// that cannot be deleted, in the order of the ids, each a *MissingError,
// a *NotDoneError or a *TrialError (errors.As and errors.Is see each).
type RefusedError struct{ Runs []error }

func (e *RefusedError) Error() string {
	parts := make([]string, len(e.Runs))
	for i, r := range e.Runs {
		parts[i] = r.Error()
	}
	return strings.Join(parts, "; ")
}

func (e *RefusedError) Unwrap() []error { return e.Runs }

// DeleteRuns removes the runs ids, as DeleteRun does each, in one
// transaction: either every one goes or none does. Every id is looked at
// before anything is deleted; a missing run (*MissingError, matching
// ErrNotFound), one not yet finished (*NotDoneError) or a trial of a
// sweep not yet finished (*TrialError) refuses the request, and the
// *RefusedError names each such run. A sweep's parent takes its children
// with it, whether or not ids name them too. It returns the names of the
// runs of ids, in their order.
func (s *Store) DeleteRuns(ctx context.Context, ids []string) ([]string, error) {
	var deleted []string
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		names := make([]string, 0, len(ids))
		parents := make([]string, 0, len(ids))
		inRequest := make(map[string]bool, len(ids))
		var refused []error
		for _, id := range ids {
			inRequest[id] = true
			var st, parentSt Status
			var name, parent string
			err := tx.QueryRowContext(ctx, `SELECT r.status, r.name, r.parent_id, COALESCE(p.status, '') FROM mlf_runs r
			LEFT JOIN mlf_runs p ON r.parent_id <> '' AND p.id = r.parent_id WHERE r.id = $1`, id).Scan(&st, &name, &parent, &parentSt)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				refused = append(refused, &MissingError{ID: id})
			case err != nil:
				return err
			case !st.Done():
				refused = append(refused, &NotDoneError{ID: id, Status: st})
			case parent != "" && parentSt != "" && !parentSt.Done():
				refused = append(refused, &TrialError{ID: id, Parent: parent, ParentStatus: parentSt})
			}
			names, parents = append(names, name), append(parents, parent)
		}
		if len(refused) > 0 {
			return &RefusedError{Runs: refused}
		}
		gone := make(map[string]bool, len(ids))
		for i, id := range ids {
			if gone[id] || parents[i] != "" && inRequest[parents[i]] {
				continue // named twice, or it goes with its parent
			}
			gone[id] = true
			if err := deleteRunTx(ctx, tx, id); err != nil {
				return err
			}
		}
		deleted = names
		return nil
	})
	return deleted, err
}

// MissingError names the run that was not found; it matches ErrNotFound
// under errors.Is.
type MissingError struct{ ID string }

func (e *MissingError) Error() string        { return "no run " + e.ID }
func (e *MissingError) Is(target error) bool { return target == ErrNotFound }

func runExists(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM mlf_runs WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
