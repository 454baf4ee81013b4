// Command service load-tests the training service on loopback, bounded in
// time, and prints the figures the service must meet:
//
//   - predict: requests/s and p50/p99 latency of POST /api/models/{name}/predict
//     for a tabular model, with -clients concurrent clients for -duration;
//   - list under training: p50/p99 latency of GET /api/runs while 8 runs train;
//   - cold predict: wall time of `mlforge predict MODEL one-row.csv` (the
//     binary given by -bin), median and worst of -cold runs.
//
// Usage: go build -o /tmp/mlforge ./cmd/mlforge && go run ./bench/service -bin /tmp/mlforge
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlforge/mlforge/server"
)

func main() {
	clients := flag.Int("clients", 8, "concurrent predict clients")
	duration := flag.Duration("duration", 5*time.Second, "how long each load phase lasts")
	bin := flag.String("bin", "", "mlforge binary for the cold-start measurement (skipped if empty)")
	cold := flag.Int("cold", 20, "cold-start runs")
	flag.Parse()
	if err := run(*clients, *duration, *bin, *cold); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

func run(clients int, duration time.Duration, bin string, cold int) error {
	dir, err := os.MkdirTemp("", "mlforge-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: dir, Workers: 8})
	if err != nil {
		return err
	}
	addr, err := srv.Listen()
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	base := "http://" + addr.String()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	id, err := post(hc, base+"/api/runs", `{"name": "iris-lr", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}], "model": {"class": "LogisticRegression"}}`)
	if err != nil {
		return err
	}
	if err := wait(hc, base, id); err != nil {
		return err
	}

	// Phase 1: predict throughput.
	body := `{"rows": [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 5.1, "petal_width": 1.8}]}`
	lat, n := load(clients, duration, func() error {
		resp, err := hc.Post(base+"/api/models/iris-lr/predict", "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("predict: HTTP %d", resp.StatusCode)
		}
		return nil
	})
	fmt.Printf("predict: %d requests in %v with %d clients: %.0f req/s, p50 %v, p99 %v\n",
		n, duration, clients, float64(n)/duration.Seconds(), pct(lat, 50), pct(lat, 99))

	// Phase 2: 8 runs train while a client lists runs.
	slow := `{"name": "busy-%d", "data": {"train": "builtin:digits"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 100000, "tol": 0, "C": 1000}}}`
	var ids []string
	for i := 0; i < 8; i++ {
		id, err := post(hc, base+"/api/runs", fmt.Sprintf(slow, i))
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	time.Sleep(500 * time.Millisecond)
	running := countRunning(hc, base)
	lat, n = load(1, duration, func() error {
		resp, err := hc.Get(base + "/api/runs?limit=50")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil
	})
	fmt.Printf("GET /api/runs while %d runs train: %d requests, p50 %v, p99 %v\n", running, n, pct(lat, 50), pct(lat, 99))
	for _, id := range ids {
		req, _ := http.NewRequest("POST", base+"/api/runs/"+id+"/cancel", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
		}
	}

	// Phase 3: cold-start predict of one row.
	if bin == "" {
		return nil
	}
	csv := filepath.Join(dir, "one.csv")
	os.WriteFile(csv, []byte("sepal_length,sepal_width,petal_length,petal_width\n5.9,3.0,5.1,1.8\n"), 0o644)
	var model string
	filepath.Walk(filepath.Join(dir, "runs"), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Name() == "model.safetensors" && strings.Contains(p, id) {
			model = p
		}
		return nil
	})
	var times []time.Duration
	for i := 0; i < cold; i++ {
		t0 := time.Now()
		out, err := exec.Command(bin, "predict", model, csv).CombinedOutput()
		if err != nil {
			return fmt.Errorf("mlforge predict: %v: %s", err, out)
		}
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("cold `mlforge predict` of one row: median %v, worst %v over %d runs\n", times[len(times)/2], times[len(times)-1], cold)
	return nil
}

func post(hc *http.Client, url, body string) (string, error) {
	resp, err := hc.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("POST %s: %s", url, b)
	}
	return out.ID, nil
}

func wait(hc *http.Client, base, id string) error {
	for i := 0; i < 600; i++ {
		resp, err := hc.Get(base + "/api/runs/" + id)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(b, []byte(`"status":"succeeded"`)) {
			return nil
		}
		if bytes.Contains(b, []byte(`"status":"failed"`)) {
			return fmt.Errorf("run failed: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("run %s did not finish", id)
}

func countRunning(hc *http.Client, base string) int {
	resp, err := hc.Get(base + "/api/runs?status=running")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out struct{ Runs []any }
	json.NewDecoder(resp.Body).Decode(&out)
	return len(out.Runs)
}

// load runs f from n goroutines for d and returns every latency.
func load(n int, d time.Duration, f func() error) ([]time.Duration, int) {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(end) {
				t0 := time.Now()
				if err := f(); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all, len(all)
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, len(s)*p/100)].Round(10 * time.Microsecond)
}
