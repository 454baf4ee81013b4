package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mlforge/mlforge/store"
)

// TestSurvivesSIGKILL starts the server as a process, starts a long run,
// kills the server with SIGKILL mid-run, starts it again on the same data
// folder and checks that the run resumes and finishes with the metric
// history of the first attempt still there.
func TestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process")
	}
	bin := buildSlowServer(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd { return startServer(t, bin, addr, dir) }

	srv := start()
	spec := `{"name": "slow", "data": {"train": "builtin:diabetes"}, "model": {"class": "SlowRegressor", "params": {"n_iter": 30, "step_ms": 100}}}`
	id := postRun(t, base, spec)
	// Wait until some progress is stored, then kill -9.
	var before int
	var first []any
	deadline := time.Now().Add(30 * time.Second)
	for before < 5 && time.Now().Before(deadline) {
		first = lossPoints(t, base, id)
		before = len(first)
		time.Sleep(50 * time.Millisecond)
	}
	if before < 5 {
		t.Fatal("the run recorded no progress")
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()

	start()
	run := waitDone(t, base, id, 60*time.Second)
	if run["status"] != "succeeded" || run["attempt"] != float64(1) {
		t.Fatalf("after the restart the run is %v", run)
	}
	// The recorder samples step events (jobs.SampleEvery), so a loaded
	// machine may merge two of the second attempt's steps: what must hold
	// is that every point read before the kill is still there (the series
	// is ordered by step, so the two attempts interleave) and that the
	// second attempt added its own.
	after := lossPoints(t, base, id)
	kept := map[string]bool{}
	for _, p := range after {
		kept[fmt.Sprint(p)] = true
	}
	lost := 0
	for _, p := range first {
		if !kept[fmt.Sprint(p)] {
			lost++
		}
	}
	if lost > 0 || len(after) <= before {
		t.Fatalf("metric history: %d points before the kill (%d of them lost), %d after the finish; want the first attempt's points kept", before, lost, len(after))
	}
	events := get(t, base+"/api/runs/"+id+"/events")
	if !strings.Contains(events, "the server stopped during the run") || !strings.Contains(events, "resumed (attempt 2)") {
		t.Fatalf("events do not tell of the restart:\n%s", events)
	}
}

func lossPoints(t *testing.T, base, id string) []any {
	var m struct {
		Series map[string][]any `json:"series"`
	}
	json.Unmarshal([]byte(get(t, base+"/api/runs/"+id+"/metrics")), &m)
	return m.Series["loss"]
}

func get(t *testing.T, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// buildSlowServer builds testdata/slowserver (mlforge plus a test-only slow
// estimator and the test hooks, build tag mlforge_testhooks) once for the
// package's tests and returns the binary's path.
func buildSlowServer(t *testing.T) string {
	t.Helper()
	slow.once.Do(func() {
		dir, err := os.MkdirTemp("", "mlforge-slowserver-")
		if err != nil {
			slow.err = err
			return
		}
		slow.dir, slow.bin = dir, filepath.Join(dir, "slowserver")
		if out, err := exec.Command("go", "build", "-tags", "mlforge_testhooks", "-o", slow.bin, "./testdata/slowserver").CombinedOutput(); err != nil {
			slow.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if slow.err != nil {
		t.Fatalf("building the test server: %v", slow.err)
	}
	return slow.bin
}

// slow is the test server that buildSlowServer built, removed by TestMain.
var slow struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if slow.dir != "" {
		os.RemoveAll(slow.dir)
	}
	os.Exit(code)
}

// startServer starts `bin serve` on addr with data folder dir (and more
// flags) and waits until it answers; the process is killed when the test
// ends. Its output is kept in cmd.Stdout (a *syncBuffer).
func startServer(t *testing.T, bin, addr, dir string, flags ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dir}, flags...)...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/api/health"); err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs.String())
	return nil
}

// syncBuffer is a bytes.Buffer safe for a process's output and a test
// reading it at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// postRun starts a run from spec and returns its id.
func postRun(t *testing.T, base, spec string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/runs", "application/json", strings.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	if created.ID == "" {
		t.Fatalf("no run id (HTTP %d)", resp.StatusCode)
	}
	return created.ID
}

// waitDone polls a run until it succeeds or fails, or timeout passes, and
// returns it as the API shows it.
func waitDone(t *testing.T, base, id string, timeout time.Duration) map[string]any {
	t.Helper()
	var run map[string]any
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(base + "/api/runs/" + id); err == nil {
			run = map[string]any{}
			json.NewDecoder(r.Body).Decode(&run)
			r.Body.Close()
			if run["status"] == "succeeded" || run["status"] == "failed" {
				break
			}
		}
	}
	return run
}

// TestSIGTERMStopsCleanly sends SIGTERM to a server while a run trains: the
// server exits 0 after a clean shutdown, the run waits in the queue with no
// crash counted, the next start finishes it, and what the server wrote is
// private to its user (folders 0700, files 0600).
func TestSIGTERMStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process")
	}
	bin := buildSlowServer(t)
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	base := "http://" + addr
	srv := startServer(t, bin, addr, dir)
	id := postRun(t, base, `{"name": "slow", "data": {"train": "builtin:diabetes"}, "model": {"class": "SlowRegressor", "params": {"n_iter": 40, "step_ms": 50}}}`)
	for deadline := time.Now().Add(30 * time.Second); len(lossPoints(t, base, id)) < 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the run recorded no progress")
		}
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("after SIGTERM the server exited with %v:\n%s", err, srv.Stdout)
	}
	if logs := fmt.Sprint(srv.Stdout); !strings.Contains(logs, "shutting down") {
		t.Fatalf("no clean shutdown in the log:\n%s", logs)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.GetRun(context.Background(), id)
	st.Close()
	if err != nil || r.Status != store.Queued || r.Crashes != 0 {
		t.Fatalf("after SIGTERM the run is %+v (%v); want queued, no crash", r, err)
	}

	startServer(t, bin, addr, dir)
	run := waitDone(t, base, id, 60*time.Second)
	if run["status"] != "succeeded" || run["crashes"] != nil {
		t.Fatalf("after the restart the run is %v", run)
	}
	if events := get(t, base+"/api/runs/"+id+"/events"); !strings.Contains(events, "queued again: the server stopped during the run") {
		t.Fatalf("events do not tell of the stop:\n%s", events)
	}
	modes := map[string]os.FileMode{
		dir: 0o700, filepath.Join(dir, "files"): 0o700, filepath.Join(dir, "runs"): 0o700,
		filepath.Join(dir, "mlforge.db"): 0o600, filepath.Join(dir, "runs", id, "model.safetensors"): 0o600,
	}
	for p, want := range modes {
		fi, err := os.Stat(p)
		if err != nil {
			t.Error(err)
			continue
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}
