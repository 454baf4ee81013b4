package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mlforge/mlforge/internal/crashpoint"
)

// Tx is the transaction CreateRunTx hands its caller: SQL on SQLite, PGX on
// PostgreSQL (the one that River's driver of each backend takes).
type Tx struct {
	SQL *sql.Tx
	PGX pgx.Tx
}

// CreateRunTx inserts r as CreateRun does and calls then in the same
// transaction (the job queue inserts the run's job there), committing only
// if then succeeds: a run is never stored without its job, nor the job
// without its run.
func (s *Store) CreateRunTx(ctx context.Context, r *Run, then func(ctx context.Context, tx Tx) error) error {
	if r.Status == "" {
		r.Status = Queued
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	const q = `INSERT INTO mlf_runs (id, name, status, class, spec, attempt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	args := []any{r.ID, r.Name, string(r.Status), r.Class, string(r.Spec), r.Attempt, ms(r.CreatedAt)}
	if !s.postgres {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		crashpoint.At("run-insert")
		if err := then(ctx, Tx{SQL: tx}); err != nil {
			return err
		}
		crashpoint.At("run-enqueue")
		return tx.Commit()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("store: the PostgreSQL connection is not pgx's")
		}
		tx, err := c.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		crashpoint.At("run-insert")
		if err := then(ctx, Tx{PGX: tx}); err != nil {
			return err
		}
		crashpoint.At("run-enqueue")
		return tx.Commit(ctx)
	})
}
