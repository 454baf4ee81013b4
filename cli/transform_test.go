package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnsupervisedPredict: `mlforge train` of a KMeans spec prints its
// training metrics, `predict` assigns rows to clusters; a PCA model's
// `predict` writes one column per component.
func TestUnsupervisedPredict(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pts.csv"), "a,b\n0,0\n0,1\n1,0\n10,10\n10,11\n11,10\n")
	writeFile(t, filepath.Join(dir, "km.json"), `{"name": "km", "data": {"train": "pts.csv"},
		"model": {"class": "KMeans", "params": {"n_clusters": 2, "init": [[0, 0], [10, 10]]}}}`)
	code, out, errs := mlforge(t, dir, "train", "km.json")
	if code != 0 || !strings.Contains(out, "silhouette_score") || !strings.Contains(out, "inertia") {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errs)
	}
	writeFile(t, filepath.Join(dir, "new.csv"), "b,a\n9,9\n0.5,0.2\n")
	code, out, errs = mlforge(t, dir, "predict", "models/km", "new.csv")
	if code != 0 || out != "prediction\n1\n0\n" {
		t.Fatalf("predict exited %d:\n%q\n%s", code, out, errs)
	}
	writeFile(t, filepath.Join(dir, "pca.json"), `{"name": "pca", "data": {"train": "pts.csv"}, "model": {"class": "PCA", "params": {"n_components": 1}}}`)
	if code, out, errs = mlforge(t, dir, "train", "pca.json"); code != 0 || !strings.Contains(out, "explained_variance_ratio") {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errs)
	}
	code, out, errs = mlforge(t, dir, "predict", "models/pca", "new.csv", "-o", "z.csv")
	if code != 0 {
		t.Fatalf("predict exited %d: %s", code, errs)
	}
	z, _ := os.ReadFile(filepath.Join(dir, "z.csv"))
	if lines := strings.Split(strings.TrimSpace(string(z)), "\n"); len(lines) != 3 || lines[0] != "component_0" {
		t.Fatalf("projections:\n%s", z)
	}
}
