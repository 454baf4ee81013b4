package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The model registry's aliases: a name such as "champion" that points a
// model name at one of its runs, as MLflow's registered-model aliases do.
// One alias of a name points at one run; setting it again moves it.

var aliasSchema = []string{
	`CREATE TABLE IF NOT EXISTS mlf_model_aliases (
		name TEXT NOT NULL,
		alias TEXT NOT NULL,
		run_id TEXT NOT NULL,
		updated_at BIGINT NOT NULL,
		PRIMARY KEY (name, alias))`,
}

// Alias is one alias of a model name.
type Alias struct {
	Name      string    `json:"name"`
	Alias     string    `json:"alias"`
	RunID     string    `json:"run_id"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SetAlias points alias of model name at runID, replacing where it pointed.
// The caller checks that the run exists, is named name and succeeded.
func (s *Store) SetAlias(ctx context.Context, name, alias, runID string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mlf_model_aliases (name, alias, run_id, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name, alias) DO UPDATE SET run_id = excluded.run_id, updated_at = excluded.updated_at`,
		name, alias, runID, ms(time.Now()))
	return err
}

// DeleteAlias removes alias of model name; ErrNotFound if there is none.
func (s *Store) DeleteAlias(ctx context.Context, name, alias string) error {
	return changed(s.db.ExecContext(ctx, `DELETE FROM mlf_model_aliases WHERE name = $1 AND alias = $2`, name, alias))
}

// ResolveAlias returns the run id alias of model name points at, or
// ErrNotFound.
func (s *Store) ResolveAlias(ctx context.Context, name, alias string) (string, error) {
	var id string
	err := s.rdb.QueryRowContext(ctx, `SELECT run_id FROM mlf_model_aliases WHERE name = $1 AND alias = $2`, name, alias).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// Aliases returns the aliases of model name, by alias.
func (s *Store) Aliases(ctx context.Context, name string) ([]Alias, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT name, alias, run_id, updated_at FROM mlf_model_aliases WHERE name = $1 ORDER BY alias`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Alias{}
	for rows.Next() {
		var a Alias
		var t int64
		if err := rows.Scan(&a.Name, &a.Alias, &a.RunID, &t); err != nil {
			return nil, err
		}
		a.UpdatedAt = time.UnixMilli(t).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// deleteAliasesOf removes the aliases pointing at run id (in tx, with the
// run).
func deleteAliasesOf(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM mlf_model_aliases WHERE run_id = $1`, id)
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
