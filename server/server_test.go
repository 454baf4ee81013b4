package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/jobs"
)

func init() {
	jobs.HeartbeatEvery = 100 * time.Millisecond
	jobs.FlushEvery = 20 * time.Millisecond
	ssePoll = 50 * time.Millisecond
}

// newTestServer starts a server on backend ("sqlite" or "postgres") behind
// httptest, with the given token ("" = none).
func newTestServer(t *testing.T, backend, token string) (*Server, *httptest.Server) {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), Token: token, Workers: 2}
	if backend == "postgres" {
		cfg.DB = pgtest.URL(t)
	}
	return startTestServer(t, cfg)
}

// startTestServer starts a server with cfg behind httptest, shut down when
// the test ends.
func startTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, ts
}

type scenario struct {
	name    string
	method  string
	path    string
	body    string
	header  map[string]string
	status  int
	contain []string // substrings the response body must contain
}

func (sc scenario) run(t *testing.T, base string) string {
	t.Helper()
	var body io.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	req, err := http.NewRequest(sc.method, base+sc.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if sc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range sc.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != sc.status {
		t.Fatalf("%s: %s %s = %d, want %d; body %s", sc.name, sc.method, sc.path, resp.StatusCode, sc.status, b)
	}
	for _, c := range sc.contain {
		if !strings.Contains(string(b), c) {
			t.Fatalf("%s: body %s does not contain %q", sc.name, b, c)
		}
	}
	return string(b)
}

const irisSpec = `{"name": "iris-lr", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
	"model": {"class": "LogisticRegression", "params": {"C": 0.5}}, "metrics": ["accuracy", "log_loss"]}`

func backendsToTest() []string { return []string{"sqlite", "postgres"} }

func TestAPIScenarios(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			s, ts := newTestServer(t, backend, "")
			// Start one run and wait for it.
			out := scenario{name: "create", method: "POST", path: "/api/runs", body: irisSpec, status: 202, contain: []string{`"status":"queued"`}}.run(t, ts.URL)
			var created struct{ ID string }
			json.Unmarshal([]byte(out), &created)
			waitStatus(t, ts.URL, created.ID, "succeeded")
			big := `{"name": "x", "pad": "` + strings.Repeat("a", MaxSpecBody) + `"}`
			missing := "0000000000000deadbeef"
			os.WriteFile(filepath.Join(s.filesDir, "ragged.csv"), []byte("a,b,target\n1,2,x\n3,y\n"), 0o644)
			os.WriteFile(filepath.Join(s.cfg.DataDir, "secret.csv"), []byte("a,target\n1,x\n"), 0o644)
			csvSpec := func(path string) string {
				return fmt.Sprintf(`{"name": "f", "data": {"train": %q}, "model": {"class": "GaussianNB"}}`, path)
			}
			for _, sc := range []scenario{
				{name: "get run", method: "GET", path: "/api/runs/" + created.ID, status: 200, contain: []string{`"status":"succeeded"`, `"params":{"C":0.5}`, `"accuracy":`}},
				{name: "list", method: "GET", path: "/api/runs", status: 200, contain: []string{created.ID}},
				{name: "list by name", method: "GET", path: "/api/runs?name=iris-lr&status=succeeded&limit=5", status: 200, contain: []string{created.ID}},
				{name: "list other name", method: "GET", path: "/api/runs?name=nope", status: 200, contain: []string{`"runs":[]`}},
				{name: "list bad status", method: "GET", path: "/api/runs?status=weird", status: 400, contain: []string{`"field":"status"`}},
				{name: "list bad limit", method: "GET", path: "/api/runs?limit=0", status: 400, contain: []string{`"field":"limit"`}},
				{name: "list bad name", method: "GET", path: "/api/runs?name=a/b", status: 400, contain: []string{`"code":"bad_name"`}},
				{name: "metrics", method: "GET", path: "/api/runs/" + created.ID + "/metrics", status: 200, contain: []string{`"loss":[`, `"test_accuracy":[`}},
				{name: "events replay", method: "GET", path: "/api/runs/" + created.ID + "/events", status: 200, contain: []string{"event: status", "event: metric", "event: end"}},
				{name: "events resume", method: "GET", path: "/api/runs/" + created.ID + "/events", header: map[string]string{"Last-Event-ID": "1000000"}, status: 200, contain: []string{"event: end"}},
				{name: "events bad resume", method: "GET", path: "/api/runs/" + created.ID + "/events", header: map[string]string{"Last-Event-ID": "x"}, status: 400},
				{name: "missing run", method: "GET", path: "/api/runs/" + missing, status: 404, contain: []string{`"code":"not_found"`}},
				{name: "bad id", method: "GET", path: "/api/runs/not-an-id", status: 400, contain: []string{`"code":"bad_id"`}},
				{name: "cancel finished", method: "POST", path: "/api/runs/" + created.ID + "/cancel", status: 409},
				{name: "malformed json", method: "POST", path: "/api/runs", body: `{"name": `, status: 400, contain: []string{`"code":"invalid_spec"`}},
				{name: "unknown field", method: "POST", path: "/api/runs", body: `{"name": "a", "dta": {}}`, status: 400, contain: []string{`did you mean \"data\"`}},
				{name: "bad param", method: "POST", path: "/api/runs", body: `{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": "five"}}}`, status: 400, contain: []string{`"field":"model.params.C"`}},
				{name: "bad name", method: "POST", path: "/api/runs", body: `{"name": "../etc", "data": {"train": "builtin:iris"}, "model": {"class": "GaussianNB"}}`, status: 400, contain: []string{`"field":"name"`}},
				{name: "oversized", method: "POST", path: "/api/runs", body: big, status: 413, contain: []string{`"code":"too_large"`}},
				{name: "wrong content type", method: "POST", path: "/api/runs", body: irisSpec, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
				{name: "traversal dotdot", method: "POST", path: "/api/runs", body: csvSpec("../secret.csv"), status: 400, contain: []string{`"field":"data.train"`}},
				{name: "traversal absolute", method: "POST", path: "/api/runs", body: csvSpec("/etc/passwd"), status: 400, contain: []string{`"field":"data.train"`}},
				{name: "traversal backslash", method: "POST", path: "/api/runs", body: csvSpec(`..\\secret.csv`), status: 400, contain: []string{`"field":"data.train"`}},
				{name: "traversal encoded", method: "POST", path: "/api/runs", body: csvSpec("%2e%2e/secret.csv"), status: 400, contain: []string{`"field":"data.train"`}},
				{name: "traversal in output", method: "POST", path: "/api/runs", body: `{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "GaussianNB"}, "output": "../../x"}`, status: 400, contain: []string{`"field":"output"`}},
				{name: "model traversal", method: "GET", path: "/api/models/..%2f..%2fetc", status: 400},
				{name: "model encoded dots", method: "GET", path: "/api/models/%252e%252e", status: 400},
				{name: "model missing", method: "GET", path: "/api/models/nope", status: 404},
				{name: "models", method: "GET", path: "/api/models", status: 200, contain: []string{`"name":"iris-lr"`}},
				{name: "download", method: "GET", path: "/api/models/iris-lr", status: 200, contain: []string{"mlforge-model"}},
				{name: "predict rows", method: "POST", path: "/api/models/iris-lr/predict", body: `{"rows": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}], "proba": true}`, status: 200, contain: []string{`"predictions":["setosa"]`, `"classes":["setosa","versicolor","virginica"]`}},
				{name: "predict instances", method: "POST", path: "/api/models/iris-lr/predict", body: `{"instances": [[6.7, 3.0, 5.2, 2.3]]}`, status: 200, contain: []string{`"predictions":["virginica"]`}},
				{name: "predict missing column", method: "POST", path: "/api/models/iris-lr/predict", body: `{"rows": [{"sepal_length": 5.1}]}`, status: 400, contain: []string{"missing column"}},
				{name: "predict unknown column", method: "POST", path: "/api/models/iris-lr/predict", body: `{"rows": [{"color": 1}]}`, status: 400, contain: []string{`unknown column \"color\"`}},
				{name: "predict short row", method: "POST", path: "/api/models/iris-lr/predict", body: `{"instances": [[1, 2]]}`, status: 400, contain: []string{"has 2 values, the model expects 4"}},
				{name: "predict bad json", method: "POST", path: "/api/models/iris-lr/predict", body: `{"instances": "x"}`, status: 400},
				{name: "predict unknown key", method: "POST", path: "/api/models/iris-lr/predict", body: `{"instancez": []}`, status: 400},
				{name: "predict empty", method: "POST", path: "/api/models/iris-lr/predict", body: `{}`, status: 400, contain: []string{"no rows"}},
				{name: "classes", method: "GET", path: "/api/classes", status: 200, contain: []string{`"name":"KNeighborsClassifier"`, `"name":"n_neighbors"`, `"name":"f1_macro"`, `"name":"iris"`}},
				{name: "unknown route", method: "GET", path: "/api/nope", status: 404},
				{name: "wrong method", method: "PUT", path: "/api/runs", status: 405},
			} {
				sc.run(t, ts.URL)
			}
			// A run that fails on bad data is marked failed with the reason.
			out = scenario{name: "ragged", method: "POST", path: "/api/runs", body: csvSpec("ragged.csv"), status: 202}.run(t, ts.URL)
			json.Unmarshal([]byte(out), &created)
			r := waitStatus(t, ts.URL, created.ID, "failed")
			if !strings.Contains(r, "line 3") {
				t.Fatalf("failed run does not name the ragged line: %s", r)
			}
			scenario{name: "delete", method: "DELETE", path: "/api/runs/" + created.ID, status: 204}.run(t, ts.URL)
			scenario{name: "deleted", method: "GET", path: "/api/runs/" + created.ID, status: 404}.run(t, ts.URL)
		})
	}
}

func TestAuth(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "s3cret-token")
	for _, sc := range []scenario{
		{name: "no token", method: "GET", path: "/api/runs", status: 401, contain: []string{`"code":"unauthorized"`}},
		{name: "bad token", method: "GET", path: "/api/runs", header: map[string]string{"Authorization": "Bearer nope"}, status: 401},
		{name: "sse without token", method: "GET", path: "/api/runs/0000000000000deadbeef/events", status: 401},
		{name: "good token", method: "GET", path: "/api/runs", header: map[string]string{"Authorization": "Bearer s3cret-token"}, status: 200},
		{name: "query token only on the event stream", method: "GET", path: "/api/runs?token=s3cret-token", status: 401},
	} {
		sc.run(t, ts.URL)
	}
	// A non-loopback address without a token gets one generated.
	dir := t.TempDir()
	s, err := New(context.Background(), Config{Addr: "0.0.0.0:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if !s.TokenGenerated || len(s.Token()) < 32 {
		t.Fatalf("no token generated for a public address")
	}
	if fi, err := os.Stat(filepath.Join(dir, "token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
}

func TestCancelRunning(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	// A slow run: k-NN leave-nothing-out on digits is quick, so use many
	// LogisticRegression iterations with a tolerance it cannot reach.
	body := `{"name": "slow", "data": {"train": "builtin:digits"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 100000, "tol": 0, "C": 1000}}}`
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: body, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "running")
	scenario{name: "cancel", method: "POST", path: "/api/runs/" + created.ID + "/cancel", status: 202}.run(t, ts.URL)
	waitStatus(t, ts.URL, created.ID, "cancelled")
}

func waitStatus(t *testing.T, base, id, want string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/runs/" + id)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(b)
			var own struct{ Status string } // the run's, not a sweep child's
			json.Unmarshal(b, &own)
			if own.Status == want {
				return last
			}
			if want != "failed" && own.Status == "failed" {
				t.Fatalf("run failed: %s", last)
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("run %s never reached %s: %s", id, want, last)
	return ""
}
