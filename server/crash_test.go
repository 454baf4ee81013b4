package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
	deadline := time.Now().Add(30 * time.Second)
	for before < 5 && time.Now().Before(deadline) {
		before = len(lossPoints(t, base, id))
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
	after := lossPoints(t, base, id)
	if len(after) < before+30 {
		t.Fatalf("metric history: %d points before the kill, %d after the finish; want the first attempt's points kept", before, len(after))
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
// estimator) and returns the binary's path.
func buildSlowServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "slowserver")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/slowserver").CombinedOutput(); err != nil {
		t.Fatalf("building the test server: %v\n%s", err, out)
	}
	return bin
}

// startServer starts `bin serve` on addr with data folder dir and waits
// until it answers; the process is killed when the test ends.
func startServer(t *testing.T, bin, addr, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", dir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
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
