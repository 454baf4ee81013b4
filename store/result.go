package store

import (
	"context"
	"encoding/json"
)

// SetResult replaces the result of the succeeded run id (mlforge artifacts
// migrate records where its model went); it reports whether the run was
// there and succeeded.
func (s *Store) SetResult(ctx context.Context, id string, result json.RawMessage) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET result = $1 WHERE id = $2 AND status = $3`, string(result), id, string(Succeeded))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
