package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCollectSIGKILL starts the server as a process (testdata/slowserver,
// whose collections reach this test's fake SerpApi and image host on
// loopback through server.SetCollectTestHooks), starts a collection,
// kills the server with SIGKILL while the third image's download is under
// way, and starts it again on the same data folder: the collection
// resumes and succeeds, every URL is downloaded once except the one the
// kill cut off (twice), and fsck finds nothing wrong (the kill came
// during a download, before its blob was written: no orphan blob).
func TestCollectSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process")
	}
	var mu sync.Mutex
	hits := map[string]int{}
	held := make(chan struct{}) // closed when the first request of cat/2 arrives
	pics := map[string][]byte{}
	imgs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		n := hits[r.URL.Path]
		mu.Unlock()
		if r.URL.Path == "/cat/2.png" && n == 1 {
			close(held)
			<-r.Context().Done() // held until the server dies
			return
		}
		b, ok := pics[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer imgs.Close()
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
	serp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		res, ok := results[v.Get("q")]
		if v.Get("api_key") != serverSerpKey || !ok || v.Get("ijn") != "0" {
			json.NewEncoder(w).Encode(map[string]string{"error": "Google hasn't returned any results for this query."})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"images_results": res})
	}))
	defer serp.Close()
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	t.Setenv("SLOWSERVER_SERPAPI_URL", serp.URL+"/search.json")
	t.Setenv("SLOWSERVER_COLLECT_ALLOW", imgs.Listener.Addr().String()+","+serp.Listener.Addr().String())

	bin := buildSlowServer(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	srv := startServer(t, bin, addr, dir)
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "pets"}`, status: 201}.run(t, base)
	out := scenario{name: "collect", method: "POST", path: "/api/datasets/pets/collect", body: `{"labels": ["cat", "dog"], "limit": 3}`, status: 202}.run(t, base)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitItems(t, base, "pets", 2) // cat/0 and cat/1
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		t.Fatal("the third image was never asked for")
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()

	startServer(t, bin, addr, dir)
	body := waitStatus(t, base, created.ID, "succeeded")
	if !strings.Contains(body, `"attempt":1`) {
		t.Errorf("the resumed run: %s", body)
	}
	if evs := get(t, base+"/api/runs/"+created.ID+"/events"); !strings.Contains(evs, "collection resumed (attempt 2)") || !strings.Contains(evs, "the server stopped during the run") {
		t.Errorf("the events do not tell of the kill and the resume:\n%s", evs)
	}
	scenario{name: "labels", method: "GET", path: "/api/datasets/pets", status: 200, contain: []string{`{"label":"cat","items":3}`, `{"label":"dog","items":3}`}}.run(t, base)
	mu.Lock()
	for p := range pics {
		want := 1
		if p == "/cat/2.png" {
			want = 2 // the kill cut its first download off
		}
		if hits[p] != want {
			t.Errorf("%s downloaded %d times, want %d", p, hits[p], want)
		}
	}
	mu.Unlock()
	scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":6,"blobs":6,"missing":[],"corrupt":[],"unreferenced":[]`}}.run(t, base)
}
