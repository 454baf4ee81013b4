package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/safefetch"
)

// quadrants are the places of the bright block of quadrantPNG, one per
// label of the three-label fake world.
var quadrants = []image.Point{{0, 0}, {4, 0}, {0, 4}}

// quadrantPNG is image i of class q (0, 1 or 2): an 8x8 grey image, dark
// but for a bright 4x4 block in quadrant q (top left, top right, bottom
// left), its shades varied by i so that every image is distinct. The
// classes are separable by construction: the mean brightness of the
// block's quadrant is at least 200 in its own class and at most 40 in the
// others, so a linear layer on the pixels (or a small CNN) tells them
// apart without error.
func quadrantPNG(t *testing.T, q, i int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for p := range img.Pix {
		img.Pix[p] = uint8((p*7 + i*13) % 41)
	}
	o := quadrants[q]
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.SetGray(o.X+x, o.Y+y, color.Gray{Y: uint8(200 + (i*5+x*y+x)%56)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeThreeLabels starts a fake SerpApi serving the queries of labels
// (n quadrantPNG images each, label k in quadrant k, 10 a page) and an
// image host on loopback, points the collections at them (the server's
// test hooks) and returns the image host's URL. extra results come first
// on page 0 of a query (URLs that are refused, say). hold, when not nil,
// holds the requests of every label's third image until it is closed.
func fakeThreeLabels(t *testing.T, labels [3]string, n int, extra map[string][]map[string]any, hold <-chan struct{}) string {
	t.Helper()
	pics := map[string][]byte{}
	imgs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		w.Header().Set("Content-Type", "image/png")
		w.Write(b)
	}))
	t.Cleanup(imgs.Close)
	const perPage = 10
	pages := map[string][][]map[string]any{}
	for k, q := range labels {
		var all []map[string]any
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("/%d/%d.png", k, i)
			pics[p] = quadrantPNG(t, k, i)
			all = append(all, map[string]any{"position": i + 1, "original": imgs.URL + p, "original_width": 8, "original_height": 8, "title": q})
		}
		for len(all) > 0 {
			m := min(perPage, len(all))
			pages[q] = append(pages[q], all[:m])
			all = all[m:]
		}
		if len(pages[q]) == 0 {
			pages[q] = [][]map[string]any{nil}
		}
		pages[q][0] = append(append([]map[string]any{}, extra[q]...), pages[q][0]...)
	}
	serp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		if v.Get("api_key") != serverSerpKey {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "Invalid API key."})
			return
		}
		ps := pages[v.Get("q")]
		var page int
		fmt.Sscan(v.Get("ijn"), &page)
		if page < 0 || page >= len(ps) {
			json.NewEncoder(w).Encode(map[string]string{"error": "Google hasn't returned any results for this query."})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"images_results": ps[page]})
	}))
	t.Cleanup(serp.Close)
	oldOpts, oldURL := collectFetchOptions, collectSerpApiURL
	collectFetchOptions = safefetch.Options{TestAllow: []netip.AddrPort{
		netip.MustParseAddrPort(imgs.Listener.Addr().String()), netip.MustParseAddrPort(serp.Listener.Addr().String())}}
	collectSerpApiURL = serp.URL + "/search.json"
	t.Cleanup(func() { collectFetchOptions, collectSerpApiURL = oldOpts, oldURL })
	return imgs.URL
}
