package store

import (
	"context"
	"database/sql"
)

// MaxStep returns the highest step of any metric point of run id, 0 if it
// has none (the service's /metrics derives a running run's steps/s from it).
func (s *Store) MaxStep(ctx context.Context, runID string) (int, error) {
	var n sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, `SELECT MAX(step) FROM mlf_points WHERE run_id = $1`, runID).Scan(&n)
	return int(n.Int64), err
}
