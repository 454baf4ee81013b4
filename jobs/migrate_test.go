package jobs

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/store"
)

// TestRiverSchemaNewer: a database whose River tables a newer release
// migrated past this binary's River (an older binary started after a
// newer one) is refused at start, naming both versions.
func TestRiverSchemaNewer(t *testing.T) {
	ctx := context.Background()
	url := filepath.Join(t.TempDir(), "mlforge.db")
	st, m := start(t, url, 1, nil)
	stop(t, st, m)
	db, err := sql.Open("sqlite", store.SQLiteDSN(url))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var known int
	if err := db.QueryRow(`SELECT MAX(version) FROM river_migration WHERE line = 'main'`).Scan(&known); err != nil || known < 1 {
		t.Fatalf("River's version %d, %v", known, err)
	}
	if _, err := db.Exec(`INSERT INTO river_migration (line, version) VALUES ('main', 999)`); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = New(ctx, Config{Store: st, DB: url, Workers: 1, Runner: fakeRunner(1, nil)})
	if err == nil || !strings.Contains(err.Error(), "schema version 999, newer than this mlforge") ||
		!strings.Contains(err.Error(), "knows versions up to "+strconv.Itoa(known)) || !strings.Contains(err.Error(), "newer release") {
		t.Fatalf("New on newer River tables: %v", err)
	}
}
