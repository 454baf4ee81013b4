package train_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

func tinyPNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCheckCollect: with a collection step, Check does not refuse a
// stored dataset that does not exist yet or lacks labels to collect: it
// defers the data checks (Plan.Deferred, shown in the validation), and
// the plan refuses to run; a dataset that holds every label is checked
// as usual. Without the step the same dataset is an error at data.train.
func TestCheckCollect(t *testing.T) {
	root := t.TempDir()
	held := map[string][]string{"pets": {"cat"}, "full": {"cat", "dog"}}
	source.RegisterDatasets(root, func(ctx context.Context, name string, labels []string, o images.FolderOptions) (*images.Folder, string, error) {
		ls, ok := held[name]
		if !ok {
			return nil, "", &spec.FieldError{Msg: `no dataset "` + name + `"`}
		}
		fsys := fstest.MapFS{}
		for _, l := range ls {
			fsys[l+"/0.png"] = &fstest.MapFile{Data: tinyPNG(t)}
			fsys[l+"/1.png"] = &fstest.MapFile{Data: tinyPNG(t)}
		}
		f, err := images.ImageFolderFS(fsys, ".", o)
		return f, "m", err
	})
	t.Cleanup(func() { source.RegisterDatasets(root, nil) })
	net := `"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}, "transforms": [{"type": "ToTensor"}]`
	for _, tc := range []struct {
		name, train, collect string
		deferred, err        string
	}{
		{"no dataset", "dataset:nope", `, "collect": {"labels": ["cat", "dog"], "limit": 2}`, `the data is checked after the collection step: "dataset:nope": no dataset "nope"`, ""},
		{"a label missing", "dataset:pets", `, "collect": {"labels": ["cat", "dog"], "limit": 2}`, "the dataset holds 1 of the 2 labels to collect", ""},
		{"every label", "dataset:full", `, "collect": {"labels": ["cat", "dog"], "limit": 2}`, "", ""},
		{"no step", "dataset:nope", ``, "", `data.train: "dataset:nope": no dataset "nope"`},
		{"no step, a label missing", "dataset:pets", ``, "", "data.train: a classification network needs at least 2 classes, the data has 1"},
		{"a bad step", "dataset:nope", `, "collect": {"labels": ["cat"], "limit": 0}`, "", "collect.limit: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse([]byte(`{"name": "c", "data": {"train": "` + tc.train + `"}, ` + net + tc.collect + `}`))
			if err != nil {
				t.Fatal(err)
			}
			p, err := train.Check(s, train.Options{Root: root})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.deferred == "" {
				if p.Deferred != "" || p.Net == nil || p.Net.NLabels != 2 {
					t.Fatalf("deferred %q, net %+v", p.Deferred, p.Net)
				}
				return
			}
			if !strings.Contains(p.Deferred, tc.deferred) {
				t.Fatalf("deferred %q, want %q", p.Deferred, tc.deferred)
			}
			v, err := p.Validation()
			if err != nil || !v.Valid || v.Deferred != p.Deferred {
				t.Fatalf("validation %+v, %v", v, err)
			}
			if _, err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "run the collection, then Check again") {
				t.Fatalf("Run of a deferred plan: %v", err)
			}
		})
	}
}
