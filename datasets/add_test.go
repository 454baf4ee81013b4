package datasets

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestAdd(t *testing.T) {
	for backend, open := range services(t) {
		t.Run(backend, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			if _, err := s.Create(ctx, "pets", "", ""); err != nil {
				t.Fatal(err)
			}
			img := pngOf(t, 8, 6, 3)
			p := Provenance{Source: "query", Query: "cat imagesize:8x6", Page: 2, URL: "https://example.com/cat.png"}
			it, dup, err := s.Add(ctx, "pets", "cat", img, p)
			if err != nil || dup {
				t.Fatalf("Add: %v, dup %v", err, dup)
			}
			if it.Width != 8 || it.Height != 6 || it.Format != "PNG" || it.Source != "query" || it.Query != p.Query || it.Page != 2 || it.URL != p.URL {
				t.Fatalf("item %+v", it)
			}
			again, dup, err := s.Add(ctx, "pets", "dog", img, Provenance{Source: "query", URL: "https://example.com/other.png"})
			if err != nil || !dup || again.ID != it.ID || again.Label != "cat" {
				t.Fatalf("the same bytes again: %+v, dup %v, %v", again, dup, err)
			}
			urls, err := s.URLs(ctx, "pets")
			if err != nil || len(urls) != 1 || urls[p.URL] != "cat" {
				t.Fatalf("URLs = %v, %v", urls, err)
			}
			for what, b := range map[string][]byte{
				"empty":     nil,
				"truncated": img[:len(img)/2],
				"corrupt":   append([]byte("\x89PNG\r\n\x1a\n"), strings.Repeat("x", 100)...),
				"html":      []byte("<html>no</html>"),
				"huge":      hugePNG(t, 30000, 30000),
			} {
				_, _, err := s.Add(ctx, "pets", "cat", b, p)
				var ie *ImageError
				if !errors.As(err, &ie) {
					t.Errorf("%s: want an *ImageError, got %v", what, err)
				}
				if what == "huge" && !strings.Contains(err.Error(), "30000x30000") {
					t.Errorf("huge: %v", err)
				}
			}
			if _, _, err := s.Add(ctx, "pets", "bad/label", img, p); err == nil {
				t.Error("a bad label was accepted")
			}
			if _, _, err := s.Add(ctx, "nope", "cat", img, p); err == nil {
				t.Error("a missing dataset was accepted")
			}
			d, err := s.Get(ctx, "pets")
			if err != nil || d.Items != 1 {
				t.Fatalf("items = %v, %v", d, err)
			}
			rep, err := s.Fsck(ctx, false)
			if err != nil || !rep.OK() {
				t.Fatalf("fsck: %+v, %v", rep, err)
			}
		})
	}
}
