package spec_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/spec"
)

// collectSpec is a network spec on a stored dataset with the collection
// step c (a JSON object, or "" for none) and data.train train.
func collectSpec(train, c string) string {
	s := `{"name": "dogs", "data": {"train": "` + train + `"}, "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}`
	if c != "" {
		s += `, "collect": ` + c
	}
	return s + "}"
}

func TestCollectStep(t *testing.T) {
	for _, tc := range []struct {
		name, train, collect string
		want                 string // the error, or "" for none
	}{
		{"full", "dataset:dogs", `{"labels": ["cat", "hound:dog"], "limit": 20, "min_per_label": 5, "pages": 2, "min_width": 8, "min_height": 8, "max_width": 100, "max_height": 100, "image_size": "50x50", "chip": "dog", "google_domain": "google.co.uk", "no_cache": true}`, ""},
		{"labels from the source", "dataset:dogs:cat,dog", `{"limit": 3}`, ""},
		{"no labels", "dataset:dogs", `{"limit": 3}`, `collect.labels: required: the labels to collect`},
		{"no limit", "dataset:dogs", `{"labels": ["cat"]}`, `collect.limit: required: the images each label should hold, 1 to 10000, got 0`},
		{"limit too large", "dataset:dogs", `{"labels": ["cat"], "limit": 10001}`, `collect.limit: required: the images each label should hold, 1 to 10000, got 10001`},
		{"min above limit", "dataset:dogs", `{"labels": ["cat"], "limit": 3, "min_per_label": 4}`, `collect.min_per_label: expected 1 to limit (3)`},
		{"pages", "dataset:dogs", `{"labels": ["cat"], "limit": 3, "pages": 101}`, `collect.pages: expected 1 to 100 result pages per label, got 101`},
		{"negative width", "dataset:dogs", `{"labels": ["cat"], "limit": 3, "min_width": -1}`, `collect.min_width: expected 0 (no bound) or more pixels, got -1`},
		{"min above max", "dataset:dogs", `{"labels": ["cat"], "limit": 3, "min_height": 9, "max_height": 8}`, `collect.min_height: 9 is above max_height 8`},
		{"image size", "dataset:dogs", `{"labels": ["cat"], "limit": 3, "image_size": "big"}`, `collect.image_size: expected WxH, e.g. 500x500, got "big"`},
		{"domain", "dataset:dogs", `{"labels": ["cat"], "limit": 3, "google_domain": "x.com/?q"}`, `collect.google_domain: expected a domain such as google.co.uk`},
		{"label twice", "dataset:dogs", `{"labels": ["cat", "cat"], "limit": 3}`, `collect.labels[1]: "cat" is listed twice (also collect.labels[0])`},
		{"empty label", "dataset:dogs", `{"labels": [" "], "limit": 3}`, `collect.labels[0]: expected a label or "label:query", got ""`},
		{"a folder", "images", `{"labels": ["cat"], "limit": 3}`, `collect: collects into a stored dataset: data.train must be "dataset:NAME", not "images"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse([]byte(collectSpec(tc.train, tc.collect)))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = s.Validate(spec.Env{Root: t.TempDir()})
			var got string
			if err != nil {
				for _, fe := range err.(spec.Errors) {
					if strings.HasPrefix(fe.Path, "collect") {
						got = fe.Error()
					}
				}
				if got == "" && tc.want == "" && tc.train == "dataset:dogs" {
					t.Fatalf("unexpected: %v", err)
				}
			}
			if tc.want == "" && got != "" || tc.want != "" && !strings.HasPrefix(got, tc.want) {
				t.Fatalf("error %q, want %q (all: %v)", got, tc.want, err)
			}
		})
	}
}

func TestCollectStepParse(t *testing.T) {
	for _, tc := range []struct{ name, collect, want string }{
		{"api key", `{"labels": ["cat"], "limit": 3, "api_key": "secret"}`, `collect.api_key: a spec never holds an API key`},
		{"serpapi key", `{"labels": ["cat"], "limit": 3, "serpapi_key": "secret"}`, `collect.serpapi_key: a spec never holds an API key`},
		{"token", `{"labels": ["cat"], "limit": 3, "token": "secret"}`, `collect.token: a spec never holds an API key`},
		{"unknown", `{"labels": ["cat"], "limt": 3}`, `collect.limt: unknown key in collect (did you mean "limit"?)`},
		{"not an object", `100`, `collect: expected a collection step such as {"limit": 100}, got 100`},
		{"labels not a list", `{"labels": "cat", "limit": 3}`, `collect.labels: expected a list of labels`},
		{"limit a string", `{"labels": ["cat"], "limit": "3"}`, `collect.limit: expected an integer, got "3"`},
		{"no_cache", `{"labels": ["cat"], "limit": 3, "no_cache": 1}`, `collect.no_cache: expected true or false, got 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spec.Parse([]byte(collectSpec("dataset:dogs", tc.collect)))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Count(err.Error(), "\n") != 0 {
				t.Fatalf("more than one error: %v", err)
			}
		})
	}
}

// TestCollectStepDefaults: min_per_label defaults to limit, the labels to
// the spec's labels, and the step survives a round trip.
func TestCollectStepDefaults(t *testing.T) {
	s, err := spec.Parse([]byte(strings.Replace(collectSpec("dataset:dogs", `{"limit": 7, "pages": 2}`), `"name": "dogs"`, `"name": "dogs", "labels": ["cat", "dog"]`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	s.Validate(spec.Env{Root: t.TempDir()})
	if s.Collect.MinPerLabel != 7 || !reflect.DeepEqual(s.CollectLabels(), []string{"cat", "dog"}) || s.CollectDataset() != "dogs" {
		t.Fatalf("collect = %+v, labels %v, dataset %q", s.Collect, s.CollectLabels(), s.CollectDataset())
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := spec.Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(back.Collect, s.Collect) {
		t.Fatalf("round trip: %+v, want %+v", back.Collect, s.Collect)
	}
	// The dialect keeps the step.
	d, err := spec.Parse([]byte(`{"model_name": "dogs", "label_names": ["cat", "dog"], "data": {"train": "dataset:dogs"}, "collect": {"limit": 4},
		"model": {"layers": [{"name": "Flatten"}, {"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Collect == nil || d.Collect.Limit != 4 || !reflect.DeepEqual(d.CollectLabels(), []string{"cat", "dog"}) {
		t.Fatalf("dialect: %+v", d.Collect)
	}
}
