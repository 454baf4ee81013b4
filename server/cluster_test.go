package server

import (
	"context"
	"time"

	"encoding/json"
	"github.com/mlforge/mlforge/internal/pgtest"
	"net/http"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/model"
)

// TestRegistry trains two versions of one model name and checks versions,
// aliases (set, move, list, delete) and predict and download by
// name@alias and name@run_id, on both backends.
func TestRegistry(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			_, ts := newTestServer(t, backend, "")
			base := ts.URL
			old := startIris(t, base, "reg", 0.01)
			newest := startIris(t, base, "reg", 10)
			other := startIris(t, base, "other", 1)

			st, _, b := call(t, "GET", base+"/api/models/reg/versions", "", "", nil)
			var vs modelVersions
			if st != 200 || json.Unmarshal([]byte(b), &vs) != nil {
				t.Fatalf("versions = %d %s", st, b)
			}
			if len(vs.Versions) != 2 || vs.Versions[0].RunID != newest || !vs.Versions[0].Latest || vs.Versions[1].RunID != old ||
				vs.Versions[1].Metrics["accuracy"] == 0 {
				t.Fatalf("versions = %s", b)
			}
			for _, c := range []struct {
				method, path, body string
				status             int
				contain            string
			}{
				{"POST", "/api/models/reg/aliases/champion", `{"run_id": "` + newest + `"}`, 200, newest},
				{"POST", "/api/models/reg/aliases/champion", `{"run_id": "` + old + `"}`, 200, old}, // moved
				{"POST", "/api/models/reg/aliases/challenger", `{"run_id": "` + newest + `"}`, 200, newest},
				{"POST", "/api/models/reg/aliases/x", `{"run_id": "` + other + `"}`, 404, "no version"},
				{"POST", "/api/models/reg/aliases/x", `{"run_id": "nope"}`, 400, "run_id"},
				{"POST", "/api/models/reg/aliases/x", `{"run": "` + old + `"}`, 400, "unknown field"},
				{"POST", "/api/models/reg/aliases/" + old, `{"run_id": "` + old + `"}`, 400, "form of a run id"},
				{"POST", "/api/models/reg/aliases/a%20b", `{"run_id": "` + old + `"}`, 400, "valid alias"},
				{"GET", "/api/models/reg/aliases", "", 200, `"challenger"`},
				{"POST", "/api/models/reg@champion/predict", `{"rows": [{` + iris + `, "petal_width": 0.2}]}`, 200, `"run_id":"` + old + `"`},
				{"POST", "/api/models/reg@" + newest + "/predict", `{"rows": [{` + iris + `, "petal_width": 0.2}]}`, 200, `"run_id":"` + newest + `"`},
				{"POST", "/api/models/reg/predict", `{"rows": [{` + iris + `, "petal_width": 0.2}]}`, 200, `"run_id":"` + newest + `"`},
				{"POST", "/api/models/reg@" + other + "/predict", `{"rows": [{` + iris + `, "petal_width": 0.2}]}`, 404, "no version"},
				{"POST", "/api/models/reg@nosuch/predict", `{"rows": [{` + iris + `, "petal_width": 0.2}]}`, 404, "no alias"},
				{"DELETE", "/api/models/reg/aliases/challenger", "", 204, ""},
				{"DELETE", "/api/models/reg/aliases/challenger", "", 404, "no alias"},
				{"GET", "/api/models/reg/versions", "", 200, `"aliases":["champion"]`},
				{"GET", "/api/models/none/versions", "", 404, "no trained model"},
			} {
				st, _, b := call(t, c.method, base+c.path, "", c.body, nil)
				if st != c.status || !strings.Contains(b, c.contain) {
					t.Errorf("%s %s = %d %s; want %d containing %q", c.method, c.path, st, b, c.status, c.contain)
				}
			}
			// Download by alias hands out that run's file.
			resp, body := getBody(t, base+"/api/models/reg@champion")
			if resp.StatusCode != 200 {
				t.Fatalf("download reg@champion = %d", resp.StatusCode)
			}
			_, want := getBody(t, base+"/api/runs/"+old+"/model")
			if string(body) != string(want) {
				t.Fatal("reg@champion's download is not the champion run's model file")
			}
		})
	}
}

// TestMetricsAndHealth checks /metrics' exposition after a run and a
// predict, and /api/health (200, then 503 once the database is closed).
func TestMetricsAndHealth(t *testing.T) {
	srv, ts := newTestServer(t, "sqlite", "")
	base := ts.URL
	startIris(t, base, "m", 1)
	if st, _, b := call(t, "POST", base+"/api/models/m/predict", "", `{"rows": [{`+iris+`, "petal_width": 0.2}]}`, nil); st != 200 {
		t.Fatalf("predict = %d %s", st, b)
	}
	call(t, "GET", base+"/api/runs/0000000000000000000zz", "", "", nil) // a 400
	st, h, b := call(t, "GET", base+"/metrics", "", "", nil)
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics = %d %s", st, h.Get("Content-Type"))
	}
	for _, want := range []string{
		`mlforge_runs{status="succeeded"} 1`,
		`mlforge_runs{status="queued"} 0`,
		`mlforge_queue_depth 0`,
		`mlforge_model_cache_models 1`,
		`mlforge_model_cache_max_bytes 1073741824`,
		`# TYPE mlforge_predict_duration_seconds histogram`,
		`mlforge_predict_duration_seconds_bucket{le="+Inf"} 1`,
		`mlforge_predict_duration_seconds_count 1`,
		`mlforge_http_requests_total{method="POST",route="/api/runs",code="202"} 1`,
		`mlforge_http_requests_total{method="POST",route="/api/models/{name}/predict",code="200"} 1`,
		`mlforge_http_requests_total{method="GET",route="/api/runs/{id}",code="400"} 1`,
		`mlforge_job_queue_wait_seconds{quantile="0.5"}`,
		`mlforge_http_request_duration_seconds_bucket{route="/api/runs",le="+Inf"} 1`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, b)
		}
	}
	// Every sample line is "name{labels} value" or "name value".
	for _, line := range strings.Split(strings.TrimSpace(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Fields(line); len(f) != 2 && !strings.Contains(line, `="`) {
			t.Errorf("malformed sample line %q", line)
		}
	}

	st, _, b = call(t, "GET", base+"/api/health", "", "", nil)
	if st != 200 || !strings.Contains(b, `"database":"ok"`) {
		t.Fatalf("health = %d %s", st, b)
	}
	srv.Store().DB().Close()
	st, _, b = call(t, "GET", base+"/api/health", "", "", nil)
	if st != http.StatusServiceUnavailable || !strings.Contains(b, `"status":"unavailable"`) {
		t.Fatalf("health with the database closed = %d %s", st, b)
	}
}

// TestModelCacheLRU: the cache keeps at most max bytes, evicting the least
// recently used; a model larger than the bound is not kept.
func TestModelCacheLRU(t *testing.T) {
	c := newModelCache(100)
	a, b, d := &model.Model{}, &model.Model{}, &model.Model{}
	c.put("a", a, 40)
	c.put("b", b, 40)
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("d", d, 40) // 120 > 100: b, the least recently used, goes
	if _, ok := c.get("b"); ok {
		t.Fatal("b kept past the bound")
	}
	if m, ok := c.get("a"); !ok || m != a {
		t.Fatal("a evicted instead of b")
	}
	if n, bytes := c.stats(); n != 2 || bytes != 80 {
		t.Fatalf("stats = %d models, %d bytes; want 2, 80", n, bytes)
	}
	c.put("big", &model.Model{}, 101)
	if _, ok := c.get("big"); ok {
		t.Fatal("a model over the bound was kept")
	}
	c.delete("a")
	if n, bytes := c.stats(); n != 1 || bytes != 40 {
		t.Fatalf("after delete: %d models, %d bytes", n, bytes)
	}
}

// TestRoles: an API-only server and a worker process on one PostgreSQL
// database (and one data folder): the server queues, the worker trains,
// the server serves the model. Both roles refuse SQLite.
func TestRoles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := New(ctx, Config{DataDir: dir, APIOnly: true}); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("API-only server on SQLite: %v, want a refusal naming PostgreSQL", err)
	}
	if _, err := NewWorker(ctx, Config{DataDir: dir}); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("worker on SQLite: %v, want a refusal naming PostgreSQL", err)
	}
	db := pgtest.URL(t)
	_, ts := startTestServer(t, Config{DataDir: dir, DB: db, APIOnly: true})
	st, out := postJSON(t, ts.URL+"/api/runs", irisSpec)
	if st != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", st, out)
	}
	id := out["id"].(string)
	time.Sleep(500 * time.Millisecond) // an API-only server trains nothing
	if b := waitStatus(t, ts.URL, id, "queued"); !strings.Contains(b, `"status":"queued"`) {
		t.Fatal(b)
	}
	w, err := NewWorker(ctx, Config{DataDir: dir, DB: db, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		w.Shutdown(ctx)
	}()
	waitStatus(t, ts.URL, id, "succeeded")
	if st, _, b := call(t, "POST", ts.URL+"/api/models/iris-lr@"+id+"/predict", "", `{"rows": [{`+iris+`, "petal_width": 0.2}]}`, nil); st != 200 {
		t.Fatalf("predict from the API server of the worker's model = %d %s", st, b)
	}
}
