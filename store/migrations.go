package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mlforge/mlforge/internal/crashpoint"
	"github.com/mlforge/mlforge/internal/text"
)

// mlforge's own tables change through numbered, forward-only migrations,
// recorded in mlf_schema_migrations (River keeps its tables with
// rivermigrate, in package jobs). Open applies the ones a store lacks, all
// in one transaction (PostgreSQL's DDL is transactional too), so a process
// that dies midway leaves the schema as it was; on PostgreSQL under an
// advisory lock, so processes starting together apply each once. A store
// whose recorded version is higher than this binary knows was upgraded by
// a newer release and is refused.
//
// Migrations 1 to 7 are the schema as it grew before it was versioned:
// they are written to be applied to a store made by an earlier release
// (one without mlf_schema_migrations, holding some of these tables),
// creating only what is missing. A migration added from now on runs on a
// store whose version says what it holds.

// migration is one step of mlforge's schema.
type migration struct {
	name string
	up   func(ctx context.Context, tx *sql.Tx, postgres bool) error
}

var migrations = []migration{
	{"runs, points and events", execAll(runSchema)},
	{"runs count crashes", addColumn("mlf_runs", "crashes", "INTEGER NOT NULL DEFAULT 0")},
	{"datasets and items", execAll(datasetSchema)},
	{"model aliases", execAll(aliasSchema)},
	{"run evaluations", execAll(evaluationSchema)},
	{"run tags", execAll(tagSchema)},
	{"run notes", addColumn("mlf_runs", "note", "TEXT NOT NULL DEFAULT ''")},
	runValuesMigration, // 8: the runs table's sort and filter keys (runvalues.go)
	{"dataset versions", addColumn("mlf_datasets", "version", "BIGINT NOT NULL DEFAULT 0")}, // 9
	{"sweep children", sweepColumns}, // 10: a child run's parent and index (sweeps.go)
}

// SchemaVersion is the version of mlforge's schema this binary makes: the
// number of its migrations.
var SchemaVersion = len(migrations)

const migrationsTable = `CREATE TABLE IF NOT EXISTS mlf_schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL)`

func execAll(qs []string) func(context.Context, *sql.Tx, bool) error {
	return func(ctx context.Context, tx *sql.Tx, _ bool) error {
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
}

// addColumn adds a column that a store made by an earlier release may
// have already.
func addColumn(table, column, def string) func(context.Context, *sql.Tx, bool) error {
	return func(ctx context.Context, tx *sql.Tx, postgres bool) error {
		q := `SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2`
		if postgres {
			q = `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`
		}
		var n int
		if err := tx.QueryRowContext(ctx, q, table, column).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+column+` `+def)
		return err
	}
}

// migrateLock is the PostgreSQL advisory lock key under which a process
// migrates mlforge's tables, so that processes starting together on one
// database apply each migration once.
const migrateLock = 0x6d6c66_6d6967 // "mlf" "mig"

func (s *Store) migrate(ctx context.Context) error {
	begin := s.db.BeginTx
	if s.postgres {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: migrating the schema: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
			return fmt.Errorf("store: taking the migration lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
		begin = conn.BeginTx
	}
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrating the schema: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
		return fmt.Errorf("store: migrating the schema: %w", err)
	}
	have, err := appliedMigrations(ctx, tx)
	if err != nil {
		return err
	}
	for i := len(have); i < len(migrations); i++ {
		m := migrations[i]
		if err := m.up(ctx, tx, s.postgres); err != nil {
			return fmt.Errorf("store: schema migration %d (%s): %w", i+1, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mlf_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			i+1, m.name, ms(time.Now())); err != nil {
			return fmt.Errorf("store: recording schema migration %d: %w", i+1, err)
		}
		crashpoint.At("migration")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrating the schema: %w", err)
	}
	return nil
}

// appliedMigrations reads the recorded migrations and checks them against
// this binary's: versions 1..n in order, with this binary's names, and
// none it does not know.
func appliedMigrations(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version, name FROM mlf_schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("store: reading the schema version: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, fmt.Errorf("store: reading the schema version: %w", err)
		}
		if v != len(names)+1 {
			return nil, fmt.Errorf("store: the schema migrations recorded in mlf_schema_migrations skip from version %d to %d; the database was changed by hand", len(names), v)
		}
		if v > len(migrations) {
			return nil, fmt.Errorf("store: the database's schema has migration %d (%s), newer than this mlforge, which knows versions up to %d: it was upgraded by a newer release; run that release (or a newer one) on it",
				v, text.Quote(text.Abbrev(name)), len(migrations))
		}
		if want := migrations[v-1].name; name != want {
			return nil, fmt.Errorf("store: the database's schema migration %d is %s, but this mlforge's is %s: it was made by another build of mlforge", v, text.Quote(text.Abbrev(name)), text.Quote(want))
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// AppliedMigrations returns the version of the store's schema (the number
// of migrations recorded as applied).
func (s *Store) AppliedMigrations(ctx context.Context) (int, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_schema_migrations`).Scan(&n)
	return n, err
}
