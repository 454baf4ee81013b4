package collect

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/store"
)

func labelsOf(t *testing.T, in ...string) []Label {
	ls, err := ParseLabels(in)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// TestCollect: three labels are collected from the fake SerpApi, page by
// page, up to the limit; collected again, nothing is downloaded twice.
func TestCollect(t *testing.T) {
	for backend, open := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			svc := open(t)
			ctx := context.Background()
			if _, err := svc.Create(ctx, "pets", "", ""); err != nil {
				t.Fatal(err)
			}
			w := newWorld(t)
			ev := &events{}
			labels := labelsOf(t, "cat", "dog", "fox:red fox")
			sum, err := w.collector(svc, Options{Limit: 6, Pages: 3, Workers: 3, PerHost: 2}, ev).Collect(ctx, "pets", labels)
			if err != nil {
				t.Fatal(err)
			}
			for _, ls := range sum.Labels {
				if ls.Stored != 6 || ls.Had != 0 || ls.Pages != 2 || ls.Found != 8 || ls.Skipped != 0 || ls.Downloaded != 6 {
					t.Errorf("label %s: %+v", ls.Label, ls)
				}
			}
			d, err := svc.Get(ctx, "pets")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"cat": 6, "dog": 6, "fox": 6}
			for _, lc := range d.Labels {
				if want[lc.Label] != lc.Items {
					t.Errorf("label %s holds %d items, want %d", lc.Label, lc.Items, want[lc.Label])
				}
				delete(want, lc.Label)
			}
			if len(want) != 0 {
				t.Errorf("labels missing: %v", want)
			}
			items, err := svc.Items(ctx, "pets", store.ItemOptions{Labels: []string{"fox"}, Limit: -1})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.Source != "query" || it.Query != "red fox" || !strings.Contains(it.URL, "/red_fox/"+strconv.Itoa(it.Page)+"-") {
					t.Errorf("fox item's provenance: %+v", it)
				}
			}
			if !strings.Contains(ev.all(), `collect "fox": 6 stored (0 before), 8 found, 6 downloaded, 0 duplicates, 0 skipped`) {
				t.Errorf("events:\n%s", ev.all())
			}
			downloads, searches := w.images.total(), w.serp.total()
			if downloads != 18 {
				t.Errorf("%d downloads, want 18 (6 per label)", downloads)
			}

			// Again: every label is full, nothing is searched or fetched.
			sum, err = w.collector(svc, Options{Limit: 6}, &events{}).Collect(ctx, "pets", labels)
			if err != nil {
				t.Fatal(err)
			}
			if w.images.total() != downloads || w.serp.total() != searches {
				t.Errorf("a second collection fetched: %d downloads, %d searches (want %d, %d)", w.images.total(), w.serp.total(), downloads, searches)
			}
			if sum.Labels[0].Had != 6 || sum.Labels[0].Stored != 0 {
				t.Errorf("second collection: %+v", sum.Labels[0])
			}

			// A larger limit: the stored URLs are skipped without a download
			// (a resumed collection downloads nothing twice).
			sum, err = w.collector(svc, Options{Limit: 8, Pages: 5}, &events{}).Collect(ctx, "pets", labels)
			if err != nil {
				t.Fatal(err)
			}
			for _, ls := range sum.Labels {
				if ls.Stored != 2 || ls.Had != 6 || ls.Skipped != 6 {
					t.Errorf("label %s, limit 8: %+v", ls.Label, ls)
				}
				for _, p := range ls.Problems {
					if p.Reason != "already stored or tried (same URL)" {
						t.Errorf("label %s: %+v", ls.Label, p)
					}
				}
			}
			for path, n := range w.images.hits {
				if n != 1 {
					t.Errorf("%s was downloaded %d times", path, n)
				}
			}
			if w.images.total() != 24 {
				t.Errorf("%d downloads in all, want 24 (every image once)", w.images.total())
			}
			if rep, err := svc.Fsck(ctx, false); err != nil || !rep.OK() {
				t.Fatalf("fsck: %+v, %v", rep, err)
			}
		})
	}
}

// TestCollectBadInput: every bad candidate is skipped with its reason, the
// refused addresses are never reached, a 503 is retried and a 404 is not.
func TestCollectBadInput(t *testing.T) {
	svc := backends(t)["sqlite"](t)
	ctx := context.Background()
	if _, err := svc.Create(ctx, "bad", "", ""); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	port := strconv.Itoa(int(w.images.ap.Port()))
	ip := w.images.ap.Addr().String() + ":" + port
	cases := []struct{ url, reason string }{
		{w.imageURL("/corrupt.png"), "corrupt PNG image"},
		{w.imageURL("/truncated.jpg"), "corrupt JPEG image"},
		{w.imageURL("/empty.png"), "not an image: the bytes are empty"},
		{w.imageURL("/page.jpg"), `not an image: the bytes are text/html (served as "image/jpeg")`},
		{w.imageURL("/huge.png"), "PNG image of 30000x30000 pixels is larger than the limit"},
		{w.imageURL("/gone.png"), "HTTP status 404 Not Found"},
		{w.imageURL("/always503.png"), "HTTP status 503 Service Unavailable"},
		{w.imageURL("/to-internal"), "is a loopback address"},
		{"http://private.test/cat.png", "refused: 10.0.0.1 is a private address (the address of private.test)"},
		{"http://rebind.test:" + strconv.Itoa(int(w.internal.ap.Port())) + "/secret", "is a loopback address (the address of rebind.test)"},
		{"http://[::ffff:127.0.0.1]:" + port + "/cat/0-0.png", "::ffff:127.0.0.1 is a loopback address (127.0.0.1)"},
		{"http://2130706433:" + port + "/cat/0-0.png", `host "2130706433" is 127.0.0.1 written in a non-standard numeric form`},
		{"http://0x7f.1:" + port + "/cat/0-0.png", `host "0x7f.1" is 127.0.0.1 written in a non-standard numeric form`},
		{"http://0177.0.0.1:" + port + "/cat/0-0.png", `non-standard numeric form`},
		{"http://169.254.169.254/latest/meta-data/", "the cloud metadata address"},
		{"file:///etc/passwd", `scheme "file" is not allowed`},
		{"gopher://" + ip + "/_GET", `scheme "gopher" is not allowed`},
		{"ftp://" + ip + "/cat.png", `scheme "ftp" is not allowed`},
		{w.imageURL("/small.png"), "the image is 10x10, narrower than min_width 16"},
		{"", "search result 20 has neither original nor thumbnail"},
	}
	var res []map[string]any
	for i, c := range cases {
		res = append(res, map[string]any{"position": i + 1, "original": c.url})
	}
	res = append(res,
		map[string]any{"position": 21, "original": w.imageURL("/cat/0-1.png"), "original_width": "wide"},
		map[string]any{"position": 22, "original": w.imageURL("/cat/0-2.png"), "original_width": 8, "original_height": 8},
		map[string]any{"position": 23, "original": w.imageURL("/flaky/cat/0-0.png")},
		map[string]any{"position": 24, "thumbnail": w.imageURL("/dog/0-0.png")},
		map[string]any{"position": 25, "original": w.imageURL("/cat/0-0.png")}, // the same bytes as 23
	)
	w.results["bad things"] = [][]map[string]any{res}
	ev := &events{}
	sum, err := w.collector(svc, Options{Limit: 50, MinWidth: 16, Retries: 2}, ev).Collect(ctx, "bad", labelsOf(t, "bad things"))
	if err != nil {
		t.Fatal(err)
	}
	ls := sum.Labels[0]
	if ls.Label != "bad things" || ls.Stored != 2 || ls.Duplicates != 1 || ls.Found != 25 || ls.Skipped != 22 {
		t.Errorf("summary %+v", ls)
	}
	reasons := map[string]string{}
	for _, p := range ls.Problems {
		reasons[p.URL] = p.Reason
	}
	for _, c := range cases {
		u := c.url
		if u == "" {
			u = "result 20"
		}
		if got := reasons[u]; !strings.Contains(got, c.reason) {
			t.Errorf("%s: reason %q, want %q", u, got, c.reason)
		}
		if !strings.Contains(ev.all(), c.reason) {
			t.Errorf("%s: the events do not say %q", u, c.reason)
		}
	}
	if got := reasons["result 21"]; !strings.Contains(got, "search result 21 is malformed: original_width: expected float64, got a JSON string") {
		t.Errorf("a malformed result: %q", got)
	}
	if got := reasons[w.imageURL("/cat/0-2.png")]; got != "the search says the image is 8x8, narrower than min_width 16" {
		t.Errorf("a small declared size: %q", got)
	}
	if w.internal.total() != 0 {
		t.Errorf("the internal host was reached %d times", w.internal.total())
	}
	for path, want := range map[string]int{"/gone.png": 1, "/always503.png": 3, "/flaky/cat/0-0.png": 2, "/cat/0-2.png": 0, "/dog/0-0.png": 1, "/cat/0-0.png": 1} {
		if got := w.images.count(path); got != want {
			t.Errorf("%s fetched %d times, want %d", path, got, want)
		}
	}
	d, _ := svc.Get(ctx, "bad")
	if d.Items != 2 {
		t.Errorf("%d items stored, want 2", d.Items)
	}
}

func TestBackoff(t *testing.T) {
	var waits []time.Duration
	c := &Collector{sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	tries := 0
	err := c.retry(context.Background(), Options{Retries: 3, Backoff: 100 * time.Millisecond}, func() error {
		tries++
		return &Error{Msg: "busy", temporary: true}
	})
	if err == nil || tries != 4 || len(waits) != 3 || waits[0] != 100*time.Millisecond || waits[1] != 200*time.Millisecond || waits[2] != 400*time.Millisecond {
		t.Fatalf("tries %d, waits %v, %v", tries, waits, err)
	}
	tries = 0
	c.retry(context.Background(), Options{Retries: 3, Backoff: time.Millisecond}, func() error { tries++; return &Error{Msg: "bad"} })
	if tries != 1 {
		t.Fatalf("a permanent error was tried %d times", tries)
	}
}

// TestCancel: a collection stops when its context ends.
func TestCancel(t *testing.T) {
	svc := backends(t)["sqlite"](t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := svc.Create(ctx, "pets", "", ""); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	ev := &events{on: func(e event.Event) {
		if strings.Contains(e.Message, "stored http") {
			cancel()
		}
	}}
	sum, err := w.collector(svc, Options{Limit: 8, Workers: 1}, ev).Collect(ctx, "pets", labelsOf(t, "cat", "dog"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if len(sum.Labels) != 1 || sum.Labels[0].Stored < 1 || sum.Labels[0].Stored > 2 {
		t.Fatalf("summary %+v", sum.Labels)
	}
	if w.images.total() > 2 {
		t.Fatalf("%d downloads after the cancel", w.images.total())
	}
}

func TestParseLabel(t *testing.T) {
	for in, want := range map[string]Label{
		"American Foxhound":                  {"American Foxhound", "American Foxhound"},
		"Alaskan Malamute imagesize:500x500": {"Alaskan Malamute", "Alaskan Malamute imagesize:500x500"},
		"malamute:Alaskan Malamute":          {"malamute", "Alaskan Malamute"},
		"fox: red fox imagesize:64x64":       {"fox", "red fox imagesize:64x64"},
		"  cat  ":                            {"cat", "cat"},
		"site:example.com tabby cat":         {"tabby cat", "site:example.com tabby cat"},
	} {
		got, err := ParseLabel(in)
		if err != nil || got != want {
			t.Errorf("ParseLabel(%q) = %+v, %v, want %+v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"cat:":              "empty query",
		"imagesize:500x500": "no words besides operators",
		"bad/label:query":   "is not valid",
	} {
		if _, err := ParseLabel(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLabel(%q) = %v, want %q", in, err, want)
		}
	}
	if _, err := ParseLabels([]string{"cat", "cat:kitten"}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a repeated label: %v", err)
	}
	if _, err := ParseLabels([]string{"", " "}); err == nil {
		t.Error("no labels accepted")
	}
}

func TestOptionsCheck(t *testing.T) {
	for o, want := range map[Options]string{
		{Limit: 0}:                            "limit: expected 1 to 10000",
		{Limit: 1, Pages: 101}:                "pages",
		{Limit: 1, MinWidth: 10, MaxWidth: 5}: "min_width 10 is above max_width 5",
		{Limit: 1, ImageSize: "big"}:          `image size "big": expected WxH`,
		{Limit: 1, MinHeight: -1}:             "min/max",
	} {
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", o, err, want)
		}
	}
	svc := backends(t)["sqlite"](t)
	c := &Collector{Datasets: svc, Options: Options{Limit: 0}}
	if _, err := c.Collect(context.Background(), "x", nil); err == nil {
		t.Error("a zero limit was accepted")
	}
	w := newWorld(t)
	if _, err := w.collector(svc, Options{Limit: 1}, nil).Collect(context.Background(), "nope", labelsOf(t, "cat")); err == nil || !strings.Contains(err.Error(), `no dataset "nope"`) {
		t.Errorf("a missing dataset: %v", err)
	}
	var de *datasets.Error
	_, err := w.collector(svc, Options{Limit: 1}, nil).Collect(context.Background(), "nope", labelsOf(t, "cat"))
	if !errors.As(err, &de) || !de.NotFound {
		t.Errorf("want a NotFound datasets.Error, got %v", err)
	}
}
