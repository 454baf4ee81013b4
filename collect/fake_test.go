package collect

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/store"
)

// testKey is the fake SerpApi's key: with characters that a URL escapes,
// to check that every form of it is redacted.
const testKey = "sk-T3st+key/with=odd&chars"

// backends opens a fresh dataset service on each store, with a mem://
// bucket.
func backends(t *testing.T) map[string]func(t *testing.T) *datasets.Service {
	open := func(t *testing.T, url string) *datasets.Service {
		ctx := context.Background()
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		b, err := datasets.OpenBucket(ctx, "mem://")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return datasets.New(st, b)
	}
	return map[string]func(t *testing.T) *datasets.Service{
		"sqlite":   func(t *testing.T) *datasets.Service { return open(t, filepath.Join(t.TempDir(), "mlforge.db")) },
		"postgres": func(t *testing.T) *datasets.Service { return open(t, pgtest.URL(t)) },
	}
}

// picture encodes a w x h image whose pixels follow seed, as PNG or JPEG
// (distinct seeds give distinct images).
func picture(t testing.TB, w, h, seed int, asJPEG bool) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8((x*37 + y*91 + seed*53) * (seed + 1) % 251)
			if (x/(1+seed%3)+y/(1+seed%5)+seed)%2 == 0 {
				v = 255 - v
			}
			m.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, m, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(&b, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a small valid PNG whose header declares w x h pixels.
func hugePNG(t testing.TB, w, h uint32) []byte {
	b := picture(t, 4, 4, 1, false)
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// counter is a fake server on loopback that counts its requests by path.
type counter struct {
	*httptest.Server
	ap   netip.AddrPort
	mu   sync.Mutex
	hits map[string]int
}

func newCounter(t *testing.T, h func(c *counter, w http.ResponseWriter, r *http.Request)) *counter {
	c := &counter{hits: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits[r.URL.Path]++
		c.mu.Unlock()
		h(c, w, r)
	}))
	t.Cleanup(c.Close)
	c.ap = netip.MustParseAddrPort(c.Listener.Addr().String())
	return c
}

func (c *counter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[path]
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.hits {
		n += v
	}
	return n
}

// world is a fake SerpApi and the image hosts its results point at.
type world struct {
	serp, images, internal *counter
	// results[query][page] is the images_results of a page.
	results map[string][][]map[string]any
	mu      sync.Mutex
	queries []string // the q=... of every search, in order
	params  []map[string]string
}

func (w *world) imageURL(path string) string {
	return "http://images.test:" + strconv.Itoa(int(w.images.ap.Port())) + path
}

func newWorld(t *testing.T) *world {
	w := &world{results: map[string][][]map[string]any{}}
	pics := map[string][]byte{}
	var flaky sync.Map
	w.images = newCounter(t, func(c *counter, rw http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/flaky/"): // 503 once, then the image
			if _, again := flaky.LoadOrStore(p, true); !again {
				http.Error(rw, "busy", http.StatusServiceUnavailable)
				return
			}
		case p == "/always503.png":
			http.Error(rw, "busy", http.StatusServiceUnavailable)
			return
		case p == "/gone.png":
			http.NotFound(rw, r)
			return
		case p == "/corrupt.png":
			rw.Write(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 200)...))
			return
		case p == "/truncated.jpg":
			b := picture(t, 40, 30, 99, true)
			rw.Write(b[:len(b)/2])
			return
		case p == "/empty.png":
			rw.Header().Set("Content-Type", "image/png")
			return
		case p == "/page.jpg":
			rw.Header().Set("Content-Type", "image/jpeg")
			rw.Write([]byte("<!DOCTYPE html><html><head><title>x</title></head><body>a page</body></html>"))
			return
		case p == "/huge.png":
			rw.Write(hugePNG(t, 30000, 30000))
			return
		case p == "/small.png":
			rw.Write(picture(t, 10, 10, 77, false))
			return
		case p == "/to-internal":
			http.Redirect(rw, r, w.internal.URL+"/secret", http.StatusFound)
			return
		}
		b, ok := pics[strings.TrimPrefix(p, "/flaky")]
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "text/html") // never trusted
		rw.Write(b)
	})
	// internal stands for a service on the private network: nothing may
	// reach it.
	w.internal = newCounter(t, func(c *counter, rw http.ResponseWriter, r *http.Request) {
		rw.Write(picture(t, 20, 20, 1000, false))
	})
	seed := 0
	for _, q := range []string{"cat", "dog", "red fox"} {
		var pages [][]map[string]any
		for page := 0; page < 2; page++ {
			var res []map[string]any
			for i := 0; i < 4; i++ {
				seed++
				path := fmt.Sprintf("/%s/%d-%d.png", strings.ReplaceAll(q, " ", "_"), page, i)
				if i == 3 {
					path = strings.TrimSuffix(path, ".png") + ".jpg"
				}
				pics[path] = picture(t, 32+seed%5, 24+seed%3, seed, i == 3)
				res = append(res, map[string]any{"position": i + 1, "original": w.imageURL(path), "thumbnail": w.imageURL("/thumb" + path),
					"original_width": 32 + seed%5, "original_height": 24 + seed%3, "title": q + " " + strconv.Itoa(i), "source": "example", "link": "https://example.com/" + q})
			}
			pages = append(pages, res)
		}
		w.results[q] = pages
	}
	w.serp = newCounter(t, func(c *counter, rw http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		rw.Header().Set("Content-Type", "application/json")
		ps := map[string]string{}
		for k := range v {
			ps[k] = v.Get(k)
		}
		w.mu.Lock()
		w.queries = append(w.queries, v.Get("q"))
		w.params = append(w.params, ps)
		w.mu.Unlock()
		if v.Get("api_key") != testKey {
			rw.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(rw).Encode(map[string]string{"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"})
			return
		}
		if v.Get("engine") != "google_images" {
			rw.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(rw).Encode(map[string]string{"error": "Unsupported engine"})
			return
		}
		q := v.Get("q")
		page, _ := strconv.Atoi(v.Get("ijn"))
		switch q {
		case "malformed":
			rw.Write([]byte(`{"images_results": [{"original": "x"`))
			return
		case "missing":
			rw.Write([]byte(`{"search_metadata": {"status": "Success"}}`))
			return
		case "serp503":
			rw.WriteHeader(http.StatusServiceUnavailable)
			rw.Write([]byte(`{"error": "try later"}`))
			return
		case "dog breed":
			if v.Get("chips") == "" {
				json.NewEncoder(rw).Encode(map[string]any{"images_results": []any{map[string]any{"original": w.imageURL("/cat/0-0.png")}},
					"suggested_searches": []any{map[string]any{"name": "puppy", "chips": "q:dog+breed,g_1:puppy:AAA"}, map[string]any{"name": "Dog", "chips": "q:dog+breed,g_1:dog:BBB"}}})
				return
			}
			q = "dog" // the chip's images
		}
		pages, ok := w.results[q]
		if !ok || page >= len(pages) {
			json.NewEncoder(rw).Encode(map[string]any{"error": "Google hasn't returned any results for this query."})
			return
		}
		json.NewEncoder(rw).Encode(map[string]any{"images_results": pages[page]})
	})
	return w
}

// resolve is the test resolver: images.test is the fake image host,
// private.test a private address.
func (w *world) resolve(_ context.Context, host string) ([]netip.Addr, error) {
	switch host {
	case "images.test":
		return []netip.Addr{w.images.ap.Addr()}, nil
	case "private.test":
		return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
	case "rebind.test":
		return []netip.Addr{w.internal.ap.Addr()}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// fetcher is the guarded client of the tests: it reaches the fake SerpApi
// and the fake image host, and nothing else on loopback.
func (w *world) fetcher() *safefetch.Client {
	return safefetch.New(safefetch.Options{TestAllow: []netip.AddrPort{w.serp.ap, w.images.ap}, TestResolve: w.resolve})
}

func (w *world) serpapi() *SerpApi {
	return &SerpApi{Key: testKey, BaseURL: w.serp.URL + "/search.json", Fetch: w.fetcher()}
}

// events records what a collection reports.
type events struct {
	mu   sync.Mutex
	msgs []string
	on   func(event.Event)
}

func (e *events) Report(ev event.Event) {
	e.mu.Lock()
	e.msgs = append(e.msgs, ev.Message)
	on := e.on
	e.mu.Unlock()
	if on != nil {
		on(ev)
	}
}

func (e *events) all() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.msgs, "\n")
}

func (w *world) collector(svc *datasets.Service, o Options, ev *events) *Collector {
	if o.Backoff == 0 {
		o.Backoff = time.Millisecond
	}
	c := &Collector{Datasets: svc, Provider: w.serpapi(), Fetch: w.fetcher(), Options: o}
	if ev != nil {
		c.Reporter = ev
	}
	c.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() } // no waiting in tests
	return c
}
