package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatasetsArtifacts: mlforge datasets collect --data DIR --artifacts
// URL stores the images in the object store's datasets/ (as a server with
// that --artifacts does), not in the data folder; mlforge train reads the
// dataset from there with the same --artifacts, and without it finds the
// data folder's own blobs empty.
func TestDatasetsArtifacts(t *testing.T) {
	fakeSearch(t)
	dir, art := t.TempDir(), t.TempDir()
	artURL := "file://" + filepath.ToSlash(art)
	t.Setenv("MLFORGE_ARTIFACTS", "")
	code, out := dsCmd(t, "datasets", "collect", "pets", "--labels", "cat, kitty:dog", "--limit", "3", "--data", dir, "--artifacts", artURL, "--serpapi-key", cliKey)
	if code != 0 {
		t.Fatalf("collect = %d\n%s", code, out)
	}
	var blobs []string
	filepath.WalkDir(filepath.Join(art, "datasets"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs = append(blobs, p)
		}
		return nil
	})
	if len(blobs) < 6 {
		t.Fatalf("the object store's datasets/ holds %d files, want the 6 images", len(blobs))
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs")); !os.IsNotExist(err) {
		t.Fatalf("the images went to the data folder too (%v)", err)
	}
	specPath := filepath.Join(t.TempDir(), "spec.json")
	spec := `{"name": "pets", "seed": 1, "data": {"train": "dataset:pets"}, "output": "` + filepath.Join(t.TempDir(), "model") + `",
		"transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"batch_size": 2, "epochs": 1}`
	os.WriteFile(specPath, []byte(spec), 0o600)
	if code, out = dsCmd(t, "train", specPath, "--data", dir, "--artifacts", artURL); code != 0 || !strings.Contains(out, "classes  cat, kitty") {
		t.Fatalf("train from the object store's dataset = %d\n%s", code, out)
	}
	if code, out = dsCmd(t, "train", specPath, "--data", dir); code == 0 {
		t.Fatalf("train without --artifacts found the images:\n%s", out)
	}
	t.Setenv("MLFORGE_ARTIFACTS", artURL)
	if code, out = dsCmd(t, "train", specPath, "--data", dir); code != 0 {
		t.Fatalf("train with MLFORGE_ARTIFACTS = %d\n%s", code, out)
	}
}
