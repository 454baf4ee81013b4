package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/api"
)

// TestEvalDataset trains the corners network on a folder, imports other
// corner images (and a label the model does not know) into a server's
// dataset, and tests the model on random stored images per label.
func TestEvalDataset(t *testing.T) {
	base := datasetServer(t)
	dir := t.TempDir()
	writeImages(t, filepath.Join(dir, "train"), 20)
	writeImages(t, filepath.Join(dir, "store"), 6)
	writePNG(t, filepath.Join(dir, "store", "zz", "1.png"), 7)
	writePNG(t, filepath.Join(dir, "store", "zz", "2.png"), 8)
	writeFile(t, filepath.Join(dir, "spec.json"), `{"name": "corners", "seed": 1,
		"data": {"train": "train", "split": {"test_size": 0.25}},
		"transforms": [{"type": "Grayscale"}, {"type": "Resize", "size": [8, 8]}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 8},
			{"type": "ReLU"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 15}`)
	if code, _, errs := mlforge(t, dir, "train", "spec.json", "--json"); code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	if code, out := dsCmd(t, "datasets", "--server", base, "import", "corners", filepath.Join(dir, "store")); code != 0 || !strings.Contains(out, "corners: 14 added") {
		t.Fatalf("import = %d\n%s", code, out)
	}

	code, out, errs := mlforge(t, dir, "eval", "models/corners", "dataset:corners", "--limit", "4", "--seed", "7", "--server", base)
	if code != 0 {
		t.Fatalf("eval exited %d: %s %s", code, out, errs)
	}
	for _, want := range []string{
		"corners on dataset:corners: 8 images scored (at most 4 per label, seed 7)",
		"br     6       4        4        1.0000",
		"tl     6       4        4        1.0000",
		"zz     2       2        -        not a class of the model",
		"the model's classes (br, tl) do not include zz",
		"accuracy  1.0000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	// The same seed draws the same images: the same report.
	if _, again, _ := mlforge(t, dir, "eval", "models/corners", "dataset:corners", "--limit", "4", "--seed", "7", "--server", base); again != out {
		t.Errorf("a second eval with seed 7 differs:\n%s\n---\n%s", out, again)
	}
	// Only some labels, as JSON; all of a label when it has fewer.
	code, out, errs = mlforge(t, dir, "eval", "models/corners", "dataset:corners:tl", "--limit", "10", "--json", "--server", base)
	var ev api.Evaluation
	if code != 0 || json.Unmarshal([]byte(out), &ev) != nil {
		t.Fatalf("eval --json exited %d: %s %s", code, out, errs)
	}
	if ev.Rows != 6 || len(ev.Labels) != 1 || ev.Labels[0].Sampled != 6 || ev.Metrics["accuracy"] == nil || *ev.Metrics["accuracy"] != 1 || ev.Manifest == "" {
		t.Fatalf("eval of dataset:corners:tl = %+v", ev)
	}
	// Only labels the model lacks; a label the dataset lacks; a limit out
	// of bounds; a dataset that does not exist.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dataset:corners:zz"}, `none of the labels sampled ("zz") is one of the model's classes ("br", "tl")`},
		{[]string{"dataset:corners:cat"}, `dataset "corners" has no items labelled "cat"`},
		{[]string{"dataset:corners", "--limit", "1001"}, "--limit 1001: expected 1 to 1000"},
		{[]string{"dataset:nope"}, `no dataset "nope"`},
	} {
		code, out, errs := mlforge(t, dir, append([]string{"eval", "models/corners", "--server", base}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("eval %v = %d, %s%s; want an error with %q", c.args, code, out, errs, c.want)
		}
	}
}
