package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"
)

// The evaluations of runs: each time a run's model is tested on a sample
// of a stored dataset (POST /api/runs/{id}/evaluate), the result is kept
// beside the run, as JSON (api.Evaluation), and removed with it.
var evaluationSchema = []string{
	`CREATE TABLE IF NOT EXISTS mlf_evaluations (
		id TEXT PRIMARY KEY,
		run_id TEXT NOT NULL,
		data TEXT NOT NULL,
		result TEXT NOT NULL,
		created_at BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS mlf_evaluations_run ON mlf_evaluations (run_id, id)`,
}

// Evaluation is one recorded evaluation of a run's model.
type Evaluation struct {
	ID        string          `json:"id"`
	RunID     string          `json:"run_id"`
	Data      string          `json:"data"`   // the source sampled, "dataset:NAME[:LABELS]"
	Result    json.RawMessage `json:"result"` // api.Evaluation
	CreatedAt time.Time       `json:"created_at"`
}

// MaxEvaluations is the number of evaluations kept per run: recording one
// more removes the oldest.
const MaxEvaluations = 100

// AddEvaluation records e (which must have an ID, a run ID and a result;
// CreatedAt defaults to now) and removes the run's evaluations beyond the
// newest MaxEvaluations, in one transaction. The run must exist.
func (s *Store) AddEvaluation(ctx context.Context, e *Evaluation) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	return s.sqlTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_runs WHERE id = $1`, e.RunID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mlf_evaluations (id, run_id, data, result, created_at) VALUES ($1, $2, $3, $4, $5)`,
			e.ID, e.RunID, e.Data, string(e.Result), ms(e.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM mlf_evaluations WHERE run_id = $1 AND id NOT IN
		(SELECT id FROM mlf_evaluations WHERE run_id = $2 ORDER BY id DESC LIMIT `+strconv.Itoa(MaxEvaluations)+`)`, e.RunID, e.RunID)
		return err
	})
}

// Evaluations returns the evaluations of a run, newest first.
func (s *Store) Evaluations(ctx context.Context, runID string) ([]*Evaluation, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, run_id, data, result, created_at FROM mlf_evaluations WHERE run_id = $1 ORDER BY id DESC`, runID)
	return scanRows(rows, err, func(sc rowScanner) (*Evaluation, error) {
		var e Evaluation
		var result string
		var created int64
		if err := sc.Scan(&e.ID, &e.RunID, &e.Data, &result, &created); err != nil {
			return nil, err
		}
		e.Result, e.CreatedAt = json.RawMessage(result), time.UnixMilli(created).UTC()
		return &e, nil
	})
}
