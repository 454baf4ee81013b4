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
	return s.inTx(ctx, func(ctx context.Context, exec txExec, tx Tx) error {
		if _, err := exec(ctx, q, args...); err != nil {
			return err
		}
		crashpoint.At("run-insert")
		if err := then(ctx, tx); err != nil {
			return err
		}
		crashpoint.At("run-enqueue")
		return nil
	})
}

// withTx runs f in one transaction on either backend, handing it the
// transaction as River's driver of that backend takes it (Tx), and commits
// only if f succeeds. On PostgreSQL the transaction is pgx's own, begun on
// a connection held for the call.
func (s *Store) withTx(ctx context.Context, f func(ctx context.Context, tx Tx) error) error {
	if !s.postgres {
		return s.sqlTx(ctx, func(tx *sql.Tx) error { return f(ctx, Tx{SQL: tx}) })
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
		if err := f(ctx, Tx{PGX: tx}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// sqlTx runs f in one database/sql transaction (either backend) and
// commits only if f succeeds.
func (s *Store) sqlTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// txExec runs one statement in a transaction and returns the rows it
// changed.
type txExec func(ctx context.Context, q string, args ...any) (int64, error)

// inTx is withTx with an exec that runs a statement in the transaction
// whichever backend holds it.
func (s *Store) inTx(ctx context.Context, f func(ctx context.Context, exec txExec, tx Tx) error) error {
	return s.withTx(ctx, func(ctx context.Context, tx Tx) error {
		exec := func(ctx context.Context, q string, args ...any) (int64, error) {
			if tx.SQL != nil {
				res, err := tx.SQL.ExecContext(ctx, q, args...)
				if err != nil {
					return 0, err
				}
				return res.RowsAffected()
			}
			tag, err := tx.PGX.Exec(ctx, q, args...)
			return tag.RowsAffected(), err
		}
		return f(ctx, exec, tx)
	})
}
