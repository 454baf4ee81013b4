package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite server/testdata/classes.golden.json from GET /api/classes")

// TestClassesGolden compares GET /api/classes, indented with its keys
// sorted, with testdata/classes.golden.json: every class with its
// parameters (name, type, default, enum, bounds, required, auto, n_labels,
// nullable). Fields may be added (the page ignores what it does not read);
// anything removed or changed fails with its path. Run
// `go test ./server -run TestClassesGolden -update` to accept a change.
func TestClassesGolden(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/classes", nil)
	if err := (&Server{}).classes(rec, req); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/classes: status %d, body %s", rec.Code, rec.Body)
	}
	var v any
	dec := json.NewDecoder(rec.Body)
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("GET /api/classes: %v", err)
	}
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "classes.golden.json")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	var want any
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if msg := goldenDiff("", want, v); msg != "" {
		t.Fatalf("GET /api/classes differs from %s: %s\n(run with -update to accept the change, after checking it)", path, msg)
	}
}

// goldenDiff returns where got departs from want, or "": objects must hold
// every key of want with an equal value (keys may be added, as the page
// ignores them), lists must have the same length and equal elements, other
// values must be equal. Elements named by a "name" key are shown by name.
func goldenDiff(at string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an object", at, short(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing (want %s)", at, k, short(w[k]))
			}
			if d := goldenDiff(at+"."+k, w[k], gv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want a list", at, short(got))
		}
		for i := range max(len(w), len(g)) {
			el := fmt.Sprintf("%s[%d]", at, i)
			if i < len(w) {
				if m, ok := w[i].(map[string]any); ok && m["name"] != nil {
					el = fmt.Sprintf("%s[%d %v]", at, i, m["name"])
				}
			}
			switch {
			case i >= len(w):
				return fmt.Sprintf("%s: unexpected %s", el, short(g[i]))
			case i >= len(g):
				return fmt.Sprintf("%s: missing (want %s)", el, short(w[i]))
			}
			if d := goldenDiff(el, w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: got %s, want %s", at, short(got), short(want))
	}
	return ""
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
