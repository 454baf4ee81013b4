package collect

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/safefetch"
)

// noKey fails if s holds the test key in any form.
func noKey(t *testing.T, what, s string) {
	t.Helper()
	for _, f := range []string{testKey, url.QueryEscape(testKey), url.PathEscape(testKey), "T3st"} {
		if strings.Contains(s, f) {
			t.Errorf("%s holds the API key (%q): %s", what, f, s)
		}
	}
}

func TestSerpApiRequest(t *testing.T) {
	w := newWorld(t)
	s := w.serpapi()
	s.GoogleDomain = "google.co.uk"
	s.NoCache = true
	cands, more, err := s.Search(context.Background(), "cat", 1, SearchOptions{ImageSize: "500x400"})
	if err != nil {
		t.Fatal(err)
	}
	p := w.params[len(w.params)-1]
	want := map[string]string{"engine": "google_images", "q": "cat imagesize:500x400", "ijn": "1", "google_domain": "google.co.uk", "no_cache": "true", "api_key": testKey}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("parameter %s = %q, want %q", k, p[k], v)
		}
	}
	if len(p) != len(want) {
		t.Errorf("parameters %v", p)
	}
	if more || len(cands) != 0 { // not a query of the fake: its answer is the error key
		t.Errorf("an unknown query: %d candidates, more %v", len(cands), more)
	}
	cands, more, err = s.Search(context.Background(), "cat", 1, SearchOptions{})
	if err != nil || !more || len(cands) != 4 {
		t.Fatalf("page 1 of cat: %d candidates, more %v, %v", len(cands), more, err)
	}
	c := cands[3]
	if c.Position != 4 || !strings.HasSuffix(c.URL, "/cat/1-3.jpg") || !strings.HasSuffix(c.Thumbnail, "/thumb/cat/1-3.jpg") || c.Width == 0 || c.Height == 0 || c.Title != "cat 3" || c.Source != "https://example.com/cat" {
		t.Errorf("candidate %+v", c)
	}
	cands, more, err = s.Search(context.Background(), "cat", 2, SearchOptions{})
	if err != nil || more || len(cands) != 0 {
		t.Fatalf("past the last page: %d candidates, more %v, %v", len(cands), more, err)
	}
}

func TestSerpApiChip(t *testing.T) {
	w := newWorld(t)
	s := w.serpapi()
	cands, _, err := s.Search(context.Background(), "dog breed", 0, SearchOptions{Chip: "dog"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 4 || !strings.Contains(cands[0].URL, "/dog/0-0.png") {
		t.Fatalf("the chip's results: %+v", cands)
	}
	if p := w.params[len(w.params)-1]; p["chips"] != "q:dog+breed,g_1:dog:BBB" || p["q"] != "dog breed" {
		t.Errorf("the chip's request: %v", p)
	}
	n := w.serp.total()
	if _, _, err := s.Search(context.Background(), "dog breed", 1, SearchOptions{Chip: "Dog"}); err != nil {
		t.Fatal(err)
	}
	if w.serp.total() != n+1 {
		t.Errorf("the chips were looked up again: %d requests, want %d", w.serp.total(), n+1)
	}
	_, _, err = s.Search(context.Background(), "dog breed", 0, SearchOptions{Chip: "kitten"})
	if err == nil || !strings.Contains(err.Error(), `chip "kitten" is not one of the suggestions of "dog breed": puppy, Dog`) {
		t.Errorf("an unknown chip: %v", err)
	}
	_, _, err = s.Search(context.Background(), "cat", 0, SearchOptions{Chip: "kitten"})
	if err == nil || !strings.Contains(err.Error(), "suggests no chips") {
		t.Errorf("a query without chips: %v", err)
	}
}

func TestSerpApiBadAnswers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for q, want := range map[string]string{
		"malformed": `serpapi: page 0 of "malformed": the response is not the JSON expected: malformed JSON`,
		"missing":   `serpapi: page 0 of "missing": the response has neither images_results nor error`,
		"serp503":   "HTTP status 503 Service Unavailable: try later",
	} {
		_, _, err := w.serpapi().Search(ctx, q, 0, SearchOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", q, err, want)
		}
		if q == "serp503" && !temporary(err) || q != "serp503" && temporary(err) {
			t.Errorf("%s: temporary = %v", q, temporary(err))
		}
	}
	// A response larger than the cap.
	big := newCounter(t, func(c *counter, rw http.ResponseWriter, r *http.Request) {
		rw.Write([]byte(`{"images_results": [`))
		chunk := []byte(strings.Repeat(`{"original": "http://example.com/x.png"},`, 1000))
		for n := 0; n <= MaxSearchBytes/len(chunk); n++ {
			if _, err := rw.Write(chunk); err != nil {
				return
			}
		}
	})
	s := &SerpApi{Key: testKey, BaseURL: big.URL, Fetch: safefetch.New(safefetch.Options{TestAllow: []netip.AddrPort{big.ap}})}
	_, _, err := s.Search(ctx, "x", 0, SearchOptions{})
	if err == nil || !strings.Contains(err.Error(), "larger than the cap of 8388608 bytes") {
		t.Errorf("a huge response: %v", err)
	}
	noKey(t, "the huge response's error", err.Error())
	if _, _, err := (&SerpApi{Fetch: w.fetcher()}).Search(ctx, "x", 0, SearchOptions{}); err == nil || !strings.Contains(err.Error(), "no API key") {
		t.Errorf("no key: %v", err)
	}
}

// TestSerpApiRedaction: the key is in no error, whatever fails.
func TestSerpApiRedaction(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	wrong := w.serpapi()
	wrong.Key = testKey + "x"
	_, _, err := wrong.Search(ctx, "cat", 0, SearchOptions{})
	if err == nil || !strings.Contains(err.Error(), "HTTP status 401 Unauthorized: Invalid API key") {
		t.Errorf("a wrong key: %v", err)
	}
	noKey(t, "a wrong key's error", err.Error())
	for _, base := range []string{
		"http://10.0.0.1/search.json",       // refused: the URL with its key is in safefetch's error
		"http://private.test/search.json",   // refused at connect time
		"http://nowhere.test/search.json",   // no such host
		"ftp://serpapi.example/search.json", // refused scheme
		"http://127.0.0.1:1/search.json",    // refused loopback
		w.images.URL + "/not-json",          // a 404 from a host that is no SerpApi
	} {
		s := w.serpapi()
		s.BaseURL = base
		_, _, err := s.Search(ctx, "cat", 0, SearchOptions{})
		if err == nil {
			t.Errorf("%s: no error", base)
			continue
		}
		noKey(t, base, err.Error())
		if !strings.Contains(err.Error(), "[redacted]") && strings.Contains(err.Error(), "api_key") {
			t.Errorf("%s: %v", base, err)
		}
	}
	// Through a collection: the events and the summary hold no key.
	svc := backends(t)["sqlite"](t)
	if _, err := svc.Create(ctx, "pets", "", ""); err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	c := w.collector(svc, Options{Limit: 2}, ev)
	c.Provider.(*SerpApi).BaseURL = "http://10.0.0.1/search.json"
	sum, err := c.Collect(ctx, "pets", labelsOf(t, "cat"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.Labels[0].Error, "refused: 10.0.0.1 is a private address") {
		t.Errorf("summary %+v", sum.Labels[0])
	}
	noKey(t, "the events", ev.all())
	noKey(t, "the summary", sum.Labels[0].Error)
	if got := Redact("a "+testKey+" b "+url.QueryEscape(testKey), testKey); got != "a [redacted] b [redacted]" {
		t.Errorf("Redact: %q", got)
	}
}
