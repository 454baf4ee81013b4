package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/store"
)

const cliKey = "cli-secret-key+1"

// fakeSearch starts a fake SerpApi and an image host on loopback, points
// mlforge datasets collect at them, and returns the image host's request
// counter.
func fakeSearch(t *testing.T) *atomic.Int64 {
	var hits atomic.Int64
	pics := map[string][]byte{}
	imgs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := pics[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(imgs.Close)
	seed := 0
	results := map[string][]map[string]any{}
	for _, q := range []string{"cat", "dog"} {
		for i := 0; i < 3; i++ {
			seed++
			m := image.NewRGBA(image.Rect(0, 0, 12, 10))
			for p := range m.Pix {
				m.Pix[p] = uint8(p * seed * 29 % 253)
			}
			m.Set(0, 0, color.RGBA{uint8(seed), 0, 0, 255})
			var b bytes.Buffer
			png.Encode(&b, m)
			path := fmt.Sprintf("/%s/%d.png", q, i)
			pics[path] = b.Bytes()
			results[q] = append(results[q], map[string]any{"position": i + 1, "original": imgs.URL + path, "original_width": 12, "original_height": 10})
		}
	}
	serp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		if v.Get("api_key") != cliKey {
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
	old, oldURL := collectFetchOptions, collectSerpApiURL
	collectFetchOptions = safefetch.Options{TestAllow: []netip.AddrPort{
		netip.MustParseAddrPort(imgs.Listener.Addr().String()), netip.MustParseAddrPort(serp.Listener.Addr().String())}}
	collectSerpApiURL = serp.URL + "/search.json"
	t.Cleanup(func() { collectFetchOptions, collectSerpApiURL = old, oldURL })
	return &hits
}

func TestDatasetsCollect(t *testing.T) {
	hits := fakeSearch(t)
	dir := t.TempDir()
	t.Setenv("SERPAPI_KEY", "")
	code, out := dsCmd(t, "datasets", "collect", "pets", "--labels", "cat, kitty:dog", "--limit", "2", "--data", dir, "--serpapi-key", cliKey)
	if code != 0 || !strings.Contains(out, "cat    0    2") || !strings.Contains(out, "kitty  0    2") || !strings.Contains(out, `collect "kitty": stored http`) {
		t.Fatalf("collect = %d\n%s", code, out)
	}
	if hits.Load() != 4 {
		t.Fatalf("%d downloads, want 4", hits.Load())
	}
	labels := filepath.Join(t.TempDir(), "labels.txt")
	os.WriteFile(labels, []byte("# pets\ncat\n\nkitty:dog\n"), 0o600)
	t.Setenv("SERPAPI_KEY", cliKey)
	code, out = dsCmd(t, "datasets", "collect", "pets", "--labels-file", labels, "--limit", "3", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("collect again = %d\n%s", code, out)
	}
	if hits.Load() != 6 {
		t.Fatalf("%d downloads after the second collection, want 6 (each image once)", hits.Load())
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	burl, _ := datasets.BlobURL(dir)
	b, err := datasets.OpenBucket(ctx, burl)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	d, err := datasets.New(st, b).Get(ctx, "pets")
	if err != nil || d.Items != 6 {
		t.Fatalf("dataset %+v, %v", d, err)
	}

	code, out = dsCmd(t, "datasets", "collect", "pets", "--labels", "cat", "--limit", "5", "--data", dir, "--serpapi-key", cliKey+"x")
	if code != 2 || !strings.Contains(out, "1 of 1 labels stopped early: cat: serpapi: page 0 of \"cat\": HTTP status 401 Unauthorized: Invalid API key.") {
		t.Fatalf("a wrong key = %d\n%s", code, out)
	}
	if strings.Contains(out, "cli-secret") {
		t.Fatalf("the key is printed:\n%s", out)
	}
	t.Setenv("SERPAPI_KEY", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--labels", "cat"}, "needs SerpApi's key"},
		{[]string{"--serpapi-key", "k"}, "needs --labels or --labels-file"},
		{[]string{"--labels", "cat", "--limit", "0", "--serpapi-key", "k"}, "limit: expected 1 to 10000"},
		{[]string{"--labels", "a/b", "--serpapi-key", "k"}, `label "a/b" is not valid`},
		{[]string{"--labels", "cat", "--image-size", "big", "--serpapi-key", "k"}, `image size "big"`},
	} {
		code, out := dsCmd(t, append([]string{"datasets", "collect", "pets", "--data", dir}, c.args...)...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("%v = %d, want 2 and %q\n%s", c.args, code, c.want, out)
		}
	}
}

// TestDatasetsCollectServer: with --server, the collection is queued on
// the server, its log followed, and its summary printed (a fake of the
// API's three routes).
func TestDatasetsCollectServer(t *testing.T) {
	var posted map[string]any
	created := false
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "GET /api/datasets/pets":
			if !created {
				w.WriteHeader(404)
				w.Write([]byte(`{"error": {"code": "not_found", "message": "no dataset \"pets\""}}`))
				return
			}
			w.Write([]byte(`{"name": "pets", "labels": []}`))
		case "POST /api/datasets":
			created = true
			w.WriteHeader(201)
			w.Write([]byte(`{"name": "pets"}`))
		case "POST /api/datasets/pets/collect":
			json.NewDecoder(r.Body).Decode(&posted)
			w.WriteHeader(202)
			w.Write([]byte(`{"id": "001a23b5127f85c41e77d", "name": "collect:pets", "status": "queued"}`))
		case "GET /api/runs/001a23b5127f85c41e77d/events":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "id: 1\nevent: log\ndata: {\"message\":\"collect \\\"cat\\\": stored http://x/1.png\"}\n\nid: 2\nevent: status\ndata: {\"status\":\"succeeded\"}\n\nevent: end\ndata: {}\n\n")
		case "GET /api/runs/001a23b5127f85c41e77d":
			w.Write([]byte(`{"id": "001a23b5127f85c41e77d", "status": "succeeded", "result": {"dataset": "pets", "provider": "serpapi", "labels": [{"label": "cat", "query": "cat", "had": 0, "stored": 1, "found": 3, "downloaded": 1, "skipped": 2, "pages": 1, "problems": [{"url": "http://2130706433/", "reason": "refused"}]}]}}`))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"error": {"code": "not_found", "message": "no route"}}`))
		}
	}))
	defer api.Close()
	t.Setenv("MLFORGE_TOKEN", "")
	code, out := dsCmd(t, "datasets", "collect", "pets", "--server", api.URL, "--labels", "cat", "--limit", "1", "--chip", "dog")
	if code != 0 || !strings.Contains(out, `collect "cat": stored http://x/1.png`) || !strings.Contains(out, "cat    0    1") || !strings.Contains(out, "cat: skipped http://2130706433/: refused") {
		t.Fatalf("collect --server = %d\n%s", code, out)
	}
	if !created || posted["limit"] != float64(1) || posted["chip"] != "dog" || fmt.Sprint(posted["labels"]) != "[cat]" {
		t.Fatalf("posted %v (dataset created: %v)", posted, created)
	}
	for k := range posted {
		if strings.Contains(k, "key") {
			t.Fatalf("a key was posted: %v", posted)
		}
	}
	code, out = dsCmd(t, "datasets", "collect", "pets", "--server", api.URL, "--labels", "cat", "--serpapi-key", "k")
	if code != 2 || !strings.Contains(out, "not sent to a server") {
		t.Fatalf("--serpapi-key with --server = %d\n%s", code, out)
	}
}
