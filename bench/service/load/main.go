// Command load drives the real `mlforge serve` binary on loopback with a
// bounded, closed-loop load (a fixed number of workers for a fixed time,
// latencies in a fixed-size histogram) and prints the figures issue 14's
// "Load" bullet asks for:
//
//	(a) predict of a small model (iris KNN) at -conns connections on one server;
//	(b) the same across two servers on one PostgreSQL, round robin;
//	(c) GET /api/runs latency while 8 network runs train;
//	(d) -sse clients on one training run's event stream: time to the first
//	    event, events per client, the server's RSS before and after.
//
// It builds ./cmd/mlforge into a temporary folder (or takes -bin), gives
// each server a temporary data folder, and for (b) a fresh schema on the
// PostgreSQL of MLFORGE_TEST_POSTGRES (default as internal/pgtest; "off"
// skips (b)), dropped at the end.
//
// Usage (from the repository root): go run ./bench/service/load [-duration 10s]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/mlforge/mlforge/internal/pgtest"
)

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long each load phase lasts")
	conns := flag.Int("conns", 10, "concurrent predict connections in (a) and (b)")
	sse := flag.Int("sse", 50, "event-stream clients in (d)")
	bin := flag.String("bin", "", "mlforge binary (default: go build ./cmd/mlforge into a temporary folder)")
	flag.Parse()
	if *duration <= 0 || *duration > 10*time.Minute || *conns < 1 || *conns > 1000 || *sse < 1 || *sse > 1000 {
		fmt.Fprintln(os.Stderr, "load: -duration must be in (0, 10m], -conns and -sse in [1, 1000]")
		os.Exit(2)
	}
	if err := run(*duration, *conns, *sse, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

const (
	irisSpec = `{"name": "load-iris", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
	  "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 5}}}`
	irisRow = `{"rows": [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 5.1, "petal_width": 1.8}]}`
	// A digits MLP with enough epochs to outlast a phase; cancelled after.
	netSpec = `{"name": "load-net-%d", "seed": %d, "data": {"train": "builtin:digits"},
	  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 128}, {"type": "ReLU"},
	    {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "criterion": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.001}, "batch_size": 32, "epochs": 2000}`
)

func run(d time.Duration, conns, nsse int, bin string) error {
	tmp, err := os.MkdirTemp("", "mlforge-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "mlforge")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mlforge").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/mlforge (run from the repository root): %v\n%s", err, out)
		}
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s, load average at start %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS+"/"+runtime.GOARCH, orDash(string(load1)))
	fmt.Printf("note: the figures depend on the machine: other processes share these CPUs (the load average above and at the end)\n")
	fmt.Printf("load: closed loop, %v per phase, %d predict connections, %d SSE clients, loopback\n\n", d, conns, nsse)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * max(conns, 8)}}

	// One server on SQLite: (a), (c), (d).
	a, err := startServer(bin, filepath.Join(tmp, "a"), "--workers", "8")
	if err != nil {
		return err
	}
	err = func() error {
		defer a.stop()
		if err := train(hc, a.base, irisSpec); err != nil {
			return err
		}
		r := closedLoop(conns, d, predictOp(hc, []string{a.base}))
		r.print(fmt.Sprintf("(a) predict load-iris, 1 server (SQLite), %d conns", conns), d)

		ids := make([]string, 8)
		for i := range ids {
			if ids[i], err = post(hc, a.base+"/api/runs", fmt.Sprintf(netSpec, i, i)); err != nil {
				return err
			}
		}
		n := waitRunning(hc, a.base, len(ids), time.Minute)
		r = closedLoop(1, d, getOp(hc, a.base+"/api/runs?limit=50"))
		n2 := countRunning(hc, a.base)
		r.print(fmt.Sprintf("(c) GET /api/runs?limit=50, 1 client, while %d (start) / %d (end) network runs train", n, n2), d)
		cancelAll(hc, a.base, ids)

		id, err := post(hc, a.base+"/api/runs", fmt.Sprintf(netSpec, 100, 100))
		if err != nil {
			return err
		}
		waitRunning(hc, a.base, 1, time.Minute)
		sseClients(hc, a, id, nsse, d)
		cancelAll(hc, a.base, []string{id})
		return nil
	}()
	if err != nil {
		return err
	}

	// Two API servers on one PostgreSQL and one object store: (b).
	pg, drop, err := pgSchema()
	if err != nil {
		fmt.Printf("\n(b) skipped: %v\n", err)
		return nil
	}
	defer drop()
	art := "file://" + filepath.Join(tmp, "shared-artifacts")
	var srv [2]*server
	for i := range srv {
		if srv[i], err = startServer(bin, filepath.Join(tmp, fmt.Sprintf("pg%d", i)), "--db", pg, "--artifacts", art, "--workers", "1"); err != nil {
			return err
		}
		defer srv[i].stop()
	}
	if err := train(hc, srv[0].base, irisSpec); err != nil {
		return err
	}
	bases := []string{srv[0].base, srv[1].base}
	if err := predictOp(hc, bases[1:])(); err != nil { // the second server serves the first's model
		return fmt.Errorf("predict on the second server: %w", err)
	}
	r := closedLoop(conns, d, predictOp(hc, bases))
	r.print(fmt.Sprintf("(b) predict load-iris, 2 servers (PostgreSQL) round robin, %d conns", conns), d)
	load2, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nload average at end %s", orDash(string(load2)))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-\n"
	}
	return s
}

// server is one `mlforge serve` process.
type server struct {
	cmd  *exec.Cmd
	base string
}

// startServer starts `mlforge serve` on a free loopback port with data
// folder dir, and returns once it says where it listens.
func startServer(bin, dir string, args ...string) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(dir + ".log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if rest, ok := strings.CutPrefix(line, "mlforge serving on "); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					select {
					case found <- f[0]:
					default:
					}
				}
			}
		}
		logf.Close()
	}()
	select {
	case base := <-found:
		return &server{cmd: cmd, base: base}, nil
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		log, _ := os.ReadFile(dir + ".log")
		return nil, fmt.Errorf("mlforge serve did not start in a minute: %s", log)
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// rssMB returns the server process's resident set size in MB (Linux's
// /proc), or -1.
func (s *server) rssMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscan(rest, &kb)
			return kb / 1024
		}
	}
	return -1
}

// pgSchema returns a URL of a new schema on the test PostgreSQL and a
// function that drops it.
func pgSchema() (string, func(), error) {
	base := os.Getenv("MLFORGE_TEST_POSTGRES")
	if base == "off" {
		return "", nil, errors.New("MLFORGE_TEST_POSTGRES=off")
	}
	if base == "" {
		base = pgtest.DefaultURL
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s not reachable: %v", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "mlf_load_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		return "", nil, err
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	}, nil
}

// result is what a closed loop measured.
type result struct {
	ok         hist
	busy, errs uint64 // 429 answers; other failures
	firstErr   string
}

func (r *result) print(what string, d time.Duration) {
	fmt.Printf("%s\n  %d ok in %v: %.0f req/s; p50 %v, p90 %v, p99 %v, max %v; 429 busy %d (%.0f/s), errors %d%s\n",
		what, r.ok.n, d, float64(r.ok.n)/d.Seconds(), round(r.ok.percentile(50)), round(r.ok.percentile(90)),
		round(r.ok.percentile(99)), round(r.ok.max), r.busy, float64(r.busy)/d.Seconds(), r.errs, orNone(r.firstErr))
}

func orNone(s string) string {
	if s == "" {
		return ""
	}
	return " (first: " + s + ")"
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

var errBusy = errors.New("429")

// closedLoop runs op from n workers, each sending its next request when
// the last one is answered, for d. Each worker keeps its own histogram.
func closedLoop(n int, d time.Duration, op func() error) *result {
	res := make([]result, n)
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range res {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				err := op()
				switch {
				case err == nil:
					r.ok.add(time.Since(t0))
				case errors.Is(err, errBusy):
					r.busy++
				default:
					r.errs++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					time.Sleep(10 * time.Millisecond) // a dead server is not hammered
				}
			}
		}(&res[i])
	}
	wg.Wait()
	var all result
	for i := range res {
		all.ok.merge(&res[i].ok)
		all.busy += res[i].busy
		all.errs += res[i].errs
		if all.firstErr == "" {
			all.firstErr = res[i].firstErr
		}
	}
	return &all
}

// predictOp predicts one iris row, taking the servers in turn.
func predictOp(hc *http.Client, bases []string) func() error {
	var next atomic.Uint64
	return func() error {
		base := bases[int(next.Add(1)%uint64(len(bases)))]
		resp, err := hc.Post(base+"/api/models/load-iris/predict", "application/json", strings.NewReader(irisRow))
		if err != nil {
			return err
		}
		return drain(resp)
	}
}

func getOp(hc *http.Client, url string) func() error {
	return func() error {
		resp, err := hc.Get(url)
		if err != nil {
			return err
		}
		return drain(resp)
	}
}

func drain(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return errBusy
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return nil
}

// sseClients opens n event streams on run id for d and prints, over the
// clients, the time to the first event and the events each received, and
// the server's RSS before the clients connect and at the end.
func sseClients(hc *http.Client, s *server, id string, n int, d time.Duration) {
	before := s.rssMB()
	first := make([]time.Duration, n) // -1: no event
	events := make([]int, n)
	late := make([]int, n) // events of the window's second half: the live rate, past the backlog
	errs := make([]error, n)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	sc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}} // no overall timeout: the context ends it
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			first[i] = -1
			t0 := time.Now()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/api/runs/"+id+"/events", nil)
			resp, err := sc.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Errorf("HTTP %d", resp.StatusCode)
				return
			}
			br := bufio.NewReader(resp.Body)
			for {
				line, err := br.ReadSlice('\n')
				if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
					return // the context ended the stream, or the server did
				}
				if bytes.HasPrefix(line, []byte("event:")) {
					if events[i] == 0 {
						first[i] = time.Since(t0)
					}
					events[i]++
					if time.Since(t0) > d/2 {
						late[i]++
					}
				}
			}
		}(i)
	}
	time.Sleep(d - d/10) // measure while every client is still connected
	during := s.rssMB()
	wg.Wait()
	var nerr int
	var firstErr error
	var got []time.Duration
	for i := range first {
		if errs[i] != nil {
			nerr++
			firstErr = cmpErr(firstErr, errs[i])
		}
		if first[i] >= 0 {
			got = append(got, first[i])
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	ev := append([]int(nil), events...)
	sort.Ints(ev)
	sort.Ints(late)
	half := (d / 2).Seconds()
	fmt.Printf("(d) %d SSE clients on one training network run for %v\n", n, d)
	if len(got) > 0 {
		fmt.Printf("  time to first event: min %v, median %v, max %v (%d of %d clients got one)\n",
			round(got[0]), round(got[len(got)/2]), round(got[len(got)-1]), len(got), n)
	} else {
		fmt.Printf("  no client got an event\n")
	}
	fmt.Printf("  events per client: min %d, median %d, max %d (from the run's first: the backlog counts); errors %d%s\n", ev[0], ev[len(ev)/2], ev[len(ev)-1], nerr, orNone(errString(firstErr)))
	fmt.Printf("  live, in the second half of the window: min %.0f, median %.0f, max %.0f events/s per client\n",
		float64(late[0])/half, float64(late[len(late)/2])/half, float64(late[len(late)-1])/half)
	fmt.Printf("  server RSS: %.1f MB before, %.1f MB with %d clients connected, %.1f MB after they left\n", before, during, n, s.rssMB())
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// train posts spec and waits for the run to succeed.
func train(hc *http.Client, base, spec string) error {
	id, err := post(hc, base+"/api/runs", spec)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		st, b, err := status(hc, base, id)
		if err != nil {
			return err
		}
		switch st {
		case "succeeded":
			return nil
		case "failed", "cancelled":
			return fmt.Errorf("run %s %s: %.500s", id, st, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("run %s did not finish in 2 minutes", id)
}

func status(hc *http.Client, base, id string) (string, []byte, error) {
	resp, err := hc.Get(base + "/api/runs/" + id)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct{ Status string }
	if err := json.Unmarshal(b, &out); err != nil {
		return "", b, fmt.Errorf("GET run %s: %.200s", id, b)
	}
	return out.Status, b, nil
}

func post(hc *http.Client, url, body string) (string, error) {
	resp, err := hc.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct{ ID string }
	if err := json.Unmarshal(b, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("POST %s: HTTP %d: %.500s", url, resp.StatusCode, b)
	}
	return out.ID, nil
}

// waitRunning waits until n runs are running (or timeout) and returns how
// many are.
func waitRunning(hc *http.Client, base string, n int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		got := countRunning(hc, base)
		if got >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countRunning(hc *http.Client, base string) int {
	resp, err := hc.Get(base + "/api/runs?status=running&limit=100")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out struct{ Runs []json.RawMessage }
	json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&out)
	return len(out.Runs)
}

func cancelAll(hc *http.Client, base string, ids []string) {
	for _, id := range ids {
		if resp, err := hc.Post(base+"/api/runs/"+id+"/cancel", "application/json", nil); err == nil {
			drain(resp)
		}
	}
}
