// Package pgtest gives tests a private PostgreSQL schema on the server named
// by MLFORGE_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
// When the server cannot be reached the test is skipped, except under CI
// (CI set), where PostgreSQL is part of the job and its absence fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// DefaultURL is used when MLFORGE_TEST_POSTGRES is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL returns a connection URL whose search_path is a new, empty schema that
// is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("MLFORGE_TEST_POSTGRES")
	if base == "off" {
		t.Skip("PostgreSQL tests disabled by MLFORGE_TEST_POSTGRES=off")
	}
	if base == "" {
		base = DefaultURL
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is required under CI: %v", base, err)
		}
		t.Skipf("PostgreSQL at %s not reachable: %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "mlf_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
