package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

// The crash tests with fault injection: the test server (testdata/slowserver,
// built with the tag mlforge_testhooks) is started with SLOWSERVER_CRASH_AT
// naming one of internal/crashpoint's points; the process that reaches it
// writes its pid into SLOWSERVER_CRASH_MARK and stops there, and the test
// kills it with SIGKILL, exactly there, then checks what a restart finds.

const lrSpec = `{"name": "iris-lr", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": 1}}}`

// crashBackend is where a crash test's server keeps its runs: the flags
// that say so, and a handle on the database to look at it while no
// server runs.
type crashBackend struct {
	flags []string
	db    *sql.DB
}

func openCrashBackend(t *testing.T, backend, dir string) crashBackend {
	t.Helper()
	if backend == "sqlite" {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "mlforge.db")+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return crashBackend{db: db}
	}
	url := pgtest.URL(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return crashBackend{flags: []string{"--db", url}, db: db}
}

func (b crashBackend) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// startArmed starts `bin serve` on addr and dir with the crash point armed
// and returns once a process reached it: the server, and the pid of the
// process that stopped there (the server's, or its training child's).
func startArmed(t *testing.T, bin, addr, dir, point string, flags ...string) (*exec.Cmd, int) {
	t.Helper()
	mark := filepath.Join(t.TempDir(), "mark")
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dir}, flags...)...)
	cmd.Env = append(os.Environ(), "SLOWSERVER_CRASH_AT="+point, "SLOWSERVER_CRASH_MARK="+mark)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	go func() {
		// Whatever the request reaches before the kill.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(mark); err == nil {
				return
			}
			if point == "migration" {
				continue // the server never listens
			}
			if resp, err := http.Get("http://" + addr + "/api/health"); err == nil {
				resp.Body.Close()
				if strings.HasPrefix(point, "run-") {
					http.Post("http://"+addr+"/api/runs", "application/json", strings.NewReader(lrSpec))
				}
				return
			}
		}
	}()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(mark)
		if err == nil {
			f := strings.Fields(string(b))
			pid, _ := strconv.Atoi(f[0])
			if len(f) != 2 || f[1] != point || pid == 0 {
				t.Fatalf("crash mark %q, want a pid and %s", b, point)
			}
			return cmd, pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process reached the crash point %s:\n%s", point, logs.String())
		}
	}
}

// kill9 kills the server and, when another process stopped at the crash
// point (its training child), that one too, as a machine that loses power.
func kill9(t *testing.T, srv *exec.Cmd, pid int) {
	t.Helper()
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	if pid != srv.Process.Pid {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("killing the training process %d: %v", pid, err)
		}
		for syscall.Kill(pid, 0) == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestCrashBetweenRunAndJob kills the server between a new run's row and
// its job (run-insert), and between the job and the commit (run-enqueue):
// both are one transaction, so the database holds neither, nothing waits
// in the queue for ever, and the restarted server trains new runs.
func TestCrashBetweenRunAndJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes")
	}
	bin := buildSlowServer(t)
	for _, backend := range backendsToTest() {
		for _, point := range []string{"run-insert", "run-enqueue"} {
			t.Run(backend+"/"+point, func(t *testing.T) {
				dir := t.TempDir()
				b := openCrashBackend(t, backend, dir)
				addr := freeAddr(t)
				srv, pid := startArmed(t, bin, addr, dir, point, b.flags...)
				if pid != srv.Process.Pid {
					t.Fatalf("the crash point was reached by process %d, not the server %d", pid, srv.Process.Pid)
				}
				kill9(t, srv, pid)
				if n, j := b.count(t, "mlf_runs"), b.count(t, "river_job"); n != 0 || j != 0 {
					t.Fatalf("after a kill at %s: %d runs, %d jobs; want neither", point, n, j)
				}
				base := "http://" + addr
				startServer(t, bin, addr, dir, b.flags...)
				if list := get(t, base+"/api/runs"); !strings.Contains(list, `"total":0`) {
					t.Fatalf("after the restart: %s", list)
				}
				id := postRun(t, base, lrSpec)
				if run := waitDone(t, base, id, 60*time.Second); run["status"] != "succeeded" {
					t.Fatalf("a run after the restart: %v", run)
				}
				// River records a job's completion a moment after the work.
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					n, j := b.count(t, "mlf_runs"), b.count(t, "river_job WHERE state <> 'completed'")
					if n == 1 && j == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("after the run: %d runs, %d jobs not completed", n, j)
					}
				}
			})
		}
	}
}

// TestCrashDuringModelWrite kills the server and its training process in
// the middle of writing a run's model: into the model directory
// (model-write: half the file is written under its temporary name) and
// into the object store (artifact-put). No half-written model is ever at
// the model's name or key; after the restart the run is resumed, succeeds,
// and its model downloads whole (the SHA-256 recorded) and predicts.
func TestCrashDuringModelWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes")
	}
	bin := buildSlowServer(t)
	t.Setenv("SLOWSERVER_STALE_AFTER", "2s") // PostgreSQL: a run is taken over once its heartbeat is this old
	for _, backend := range backendsToTest() {
		for _, point := range []string{"model-write", "artifact-put"} {
			t.Run(backend+"/"+point, func(t *testing.T) {
				dir := t.TempDir()
				b := openCrashBackend(t, backend, dir)
				addr := freeAddr(t)
				base := "http://" + addr
				srv, pid := startArmedRun(t, bin, addr, dir, point, b.flags...)
				kill9(t, srv, pid.pid)
				id := pid.run
				local := filepath.Join(dir, jobs.ModelDir(id), model.FileName)
				object := filepath.Join(dir, "artifacts", "runs", id, artifacts.ModelFile)
				switch point {
				case "model-write":
					if _, err := os.Stat(local); !os.IsNotExist(err) {
						t.Fatalf("a model file is at %s after a kill during its write (%v)", local, err)
					}
					tmps, _ := filepath.Glob(filepath.Join(dir, jobs.ModelDir(id), ".model-*.tmp"))
					if len(tmps) != 1 {
						t.Fatalf("no half-written model (%q): the kill was not during the write", tmps)
					}
				case "artifact-put":
					if _, err := os.Stat(local); err != nil {
						t.Fatalf("the model directory lacks the model written before the put: %v", err)
					}
				}
				if _, err := os.Stat(object); !os.IsNotExist(err) {
					t.Fatalf("a model object is at its key after a kill before or during its put (%v)", err)
				}
				var status string
				b.db.QueryRow(`SELECT status FROM mlf_runs WHERE id = $1`, id).Scan(&status)
				if status != "running" {
					t.Fatalf("after the kill the run is %q, want running", status)
				}

				startServer(t, bin, addr, dir, b.flags...)
				run := waitDone(t, base, id, 60*time.Second)
				if run["status"] != "succeeded" || run["attempt"] != float64(1) {
					t.Fatalf("after the restart the run is %v (attempt %v)", run["status"], run["attempt"])
				}
				resp, body := getBody(t, base+"/api/runs/"+id+"/model")
				sum := sha256.Sum256(body)
				st, err := store.Open(context.Background(), storeURL(b, dir))
				if err != nil {
					t.Fatal(err)
				}
				r, err := st.GetRun(context.Background(), id)
				st.Close()
				if err != nil {
					t.Fatal(err)
				}
				if r.Crashes != 1 {
					t.Fatalf("the run counts %d crashes, want 1", r.Crashes)
				}
				if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != modelSHA(r) {
					t.Fatalf("the model download = %d, SHA-256 %x; the run recorded %s", resp.StatusCode, sum, modelSHA(r))
				}
				if _, err := model.Decode(body); err != nil {
					t.Fatalf("the model downloaded does not decode: %v", err)
				}
				if fileSum(t, object) != modelSHA(r) {
					t.Fatal("the object store's model differs from the recorded SHA-256")
				}
				c, _, out := call(t, "POST", base+"/api/runs/"+id+"/predict", "", irisRow, nil)
				if c != 200 || !strings.Contains(out, `"predictions":["versicolor"]`) {
					t.Fatalf("predict = %d %s", c, out)
				}
			})
		}
	}
}

// storeURL is the database a crash test's server used.
func storeURL(b crashBackend, dir string) string {
	if len(b.flags) == 2 {
		return b.flags[1]
	}
	return filepath.Join(dir, "mlforge.db")
}

type armedRun struct {
	pid int
	run string
}

// startArmedRun starts the server armed at a point that a run's training
// reaches, starts a classic run, and returns once the point is reached.
func startArmedRun(t *testing.T, bin, addr, dir, point string, flags ...string) (*exec.Cmd, armedRun) {
	t.Helper()
	mark := filepath.Join(t.TempDir(), "mark")
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dir, "--workers", "1"}, flags...)...)
	cmd.Env = append(os.Environ(), "SLOWSERVER_CRASH_AT="+point, "SLOWSERVER_CRASH_MARK="+mark)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/api/health"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", logs.String())
		}
	}
	id := postRun(t, "http://"+addr, lrSpec)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(mark); err == nil {
			f := strings.Fields(string(b))
			pid, _ := strconv.Atoi(f[0])
			if len(f) != 2 || f[1] != point || pid == 0 {
				t.Fatalf("crash mark %q, want a pid and %s", b, point)
			}
			return cmd, armedRun{pid: pid, run: id}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process reached the crash point %s:\n%s\nrun: %s", point, logs.String(), get(t, "http://"+addr+"/api/runs/"+id))
		}
	}
}

// TestCrashDuringMigration kills a server of this release in the middle of
// migrating a store made by release 4682ff5 (after the first migration,
// in the transaction): the store is as the old release left it (no
// migration recorded, its runs there); the next start migrates it whole
// and serves the old runs.
func TestCrashDuringMigration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes")
	}
	bin := buildSlowServer(t)
	var fx upgradeFixture
	raw, _ := os.ReadFile("testdata/upgrade/runs.json")
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			dir := copyTree(t, filepath.Join("testdata/upgrade", backend))
			b := openCrashBackend(t, backend, dir)
			runs := fx.SQLite
			if backend == "postgres" {
				restoreDump(t, b.flags[1], filepath.Join(dir, "dump.sql"))
				runs = fx.Postgres
			}
			addr := freeAddr(t)
			srv, pid := startArmed(t, bin, addr, dir, "migration", b.flags...)
			if pid != srv.Process.Pid {
				t.Fatalf("the crash point was reached by process %d, not the server %d", pid, srv.Process.Pid)
			}
			kill9(t, srv, pid)
			var tables int
			q := `SELECT COUNT(*) FROM sqlite_master WHERE name = 'mlf_schema_migrations'`
			if backend == "postgres" {
				q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'mlf_schema_migrations'`
			}
			if err := b.db.QueryRow(q).Scan(&tables); err != nil || tables != 0 {
				t.Fatalf("after a kill during the migration, mlf_schema_migrations exists (%d, %v): the migration was not one transaction", tables, err)
			}
			if n := b.count(t, "mlf_runs"); n != 2 {
				t.Fatalf("after a kill during the migration: %d runs, want the old release's 2", n)
			}
			base := "http://" + addr
			startServer(t, bin, addr, dir, b.flags...)
			if n := b.count(t, "mlf_schema_migrations"); n != store.SchemaVersion {
				t.Fatalf("after the restart %d migrations are recorded, want %d", n, store.SchemaVersion)
			}
			for kind, r := range runs {
				c, _, out := call(t, "POST", base+"/api/runs/"+r.ID+"/predict", "", irisRow, nil)
				var got upgradeRun
				if c != 200 || json.Unmarshal([]byte(out), &got.Predict) != nil {
					t.Fatalf("predict by the old %s run = %d %s", kind, c, out)
				}
				checkSamePredictions(t, kind, got, r)
			}
		})
	}
}
