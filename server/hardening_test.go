package server

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

// startLoopback starts a real server (its own http.Server with the
// configured timeouts) on 127.0.0.1 and returns it and its base URL.
func startLoopback(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Workers = 1
	ctx := context.Background()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addr, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, "http://" + addr.String()
}

// call sends one request and returns its status, headers and body.
func call(t *testing.T, method, url, host, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestHostCheck: without a token only loopback names are served (DNS
// rebinding); with one, the token is the guard.
func TestHostCheck(t *testing.T) {
	_, base := startLoopback(t, Config{})
	port := base[strings.LastIndexByte(base, ':')+1:]
	for _, tc := range []struct {
		name, method, path, host, body string
		status                         int
	}{
		{"rebinding POST", "POST", "/api/runs", "evil.example:" + port, irisSpec, 421},
		{"rebinding GET", "GET", "/api/runs", "evil.example:" + port, "", 421},
		{"rebinding page", "GET", "/", "evil.example", "", 421},
		{"suffix trick", "GET", "/api/runs", "127.0.0.1.evil.example:" + port, "", 421},
		{"localhost prefix", "GET", "/api/runs", "localhost.evil.example:" + port, "", 421},
		{"bad port", "GET", "/api/runs", "127.0.0.1:x", "", 421},
		{"bare IPv6", "GET", "/api/runs", "::1", "", 421},
		{"127.0.0.1", "GET", "/api/runs", "127.0.0.1:" + port, "", 200},
		{"localhost", "GET", "/api/runs", "localhost:" + port, "", 200},
		{"LOCALHOST", "GET", "/api/runs", "LOCALHOST:" + port, "", 200},
		{"[::1]", "GET", "/api/runs", "[::1]:" + port, "", 200},
		{"no port", "GET", "/api/health", "localhost", "", 200},
	} {
		st, _, b := call(t, tc.method, base+tc.path, tc.host, tc.body, nil)
		if st != tc.status {
			t.Errorf("%s: Host %q: %d %s, want %d", tc.name, tc.host, st, b, tc.status)
		}
		if st == 421 && !strings.Contains(b, `"code":"misdirected"`) {
			t.Errorf("%s: body %s", tc.name, b)
		}
	}
	_, tbase := startLoopback(t, Config{Token: "host-check-token"})
	if st, _, b := call(t, "GET", tbase+"/api/runs", "ml.example.com", "", map[string]string{"Authorization": "Bearer host-check-token"}); st != 200 {
		t.Errorf("with a token, another Host: %d %s", st, b)
	}
}

// TestTokenRules: the Bearer scheme in any case, no bare token, ?token=
// only on the event stream, the cookie, and the checks at start.
func TestTokenRules(t *testing.T) {
	const tok = "token-rules-token"
	_, base := startLoopback(t, Config{Token: tok})
	ev := "/api/runs/0000000000000deadbeef/events"
	for _, tc := range []struct {
		name, path string
		header     map[string]string
		status     int
	}{
		{"Bearer", "/api/runs", map[string]string{"Authorization": "Bearer " + tok}, 200},
		{"bearer", "/api/runs", map[string]string{"Authorization": "bearer " + tok}, 200},
		{"BEARER, two spaces", "/api/runs", map[string]string{"Authorization": "BEARER  " + tok}, 200},
		{"bare token", "/api/runs", map[string]string{"Authorization": tok}, 401},
		{"Basic", "/api/runs", map[string]string{"Authorization": "Basic " + tok}, 401},
		{"wrong", "/api/runs", map[string]string{"Authorization": "Bearer x" + tok}, 401},
		{"prefix", "/api/runs", map[string]string{"Authorization": "Bearer " + tok[:5]}, 401},
		{"scheme only", "/api/runs", map[string]string{"Authorization": "Bearer"}, 401},
		{"none", "/api/runs", nil, 401},
		{"query on a route", "/api/runs?token=" + tok, nil, 401},
		{"query on the stream", ev + "?token=" + tok, nil, 404}, // passed the token check
		{"stream without token", ev, nil, 401},
		{"cookie", "/api/runs", map[string]string{"Cookie": "mlforge_token=" + tok}, 200},
		{"wrong cookie", "/api/runs", map[string]string{"Cookie": "mlforge_token=nope"}, 401},
		{"header wins over cookie", "/api/runs", map[string]string{"Authorization": "Bearer nope", "Cookie": "mlforge_token=" + tok}, 401},
		{"static without token", "/app.js", nil, 401},
		{"static with cookie", "/app.js", map[string]string{"Cookie": "mlforge_token=" + tok}, 200},
		{"login page", "/", nil, 401},
		{"login script", "/login.js", nil, 200},
	} {
		st, _, b := call(t, "GET", base+tc.path, "", "", tc.header)
		if st != tc.status {
			t.Errorf("%s: GET %s = %d %.200s, want %d", tc.name, tc.path, st, b, tc.status)
		}
	}
	st, h, _ := call(t, "DELETE", base+"/api/session", "", "", map[string]string{"Authorization": "Bearer " + tok})
	if st != 204 || !strings.Contains(h.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("DELETE /api/session = %d, Set-Cookie %q", st, h.Get("Set-Cookie"))
	}
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"0.0.0.0:0", "x", false},
		{"0.0.0.0:0", strings.Repeat("a", 31), false},
		{"0.0.0.0:0", strings.Repeat("a", 32), true},
		{"127.0.0.1:0", "short", true},
		{"127.0.0.1:0", "has space", false},
		{"127.0.0.1:0", "semi;colon", false},
	} {
		s, err := New(context.Background(), Config{Addr: tc.addr, DataDir: t.TempDir(), Token: tc.token})
		if s != nil {
			s.Shutdown(context.Background())
		}
		if (err == nil) != tc.ok {
			t.Errorf("New(%s, token %q): err %v, want ok %v", tc.addr, tc.token, err, tc.ok)
		}
		if err != nil && len(tc.token) < 32 && tc.addr == "0.0.0.0:0" && !strings.Contains(err.Error(), "at least 32") {
			t.Errorf("error %q does not say the minimum", err)
		}
	}
}

// TestSlowBody: connections that send their body a byte at a time are
// closed by the read timeout, and slow headers by the header timeout.
func TestSlowBody(t *testing.T) {
	_, base := startLoopback(t, Config{Limits: Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 400 * time.Millisecond, Validate: 8}})
	addr := strings.TrimPrefix(base, "http://")
	for _, tc := range []struct {
		name, head string
	}{
		{"slow body", "POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"},
		{"slow headers", "POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan string, 3)
			for range 3 {
				go func() {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						done <- err.Error()
						return
					}
					defer c.Close()
					fmt.Fprint(c, tc.head)
					// A byte every 100 ms, for as long as the server takes them.
					go func() {
						for {
							time.Sleep(100 * time.Millisecond)
							if _, err := c.Write([]byte("x")); err != nil {
								return
							}
						}
					}()
					c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a guard, not a measurement
					b, err := io.ReadAll(c)
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						done <- "still open after 20 s"
						return
					}
					done <- "closed: " + strings.SplitN(string(b), "\r\n", 2)[0]
				}()
			}
			for range 3 {
				if got := <-done; !strings.HasPrefix(got, "closed") {
					t.Errorf("connection %s", got)
				} else if tc.name == "slow body" && !strings.Contains(got, "408") {
					t.Errorf("slow body answered %q, want 408", got)
				}
			}
		})
	}
}

// trainModel starts a run of spec and waits for it to succeed.
func trainModel(t *testing.T, base, spec string) {
	t.Helper()
	st, _, b := call(t, "POST", base+"/api/runs", "", spec, nil)
	if st != 202 {
		t.Fatalf("POST /api/runs = %d %s", st, b)
	}
	var c struct{ ID string }
	json.Unmarshal([]byte(b), &c)
	waitStatus(t, base, c.ID, "succeeded")
}

const iris = `"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4`

// TestStrictPredict: predict JSON as strict as a spec's.
func TestStrictPredict(t *testing.T) {
	_, base := startLoopback(t, Config{})
	trainModel(t, base, irisSpec)
	trainModel(t, base, `{"name": "iris-imp", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "SimpleImputer"}], "model": {"class": "GaussianNB"}}`)
	p := "/api/models/iris-lr/predict"
	for _, tc := range []struct {
		name, path, body string
		status           int
		contain          string
	}{
		{"valid", p, `{"rows": [{` + iris + `, "petal_width": 0.2}]}`, 200, `"predictions":["setosa"]`},
		{"target skipped", p, `{"rows": [{` + iris + `, "petal_width": 0.2, "target": "x"}]}`, 200, `setosa`},
		{"null feature", p, `{"rows": [{` + iris + `, "petal_width": null}]}`, 400, "does not impute"},
		{"null instance", p, `{"instances": [[5.1, 3.5, null, 0.2]]}`, 400, "does not impute"},
		{"null with an imputer", "/api/models/iris-imp/predict", `{"rows": [{` + iris + `, "petal_width": null}]}`, 200, `"predictions":[`},
		{"duplicate column", p, `{"rows": [{` + iris + `, "petal_width": 0.2, "petal_width": 9}]}`, 400, `appears twice`},
		{"duplicate target", p, `{"rows": [{` + iris + `, "petal_width": 0.2, "target": 1, "target": 2}]}`, 400, `appears twice`},
		{"duplicate key", p, `{"instances": [[1,2,3,4]], "instances": [[1,2,3,4]]}`, 400, `appears twice`},
		{"trailing text", p, `{"instances": [[5.1, 3.5, 1.4, 0.2]]} x`, 400, "after the JSON"},
		{"two objects", p, `{"instances": [[5.1, 3.5, 1.4, 0.2]]}{}`, 400, "after the JSON"},
		{"trailing space", p, "{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}\n \n", 200, "setosa"},
		{"string feature", p, `{"instances": [[5.1, "3.5", 1.4, 0.2]]}`, 400, "expected a number"},
		{"overflow", p, `{"instances": [[5.1, 1e999, 1.4, 0.2]]}`, 400, "bad_request"},
		{"long instance", p, `{"instances": [[1, 2, 3, 4, 5]]}`, 400, "more than 4 values"},
		{"both", p, `{"rows": [], "instances": []}`, 400, "not both"},
		{"rows null", p, `{"rows": null}`, 400, "expected an array"},
		{"proba string", p, `{"instances": [[1,2,3,4]], "proba": "yes"}`, 400, "true or false"},
		{"images to a table model", p, `{"images": []}`, 400, "table data"},
		{"not an object", p, `[1]`, 400, "expected an object"},
		{"truncated", p, `{"instances": [[1,2,3,4]`, 400, "ends early"},
		{"content type", p, "", 415, ""},
	} {
		h := map[string]string{}
		body := tc.body
		if tc.status == 415 {
			h["Content-Type"], body = "text/plain", `{}`
		}
		st, _, b := call(t, "POST", base+tc.path, "", body, h)
		if st != tc.status || !strings.Contains(b, tc.contain) {
			t.Errorf("%s: %d %.300s, want %d containing %q", tc.name, st, b, tc.status, tc.contain)
		}
	}
}

// heapPeak samples the heap while f runs and returns its growth at the
// peak, from runtime/metrics.
func heapPeak(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// TestPredictRowLimitStreams: a body of far more rows than the limit is
// refused while it streams, with memory bounded by the limit (the whole
// 16 MiB body of 870,000 rows once took 417 MB), and a body over the byte
// limit is a 413.
func TestPredictRowLimitStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 16 MiB bodies through the JSON decoder: one request at a time, nothing for the race detector to see, and 4 minutes under it (-short; the plain run covers it)")
	}
	// The read and write timeouts are not under test here: under the race
	// detector on a loaded machine the 16 MiB body takes longer than their
	// defaults (30 s, 2 min) to stream through.
	_, base := startLoopback(t, Config{Limits: Limits{ReadTimeout: 10 * time.Minute, WriteTimeout: 10 * time.Minute}})
	trainModel(t, base, irisSpec)
	row := "[5.1,3.5,1.4,0.2],"
	for _, tc := range []struct {
		name    string
		body    func(w io.Writer)
		contain string
	}{
		{"rows", func(w io.Writer) {
			io.WriteString(w, `{"instances": [`)
			chunk := strings.Repeat(row, 1000)
			for range (MaxPredictBody - 100) / len(chunk) {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			io.WriteString(w, "[1,2,3,4]]}")
		}, "more than 100000 rows"},
		{"bytes", func(w io.Writer) {
			io.WriteString(w, `{"instances": [[1,2,3,4]]`)
			pad := strings.Repeat(" ", 1<<16)
			for range (MaxPredictBody / len(pad)) + 2 {
				if _, err := io.WriteString(w, pad); err != nil {
					return
				}
			}
			io.WriteString(w, "}")
		}, "exceeds"},
	} {
		var st int
		var b []byte
		grew := heapPeak(func() {
			pr, pw := io.Pipe()
			go func() { tc.body(pw); pw.Close() }()
			req, _ := http.NewRequest("POST", base+"/api/models/iris-lr/predict", pr)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			pr.CloseWithError(io.ErrClosedPipe)
			if err != nil {
				t.Fatal(err)
			}
			st = resp.StatusCode
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		})
		t.Logf("%s: heap grew by at most %.1f MB", tc.name, float64(grew)/1e6)
		if st != 413 || !strings.Contains(string(b), tc.contain) {
			t.Errorf("%s: %d %s, want 413 containing %q", tc.name, st, b, tc.contain)
		}
		if grew > 100<<20 {
			t.Errorf("%s: the heap grew by %d bytes, over the 100 MiB ceiling", tc.name, grew)
		}
	}
}

// TestBusy: predict and validate beyond their limits are answered 429 with
// Retry-After, and the slot comes back when the request ends.
func TestBusy(t *testing.T) {
	srv, base := startLoopback(t, Config{Limits: Limits{Predict: 1, Validate: 1}})
	trainModel(t, base, irisSpec)
	for _, tc := range []struct {
		path, open, body string
		slots            *slots
	}{
		{"/api/models/iris-lr/predict", `{"instances": [`, `{"instances": [[5.1, 3.5, 1.4, 0.2]]}`, srv.predictSlots},
		{"/api/validate", `{"name": `, irisSpec, srv.validateSlots},
	} {
		// Hold the only slot: a request whose body never ends. Nothing
		// else is sent until the server shows it holds the slot, so no
		// probe can take it first.
		pr, pw := io.Pipe()
		held := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest("POST", base+tc.path, pr)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				held <- 0
				return
			}
			resp.Body.Close()
			held <- resp.StatusCode
		}()
		pw.Write([]byte(tc.open))
		for deadline := time.Now().Add(20 * time.Second); len(tc.slots.c) == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the held request never took its slot", tc.path)
			}
		}
		st, h, b := call(t, "POST", base+tc.path, "", tc.body, nil)
		if st != 429 || h.Get("Retry-After") == "" || !strings.Contains(b, `"code":"busy"`) {
			t.Errorf("%s: %d %v %s, want 429 with Retry-After", tc.path, st, h, b)
		}
		pw.Write([]byte("1]]}"))
		pw.Close()
		<-held
		// The handler frees its slot just after the client has the
		// response, so the next request may race it for a moment.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			st, _, b := call(t, "POST", base+tc.path, "", tc.body, nil)
			if st == 200 {
				break
			}
			if st != 429 || time.Now().After(deadline) {
				t.Errorf("%s after the held request ended: %d %s", tc.path, st, b)
				break
			}
		}
	}
}

// TestPredictPixelBudget: the images of one request are checked from their
// headers against the pixel budget before any is decoded.
func TestPredictPixelBudget(t *testing.T) {
	s, base := startLoopback(t, Config{Limits: Limits{PredictPixels: 64 * 10}})
	writeCorners(t, s)
	trainModel(t, base, cornersSpec)
	img := func(n int) string {
		list := make([]string, n)
		for i := range list {
			list[i] = `"` + b64(cornerPNG(t, "tl", i)) + `"`
		}
		return `{"images": [` + strings.Join(list, ",") + `]}`
	}
	if st, _, b := call(t, "POST", base+"/api/models/corners/predict", "", img(10), nil); st != 200 {
		t.Errorf("10 images of 8x8 within a budget of 640 pixels: %d %s", st, b)
	}
	st, _, b := call(t, "POST", base+"/api/models/corners/predict", "", img(11), nil)
	if st != 413 || !strings.Contains(b, "images[10]") || !strings.Contains(b, "704 pixels") {
		t.Errorf("11 images: %d %s, want 413 naming images[10]", st, b)
	}
}

// TestStreamOutlivesTimeouts: the event stream lasts past the server's
// read and write timeouts, its writes bounded one by one.
func TestStreamOutlivesTimeouts(t *testing.T) {
	saved := sseHeartbeat
	sseHeartbeat = 20 * time.Millisecond
	t.Cleanup(func() { sseHeartbeat = saved })
	s, base := startLoopback(t, Config{Limits: Limits{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}})
	id := queuedRun(t, s)
	resp, err := http.Get(base + "/api/runs/" + id + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	start := time.Now()
	beats := 0
	for time.Since(start) < time.Second && sc.Scan() {
		if sc.Text() == ": heartbeat" {
			beats++
		}
	}
	if time.Since(start) < time.Second {
		t.Fatalf("the stream ended after %v and %d heartbeats (%v)", time.Since(start), beats, sc.Err())
	}
}

// TestPathFreeErrors: error messages name files relative to the data
// folder, never by their absolute path.
func TestPathFreeErrors(t *testing.T) {
	s, base := startLoopback(t, Config{})
	trainModel(t, base, irisSpec)
	breakModel(t, s, "iris-lr")
	blockUploads(t, s)
	for _, tc := range []struct {
		name, method, path, body string
		contain                  string
	}{
		{"broken model file", "POST", "/api/models/iris-lr/predict", `{"instances": [[1,2,3,4]]}`, "runs/"},
	} {
		st, _, b := call(t, tc.method, base+tc.path, "", tc.body, nil)
		if strings.Contains(b, s.cfg.DataDir) || !strings.Contains(b, tc.contain) {
			t.Errorf("%s: %d %s shows the data folder or lacks %q", tc.name, st, b, tc.contain)
		}
	}
	st, b := upload(t, base, "", "a.csv", "x,y\n1,2\n", nil)
	if strings.Contains(b, s.cfg.DataDir) || !strings.Contains(b, "uploads") {
		t.Errorf("upload into a blocked folder: %d %s", st, b)
	}
}

const cornersSpec = `{"name": "corners", "seed": 1, "data": {"train": "corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
	"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 5}`

// writeCorners writes the corners image folder of TestImageNetworkPredict.
func writeCorners(t *testing.T, s *Server) {
	t.Helper()
	for _, class := range []string{"br", "tl"} {
		dir := filepath.Join(s.filesDir, "corners", class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 8; i++ {
			if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), cornerPNG(t, class, i), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// queuedRun stores a run that no worker will take, so its stream never
// ends.
func queuedRun(t *testing.T, s *Server) string {
	t.Helper()
	run := &store.Run{ID: store.NewID(), Name: "waiting", Class: "GaussianNB", Spec: json.RawMessage(irisSpec), Status: store.Queued}
	if err := s.store.CreateRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// breakModel overwrites the model file of the newest run named name.
func breakModel(t *testing.T, s *Server, name string) {
	t.Helper()
	runs, err := s.store.ListRuns(context.Background(), store.ListOptions{Name: name, Limit: 1})
	if err != nil || len(runs) == 0 {
		t.Fatalf("no run %s: %v", name, err)
	}
	p := filepath.Join(s.cfg.DataDir, jobs.ModelDir(runs[0].ID), model.FileName)
	if err := os.WriteFile(p, []byte("not a model"), 0o600); err != nil {
		t.Fatal(err)
	}
	// And its copy in the object store, which would be taken instead.
	key, _ := artifacts.Key(runs[0].ID, artifacts.ModelFile)
	if err := s.art.Bucket().WriteAll(context.Background(), key, []byte("not a model"), nil); err != nil {
		t.Fatal(err)
	}
}

// blockUploads puts a file where the uploads folder goes.
func blockUploads(t *testing.T, s *Server) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.filesDir, uploadDir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}
