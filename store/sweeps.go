package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Sweeps: a search or a cross-validation run in the service is a parent
// run whose trials (candidates, folds) are child runs (parent_id,
// child_index). The parent makes every child at once, pending
// (SweepPending: a queued row without a job, which recovery leaves to the
// parent), and launches at most its max_parallel of them at a time, each
// with its own job; between launches it waits (SweepWaiting) without
// holding a worker, its job asleep in the queue (package jobs).

// The values of Run.Sweep.
const (
	// SweepPending is a child not yet given its job.
	SweepPending = "pending"
	// SweepWaiting is a parent whose job sleeps until its children are
	// done; whoever wakes it first claims it (ClaimWake).
	SweepWaiting = "waiting"
)

// Trial is a finished child handed to the parent's runner.
type Trial struct {
	Index  int             `json:"index"`
	Status Status          `json:"status"`
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// sweepColumns is migration 10: the columns of a sweep and the index that
// finds a parent's children.
func sweepColumns(ctx context.Context, tx *sql.Tx, postgres bool) error {
	for _, c := range [][2]string{{"parent_id", "TEXT NOT NULL DEFAULT ''"}, {"child_index", "INTEGER NOT NULL DEFAULT 0"},
		{"sweep", "TEXT NOT NULL DEFAULT ''"}, {"max_parallel", "INTEGER NOT NULL DEFAULT 0"}} {
		if err := addColumn("mlf_runs", c[0], c[1])(ctx, tx, postgres); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS mlf_runs_parent ON mlf_runs (parent_id, child_index)`)
	return err
}

// errNotOwner ends a transaction whose run changed hands.
var errNotOwner = errors.New("store: the attempt no longer owns the run")

// owned is the outcome of a transaction that errNotOwner may end: false
// without an error then, else whether it committed.
func owned(err error) (bool, error) {
	if errors.Is(err, errNotOwner) {
		return false, nil
	}
	return err == nil, err
}

// StartSweep makes the children of parent (running under attempt) if it
// has none yet, each pending with its ParentID and ChildIndex set here,
// and marks the parent waiting with its maxParallel, in one transaction.
// A parent restarted after a crash keeps the children it made. It returns
// false when attempt no longer owns the parent.
func (s *Store) StartSweep(ctx context.Context, parent string, attempt, maxParallel int, children []*Run) (bool, error) {
	err := s.inTx(ctx, func(ctx context.Context, exec txExec, _ Tx) error {
		n, err := exec(ctx, `UPDATE mlf_runs SET sweep = $1, max_parallel = $2 WHERE id = $3 AND attempt = $4 AND status = $5 AND sweep = ''`,
			SweepWaiting, maxParallel, parent, attempt, string(Running))
		if err != nil {
			return err
		}
		if n != 1 {
			return errNotOwner
		}
		// exec cannot scan: a no-op update counts the first child, which
		// exists if any does (they are made together).
		have, err := exec(ctx, `UPDATE mlf_runs SET child_index = child_index WHERE parent_id = $1 AND child_index = 0`, parent)
		if err != nil || have > 0 {
			return err
		}
		now := time.Now().UTC()
		for i, c := range children {
			c.ParentID, c.ChildIndex, c.Sweep, c.Status, c.CreatedAt = parent, i, SweepPending, Queued, now
			if _, err := exec(ctx, `INSERT INTO mlf_runs (id, name, status, class, spec, attempt, created_at, parent_id, child_index, sweep)
				VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9)`,
				c.ID, c.Name, string(Queued), c.Class, string(c.Spec), ms(now), parent, i, SweepPending); err != nil {
				return err
			}
		}
		return nil
	})
	return owned(err)
}

// Children returns the children of parent by index.
func (s *Store) Children(ctx context.Context, parent string) ([]*Run, error) {
	if parent == "" {
		return nil, nil
	}
	return s.queryRuns(ctx, `SELECT `+runCols+` FROM mlf_runs WHERE parent_id = $1 ORDER BY child_index`, parent)
}

// LaunchChild gives pending child id its job: then inserts the job in the
// transaction that marks the child launched. It returns false when the
// child is no longer pending (launched already, or cancelled).
func (s *Store) LaunchChild(ctx context.Context, id string, then func(ctx context.Context, tx Tx) error) (bool, error) {
	err := s.inTx(ctx, func(ctx context.Context, exec txExec, tx Tx) error {
		n, err := exec(ctx, `UPDATE mlf_runs SET sweep = '' WHERE id = $1 AND sweep = $2 AND status = $3`, id, SweepPending, string(Queued))
		if err != nil {
			return err
		}
		if n != 1 {
			return errNotOwner
		}
		return then(ctx, tx)
	})
	return owned(err)
}

// ClaimWake takes a waiting parent for the job that woke it: it is no
// longer waiting and its heartbeat is now. It returns false when another
// job claimed it first, or attempt no longer owns it.
func (s *Store) ClaimWake(ctx context.Context, id string, attempt int) (bool, error) {
	return changedOne(s.db.ExecContext(ctx, `UPDATE mlf_runs SET sweep = '', heartbeat_at = $1 WHERE id = $2 AND attempt = $3 AND status = $4 AND sweep = $5`,
		ms(time.Now()), id, attempt, string(Running), SweepWaiting))
}

// SetWaiting marks a claimed parent waiting again, before its job sleeps.
func (s *Store) SetWaiting(ctx context.Context, id string, attempt int) (bool, error) {
	return changedOne(s.db.ExecContext(ctx, `UPDATE mlf_runs SET sweep = $1, heartbeat_at = $2 WHERE id = $3 AND attempt = $4 AND status = $5 AND sweep = ''`,
		SweepWaiting, ms(time.Now()), id, attempt, string(Running)))
}

// CancelChildren cancels the unfinished children of parent: queued ones
// (pending or launched) at once, running ones flagged for their workers.
// It returns the ids of the children cancelled at once and of the running
// ones.
func (s *Store) CancelChildren(ctx context.Context, parent string) (cancelled, running []string, err error) {
	kids, err := s.Children(ctx, parent)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range kids {
		switch k.Status {
		case Queued:
			res, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET status = $1, finished_at = $2, cancel_requested = 1, sweep = '', error = $3 WHERE id = $4 AND status = $5`,
				string(Cancelled), ms(time.Now()), "cancelled with its sweep", k.ID, string(Queued))
			if err != nil {
				return nil, nil, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				cancelled = append(cancelled, k.ID)
			}
		case Running:
			if _, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET cancel_requested = 1 WHERE id = $1 AND status = $2`, k.ID, string(Running)); err != nil {
				return nil, nil, err
			}
			running = append(running, k.ID)
		}
	}
	return cancelled, running, nil
}

// SweepCounts are a parent's children by state.
type SweepCounts struct {
	Pending, Active, Done, Total int
}

// CountChildren counts parent's children: pending, launched and not
// finished (Active), and finished.
func (s *Store) CountChildren(ctx context.Context, parent string) (SweepCounts, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT status, sweep, COUNT(*) FROM mlf_runs WHERE parent_id = $1 GROUP BY status, sweep`, parent)
	if err != nil {
		return SweepCounts{}, err
	}
	defer rows.Close()
	var c SweepCounts
	for rows.Next() {
		var st Status
		var sw string
		var n int
		if err := rows.Scan(&st, &sw, &n); err != nil {
			return SweepCounts{}, err
		}
		c.Total += n
		switch {
		case st.Done():
			c.Done += n
		case sw == SweepPending:
			c.Pending += n
		default:
			c.Active += n
		}
	}
	return c, rows.Err()
}

// PendingChildren returns up to limit ids of parent's pending children,
// by index.
func (s *Store) PendingChildren(ctx context.Context, parent string, limit int) ([]string, error) {
	return s.queryIDs(ctx, `SELECT id FROM mlf_runs WHERE parent_id = $1 AND sweep = $2 AND status = $3 ORDER BY child_index LIMIT `+strconv.Itoa(max(limit, 0)),
		parent, SweepPending, string(Queued))
}

// deleteChildrenTx removes the children of parent with what belongs to
// them.
func deleteChildrenTx(ctx context.Context, tx *sql.Tx, parent string) error {
	ids, err := collect(tx.QueryContext(ctx, `SELECT id FROM mlf_runs WHERE parent_id = $1`, parent))
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == parent || id == "" {
			continue
		}
		if err := deleteRunTx(ctx, tx, id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// isParentColumn reports whether a filter condition is about the parent
// column (then the table lists children too).
func isParentColumn(col string) bool {
	f, err := resolveField("filter", col)
	return err == nil && strings.EqualFold(f.attr, "parent_id")
}
