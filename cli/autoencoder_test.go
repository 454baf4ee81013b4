package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAutoencoderTrainPredict trains an autoencoder spec on a CSV file
// from the command line, predicts latent codes and reconstructions, and
// refuses a spec whose decoder does not give back the input's shape.
func TestAutoencoderTrainPredict(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,c,d\n")
	for i := range 60 {
		v := float64(i%10) / 10
		b.WriteString(strings.Join([]string{ftoa(v), ftoa(2 * v), ftoa(1 - v), ftoa(v * v)}, ",") + "\n")
	}
	writeFile(t, filepath.Join(dir, "rows.csv"), b.String())
	writeFile(t, filepath.Join(dir, "few.csv"), "a,b,c,d\n0.1,0.2,0.9,0.01\n0.5,1,0.5,0.25\n")
	spec := `{"name": "rows-ae", "task": "autoencoder", "seed": 1, "data": {"train": "rows.csv"},
		"model": {"encoder": [{"type": "Linear", "in_features": "auto", "out_features": 2}, {"type": "Tanh"}],
		          "decoder": [{"type": "Linear", "in_features": "auto", "out_features": 4}]},
		"optimizer": {"type": "Adam", "lr": 0.02}, "batch_size": 16, "epochs": 3}`
	writeFile(t, filepath.Join(dir, "spec.json"), spec)
	if code, _, errs := mlforge(t, dir, "train", "spec.json", "--json"); code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	code, out, errs := mlforge(t, dir, "predict", "models/rows-ae", "few.csv")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 3 || lines[0] != "z_0,z_1" {
		t.Fatalf("latent codes: exit %d: %s %s", code, out, errs)
	}
	code, out, errs = mlforge(t, dir, "predict", "models/rows-ae", "few.csv", "--reconstruct", "-o", "rec.csv")
	rec, _ := os.ReadFile(filepath.Join(dir, "rec.csv"))
	if lines := strings.Split(strings.TrimSpace(string(rec)), "\n"); code != 0 || len(lines) != 3 || lines[0] != "a,b,c,d" {
		t.Fatalf("reconstructions: exit %d: %s %s %s", code, rec, out, errs)
	}
	writeFile(t, filepath.Join(dir, "bad.json"), strings.Replace(spec, `"out_features": 4`, `"out_features": 5`, 1))
	code, _, errs = mlforge(t, dir, "train", "bad.json")
	if code != 2 || !strings.Contains(errs, "model.decoder: the decoder outputs shape [1 5] but the input has shape [1 4]") {
		t.Fatalf("bad spec: exit %d: %s", code, errs)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
