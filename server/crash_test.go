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
	bin := filepath.Join(t.TempDir(), "slowserver")
	build := exec.Command("go", "build", "-o", bin, "./testdata/slowserver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the test server: %v\n%s", err, out)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", dir)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if resp, err := http.Get(base + "/api/health"); err == nil {
				resp.Body.Close()
				return cmd
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("server did not start: %s", logs.String())
		return nil
	}

	srv := start()
	spec := `{"name": "slow", "data": {"train": "builtin:diabetes"}, "model": {"class": "SlowRegressor", "params": {"n_iter": 30, "step_ms": 100}}}`
	resp, err := http.Post(base+"/api/runs", "application/json", strings.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if created.ID == "" {
		t.Fatal("no run id")
	}
	// Wait until some progress is stored, then kill -9.
	var before int
	deadline := time.Now().Add(30 * time.Second)
	for before < 5 && time.Now().Before(deadline) {
		before = len(lossPoints(t, base, created.ID))
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
	deadline = time.Now().Add(60 * time.Second)
	var run map[string]any
	for time.Now().Before(deadline) {
		r, err := http.Get(base + "/api/runs/" + created.ID)
		if err == nil {
			run = map[string]any{}
			json.NewDecoder(r.Body).Decode(&run)
			r.Body.Close()
			if run["status"] == "succeeded" {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if run["status"] != "succeeded" || run["attempt"] != float64(1) {
		t.Fatalf("after the restart the run is %v", run)
	}
	after := lossPoints(t, base, created.ID)
	if len(after) < before+30 {
		t.Fatalf("metric history: %d points before the kill, %d after the finish; want the first attempt's points kept", before, len(after))
	}
	events := get(t, base+"/api/runs/"+created.ID+"/events")
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
