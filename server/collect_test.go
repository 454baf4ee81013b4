package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlforge/mlforge/internal/safefetch"
)

const serverSerpKey = "srv-key/=+secret"

// fakeCollectWorld starts a fake SerpApi (labels cat and dog, 3 images
// each on page 0) and an image host on loopback, and points the
// collections at them. hold, when set, holds the requests of the third
// image of each label until it is closed.
func fakeCollectWorld(t *testing.T, hold chan struct{}) *atomic.Int64 {
	var hits atomic.Int64
	pics := map[string][]byte{}
	imgs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if hold != nil && strings.HasSuffix(r.URL.Path, "/2.png") {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		b, ok := pics[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(imgs.Close)
	results := map[string][]map[string]any{}
	seed := 0
	for _, q := range []string{"cat", "dog"} {
		for i := 0; i < 3; i++ {
			seed++
			p := fmt.Sprintf("/%s/%d.png", q, i)
			pics[p] = datasetPNG(t, seed)
			results[q] = append(results[q], map[string]any{"position": i + 1, "original": imgs.URL + p})
		}
	}
	results["cat"] = append(results["cat"], map[string]any{"position": 4, "original": "http://2130706433/x.png"})
	serp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		if v.Get("api_key") != serverSerpKey {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "Invalid API key."})
			return
		}
		res, ok := results[v.Get("q")]
		if !ok || v.Get("ijn") != "0" {
			json.NewEncoder(w).Encode(map[string]string{"error": "Google hasn't returned any results for this query."})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"images_results": res})
	}))
	t.Cleanup(serp.Close)
	oldOpts, oldURL := collectFetchOptions, collectSerpApiURL
	collectFetchOptions = safefetch.Options{TestAllow: []netip.AddrPort{
		netip.MustParseAddrPort(imgs.Listener.Addr().String()), netip.MustParseAddrPort(serp.Listener.Addr().String())}}
	collectSerpApiURL = serp.URL + "/search.json"
	t.Cleanup(func() { collectFetchOptions, collectSerpApiURL = oldOpts, oldURL })
	return &hits
}

// runEvents returns the messages of a run's log events.
func runEvents(t *testing.T, s *Server, id string) string {
	evs, err := s.Store().Events(context.Background(), id, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range evs {
		b.Write(e.Data)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCollectAPI(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			hits := fakeCollectWorld(t, nil)
			t.Setenv("SERPAPI_KEY", serverSerpKey)
			s, ts := newTestServer(t, backend, "")
			scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "pets"}`, status: 201}.run(t, ts.URL)
			for _, sc := range []scenario{
				{name: "a key in the body", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "limit": 2, "api_key": "x"}`, status: 400, contain: []string{"never takes an API key", `"field":"api_key"`}},
				{name: "a serpapi_key", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "serpapi_key": "x"}`, status: 400, contain: []string{"never takes an API key"}},
				{name: "no labels", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": [], "limit": 2}`, status: 400, contain: []string{"no labels to collect"}},
				{name: "bad label", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["a/b"], "limit": 2}`, status: 400, contain: []string{`label \"a/b\" is not valid`}},
				{name: "bad limit", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "limit": 0}`, status: 400, contain: []string{"limit: expected 1 to 10000"}},
				{name: "unknown field", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "limit": 1, "workers": 100}`, status: 400, contain: []string{"unknown field"}},
				{name: "bad domain", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "limit": 1, "google_domain": "x.com/?a=b"}`, status: 400, contain: []string{"google_domain"}},
				{name: "no dataset", method: "POST", path: "/api/datasets/nope/collect", body: `{"labels": ["cat"], "limit": 1}`, status: 404, contain: []string{`no dataset \"nope\"`}},
			} {
				sc.run(t, ts.URL)
			}
			out := scenario{name: "collect", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat", "hound:dog"], "limit": 2, "pages": 2}`, status: 202, contain: []string{`"status":"queued"`, `"name":"collect:pets"`}}.run(t, ts.URL)
			var created struct{ ID string }
			json.Unmarshal([]byte(out), &created)
			body := waitStatus(t, ts.URL, created.ID, "succeeded")
			if !strings.Contains(body, `"class":"collect"`) || !strings.Contains(body, `"stored":2`) || strings.Contains(body, "srv-key") {
				t.Fatalf("the collection run: %s", body)
			}
			evs := runEvents(t, s, created.ID)
			for _, want := range []string{`collect \"cat\": page 0: 4 found`, `collect \"hound\": 2 stored (0 before)`, `collect \"cat\": stored http`} {
				if !strings.Contains(evs, want) {
					t.Errorf("the events lack %q:\n%s", want, evs)
				}
			}
			if strings.Contains(evs, "srv-key") {
				t.Errorf("the events hold the key:\n%s", evs)
			}
			scenario{name: "labels", method: "GET", path: "/api/datasets/pets", status: 200, contain: []string{`{"label":"cat","items":2}`, `{"label":"hound","items":2}`}}.run(t, ts.URL)
			scenario{name: "not a model", method: "GET", path: "/api/models", status: 200}.run(t, ts.URL)
			if models := (scenario{method: "GET", path: "/api/models", status: 200}).run(t, ts.URL); strings.Contains(models, "collect:pets") {
				t.Errorf("a collection is listed as a model: %s", models)
			}
			n := hits.Load()
			// Again with a larger limit: only the new images are fetched.
			out = scenario{name: "collect more", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat", "hound:dog"], "limit": 4}`, status: 202}.run(t, ts.URL)
			json.Unmarshal([]byte(out), &created)
			waitStatus(t, ts.URL, created.ID, "succeeded")
			if hits.Load() != n+2 {
				t.Errorf("%d downloads after the second collection, want %d", hits.Load(), n+2)
			}
			evs = runEvents(t, s, created.ID)
			if !strings.Contains(evs, `2130706433`) || !strings.Contains(evs, "non-standard numeric form") {
				t.Errorf("the refused URL is not in the events:\n%s", evs)
			}
			scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200}.run(t, ts.URL)

			// A wrong key: the run fails, its error names the cause, not the key.
			t.Setenv("SERPAPI_KEY", serverSerpKey+"x")
			out = scenario{name: "wrong key", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["fox"], "limit": 1}`, status: 202}.run(t, ts.URL)
			json.Unmarshal([]byte(out), &created)
			body = waitStatus(t, ts.URL, created.ID, "failed")
			if !strings.Contains(body, "1 of 1 labels stopped early: fox: serpapi: page 0 of \\\"fox\\\": HTTP status 401 Unauthorized: Invalid API key.") || strings.Contains(body, "srv-key") {
				t.Errorf("the failed run: %s", body)
			}
			if evs := runEvents(t, s, created.ID); strings.Contains(evs, "srv-key") {
				t.Errorf("the events hold the key:\n%s", evs)
			}
			t.Setenv("SERPAPI_KEY", "")
			scenario{name: "no key", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "limit": 1}`, status: 400, contain: []string{"this server has no SerpApi key"}}.run(t, ts.URL)
		})
	}
}

// TestCollectCancel: a collection is cancelled like a run.
func TestCollectCancel(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	fakeCollectWorld(t, hold)
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	_, ts := newTestServer(t, "sqlite", "")
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "pets"}`, status: 201}.run(t, ts.URL)
	out := scenario{name: "collect", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat"], "limit": 3}`, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "running")
	// The fake host holds the third image back: cancel once the first two
	// are stored (on a loaded machine "running" comes well before them).
	waitItems(t, ts.URL, "pets", 2)
	scenario{name: "cancel", method: "POST", path: "/api/runs/" + created.ID + "/cancel", status: 202}.run(t, ts.URL)
	waitStatus(t, ts.URL, created.ID, "cancelled")
	scenario{name: "two stored", method: "GET", path: "/api/datasets/pets", status: 200, contain: []string{`"items":2`}}.run(t, ts.URL)
}

// waitItems polls dataset name until it holds n items.
func waitItems(t *testing.T, base, name string, n int) {
	t.Helper()
	want := fmt.Sprintf(`"items":%d,`, n)
	var last string
	for i := 0; i < 2000; i++ {
		if resp, err := http.Get(base + "/api/datasets/" + name); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if last = string(b); strings.Contains(last, want) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dataset %s never held %d items: %s", name, n, last)
}

// TestCollectResume: a server stopped during a collection resumes it at
// its next start, and downloads no stored image again.
func TestCollectResume(t *testing.T) {
	hold := make(chan struct{})
	hits := fakeCollectWorld(t, hold)
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	cfg := Config{DataDir: t.TempDir(), Workers: 1}
	ctx := context.Background()
	a, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ta := httptest.NewServer(a.Handler())
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "pets"}`, status: 201}.run(t, ta.URL)
	out := scenario{name: "collect", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat", "dog"], "limit": 3}`, status: 202}.run(t, ta.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitItems(t, ta.URL, "pets", 2) // cat/0 and cat/1; cat/2 is held
	ta.Close()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := a.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	close(hold)
	if n := hits.Load(); n != 3 {
		t.Fatalf("%d downloads before the stop, want 3", n)
	}

	b, tb := startTestServer(t, cfg)
	body := waitStatus(t, tb.URL, created.ID, "succeeded")
	if strings.Contains(body, `"attempt":0`) {
		t.Errorf("the resumed run: %s", body)
	}
	if evs := runEvents(t, b, created.ID); !strings.Contains(evs, "collection resumed (attempt ") || !strings.Contains(evs, "already stored or tried") {
		t.Errorf("the events of the resumed run:\n%s", evs)
	}
	scenario{name: "labels", method: "GET", path: "/api/datasets/pets", status: 200, contain: []string{`{"label":"cat","items":3}`, `{"label":"dog","items":3}`}}.run(t, tb.URL)
	// cat/0 and cat/1 once, cat/2 twice (its first download was cut
	// short by the stop), dog's three once.
	if n := hits.Load(); n != 7 {
		t.Errorf("%d downloads in all, want 7", n)
	}
	scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":6,"blobs":6,"missing":[],"corrupt":[],"unreferenced":[]`}}.run(t, tb.URL)
}
