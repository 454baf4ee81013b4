package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSequenceTrainPredict trains a GRU sequence spec from the command line
// on a CSV time series and predicts one row per window of another CSV,
// whose unused columns are ignored; a bad spec exits 2 naming the field.
func TestSequenceTrainPredict(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("t,x,y\n")
	for i := range 150 {
		fmt.Fprintf(&b, "%d,%.6f,%.6f\n", i, math.Cos(0.2*float64(i)), math.Sin(0.2*float64(i)))
	}
	writeFile(t, filepath.Join(dir, "series.csv"), b.String())
	lines := strings.SplitAfter(b.String(), "\n")
	writeFile(t, filepath.Join(dir, "recent.csv"), strings.Join(lines[:13], "")) // header + 12 rows
	spec := `{"name": "sine-gru", "seed": 1,
		"data": {"train": "series.csv", "sequence": {"window": 6, "horizon": 2, "stride": 1, "columns": ["x", "y"], "target": "y"}},
		"model": {"layers": [{"type": "GRU", "input_size": "auto", "hidden_size": 8, "batch_first": true, "return_sequences": false},
		                     {"type": "Linear", "in_features": "auto", "out_features": 1}]},
		"optimizer": {"type": "Adam", "lr": 0.02}, "batch_size": 32, "epochs": 2}`
	writeFile(t, filepath.Join(dir, "spec.json"), spec)
	if code, _, errs := mlforge(t, dir, "train", "spec.json", "--json"); code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	code, out, errs := mlforge(t, dir, "predict", "models/sine-gru", "recent.csv")
	if code != 0 {
		t.Fatalf("predict exited %d: %s", code, errs)
	}
	// 12 rows, window 6: 7 windows, the first predicting row 5 + 2.
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != 8 || got[0] != "target_row,prediction" || !strings.HasPrefix(got[1], "7,") || !strings.HasPrefix(got[7], "13,") {
		t.Fatalf("predictions:\n%s", out)
	}

	// eval scores the windows whose target row is in the file: 12 rows,
	// window 6, horizon 2: 5 windows.
	code, out, errs = mlforge(t, dir, "eval", "models/sine-gru", "recent.csv", "--json")
	if code != 0 || !strings.Contains(out, `"rows":5`) || !strings.Contains(out, `"mean_squared_error":`) {
		t.Fatalf("eval exited %d: %s %s", code, out, errs)
	}

	writeFile(t, filepath.Join(dir, "bad.json"), strings.Replace(spec, `"horizon": 2`, `"horizon": 0.5`, 1))
	code, _, errs = mlforge(t, dir, "train", "bad.json")
	if code != 2 || !strings.Contains(errs, "data.sequence.horizon: expected an integer") {
		t.Fatalf("bad spec: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "models", "sine-gru", "model.safetensors")); err != nil {
		t.Fatal(err)
	}
}
