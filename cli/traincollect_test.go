package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainCollect: mlforge train with a spec whose collect step fills
// the stored dataset "pets" of the data folder (created by the step) from
// a fake SerpApi on loopback, then trains a network from it; a second run
// collects nothing.
func TestTrainCollect(t *testing.T) {
	hits := fakeSearch(t)
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "model")
	specPath := filepath.Join(t.TempDir(), "spec.json")
	spec := `{"name": "pets", "seed": 1, "data": {"train": "dataset:pets"}, "output": "` + out + `",
		"collect": {"labels": ["cat", "kitty:dog"], "limit": 3, "min_per_label": 2},
		"transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"batch_size": 2, "epochs": 1}`
	if err := os.WriteFile(specPath, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SERPAPI_KEY", "")
	code, got := dsCmd(t, "train", specPath, "--data", dir)
	if code != 2 || !strings.Contains(got, "the spec's collect step needs SerpApi's key") {
		t.Fatalf("without a key = %d\n%s", code, got)
	}
	code, got = dsCmd(t, "train", specPath, "--data", dir, "--serpapi-key", cliKey)
	for _, want := range []string{`collect step: dataset "pets" created`, `collect step: 2 of 2 labels of "pets" hold fewer than 2 images`,
		`collect "kitty": 3 stored (0 before)`, `collect step: 6 images stored in 2 labels; training follows`, "classes  cat, kitty"} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if code != 0 || strings.Contains(got, "cli-secret") || hits.Load() != 6 {
		t.Fatalf("train = %d, %d downloads\n%s", code, hits.Load(), got)
	}
	t.Setenv("SERPAPI_KEY", cliKey)
	code, got = dsCmd(t, "train", specPath, "--data", dir)
	if code != 0 || !strings.Contains(got, "nothing to collect") || hits.Load() != 6 {
		t.Fatalf("train again = %d, %d downloads\n%s", code, hits.Load(), got)
	}
	// A spec holding a key, and a bad step, are the spec's errors.
	os.WriteFile(specPath, []byte(strings.Replace(spec, `"limit": 3`, `"limit": 3, "serpapi_key": "k"`, 1)), 0o600)
	if code, got = dsCmd(t, "train", specPath, "--data", dir); code != 2 || !strings.Contains(got, "collect.serpapi_key: a spec never holds an API key") {
		t.Fatalf("a key in the spec = %d\n%s", code, got)
	}
	os.WriteFile(specPath, []byte(strings.Replace(spec, `"limit": 3`, `"limit": 30000`, 1)), 0o600)
	if code, got = dsCmd(t, "train", specPath, "--data", dir); code != 2 || !strings.Contains(got, "collect.limit: required: the images each label should hold, 1 to 10000, got 30000") {
		t.Fatalf("a bad limit = %d\n%s", code, got)
	}
	// Without the step, a stored dataset is read from --data.
	os.WriteFile(specPath, []byte(strings.Replace(spec, `"collect": {"labels": ["cat", "kitty:dog"], "limit": 3, "min_per_label": 2},`, ``, 1)), 0o600)
	if code, got = dsCmd(t, "train", specPath, "--data", dir); code != 0 || strings.Contains(got, "collect") {
		t.Fatalf("train from the store = %d\n%s", code, got)
	}
	if code, got = dsCmd(t, "train", specPath, "--data", t.TempDir()); code != 2 || !strings.Contains(got, "has no store") {
		t.Fatalf("train from an empty data folder = %d\n%s", code, got)
	}
}
