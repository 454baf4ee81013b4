package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

// The fixtures of TestUpgrade are made by testdata/upgrade/gen.sh with the
// release at commit 4682ff5, before mlforge's schema had versions.
type upgradeRun struct {
	ID      string `json:"id"`
	Predict struct {
		Predictions   []string    `json:"predictions"`
		Probabilities [][]float64 `json:"probabilities"`
	} `json:"predict"`
}

type upgradeFixture struct {
	Release  string                `json:"release"`
	SQLite   map[string]upgradeRun `json:"sqlite"`
	Postgres map[string]upgradeRun `json:"postgres"`
}

// copyTree copies the fixture folder src into a new folder, private as a
// data folder is, and returns it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// restoreDump loads a pg_dump of schema mlf_upgrade_fixture into the
// (empty) schema of dbURL's search_path.
func restoreDump(t *testing.T, dbURL, dump string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	q := strings.Replace(string(b), "CREATE SCHEMA mlf_upgrade_fixture;", "", 1)
	q = strings.ReplaceAll(q, "mlf_upgrade_fixture", schema)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("restoring %s: %v", dump, err)
	}
}

// TestUpgrade: a data folder and a PostgreSQL database made by the release
// before schema versions open under this one: the migrations are recorded,
// the old runs are listed with their metrics, their models download as
// the bytes trained and predict as they did, and new runs train.
func TestUpgrade(t *testing.T) {
	var fx upgradeFixture
	b, err := os.ReadFile("testdata/upgrade/runs.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			fixture := filepath.Join("testdata/upgrade", backend)
			dir := copyTree(t, fixture)
			cfg := Config{DataDir: dir, Workers: 1}
			runs := fx.SQLite
			if backend == "postgres" {
				cfg.DB = pgtest.URL(t)
				restoreDump(t, cfg.DB, filepath.Join(dir, "dump.sql"))
				runs = fx.Postgres
			}
			s, ts := startTestServer(t, cfg)
			ctx := context.Background()
			if v, err := s.Store().AppliedMigrations(ctx); err != nil || v != store.SchemaVersion {
				t.Fatalf("schema version after the upgrade: %d (%v), want %d", v, err, store.SchemaVersion)
			}
			st, _, list := call(t, "GET", ts.URL+"/api/runs", "", "", nil)
			if st != 200 {
				t.Fatalf("GET /api/runs = %d %s", st, list)
			}
			for kind, r := range runs {
				if !strings.Contains(list, `"id":"`+r.ID+`"`) {
					t.Errorf("the %s run %s of release %s is not listed: %s", kind, r.ID, fx.Release, list)
				}
				run := waitStatus(t, ts.URL, r.ID, "succeeded")
				if !strings.Contains(run, `"model_sha256"`) {
					t.Errorf("the %s run lost its result: %s", kind, run)
				}
				if pts := lossOrAccuracy(t, ts.URL, r.ID); pts == 0 {
					t.Errorf("the %s run has no metric points", kind)
				}
				resp, body := getBody(t, ts.URL+"/api/runs/"+r.ID+"/model")
				want, err := os.ReadFile(filepath.Join(fixture, jobs.ModelDir(r.ID), model.FileName))
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != 200 || !bytes.Equal(body, want) {
					t.Errorf("the %s run's model download = %d, %d bytes; want the %d bytes trained", kind, resp.StatusCode, len(body), len(want))
				}
				c, _, out := call(t, "POST", ts.URL+"/api/runs/"+r.ID+"/predict", "", irisRow, nil)
				var got upgradeRun
				if c != 200 || json.Unmarshal([]byte(out), &got.Predict) != nil {
					t.Fatalf("predict by the %s run = %d %s", kind, c, out)
				}
				checkSamePredictions(t, kind, got, r)
			}
			// The queue of the old release takes new runs.
			id := startIris(t, ts.URL, "after-upgrade", 1)
			if c, _, out := call(t, "POST", ts.URL+"/api/models/after-upgrade/predict", "", irisRow, nil); c != 200 {
				t.Fatalf("predict by a run trained after the upgrade (%s) = %d %s", id, c, out)
			}
		})
	}
}

// checkSamePredictions compares a prediction with the old release's: the
// same labels, probabilities within 1e-12 (the same model file and code).
func checkSamePredictions(t *testing.T, kind string, got, want upgradeRun) {
	t.Helper()
	if strings.Join(got.Predict.Predictions, ",") != strings.Join(want.Predict.Predictions, ",") || len(got.Predict.Probabilities) != len(want.Predict.Probabilities) {
		t.Fatalf("the %s run predicts %v, the old release predicted %v", kind, got.Predict, want.Predict)
	}
	for i, row := range want.Predict.Probabilities {
		for j, p := range row {
			if math.Abs(got.Predict.Probabilities[i][j]-p) > 1e-12 {
				t.Fatalf("the %s run's probabilities %v, the old release's %v", kind, got.Predict.Probabilities, want.Predict.Probabilities)
			}
		}
	}
}

// lossOrAccuracy counts a run's metric points.
func lossOrAccuracy(t *testing.T, base, id string) int {
	var m struct {
		Series map[string][]any `json:"series"`
	}
	json.Unmarshal([]byte(get(t, base+"/api/runs/"+id+"/metrics")), &m)
	n := 0
	for _, s := range m.Series {
		n += len(s)
	}
	return n
}
