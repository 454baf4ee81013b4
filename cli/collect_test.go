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
