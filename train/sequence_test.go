package train_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// sequenceSpec is the spec of testdata/gen_sequence_reference.py for a
// recurrent layer kind, starting from the script's initial weights.
func sequenceSpec(t *testing.T, kind, out string) *spec.Spec {
	t.Helper()
	js := `{"name": "seq-` + strings.ToLower(kind) + `", "seed": 1,
	  "data": {"train": "series.csv", "split": {"test_size": 0.25},
	           "sequence": {"window": 6, "horizon": 2, "columns": ["x", "y"], "target": "y"}},
	  "model": {"layers": [
	    {"type": "` + kind + `", "input_size": "auto", "hidden_size": 8, "batch_first": true, "return_sequences": false},
	    {"type": "Linear", "in_features": "auto", "out_features": 1}]},
	  "pretrained_weights": "init_` + kind + `.safetensors",
	  "optimizer": {"type": "SGD", "lr": 0.1}, "batch_size": 64, "epochs": 20, "output": "` + out + `"}`
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSequenceReference trains RNN, GRU and LSTM sequence specs with full
// batches from PyTorch's initial weights and compares each epoch's
// training loss and val_loss with PyTorch 1.13's
// (testdata/gen_sequence_reference.py) within 1e-5, relative to
// max(1, |value|): the windows, the chronological split and the
// recurrent layers agree with torch.
func TestSequenceReference(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"series.csv", "init_RNN.safetensors", "init_GRU.safetensors", "init_LSTM.safetensors"} {
		b, err := os.ReadFile(filepath.Join("testdata", "sequence", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("testdata/sequence/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"RNN", "GRU", "LSTM"} {
		t.Run(kind, func(t *testing.T) {
			var want struct {
				Loss    []float64 `json:"loss"`
				ValLoss []float64 `json:"val_loss"`
			}
			if err := json.Unmarshal(ref[kind], &want); err != nil {
				t.Fatal(err)
			}
			var ev events
			s := sequenceSpec(t, kind, "models/"+kind)
			res, err := train.Run(context.Background(), s, train.Options{Root: dir, Reporter: &ev})
			if err != nil {
				t.Fatal(err)
			}
			if res.NTrain != 38 || res.NTest != 8 {
				t.Errorf("windows: %d train, %d test; want 38 and 8 (the script's)", res.NTrain, res.NTest)
			}
			epochs := ev.kind("epoch")
			if len(epochs) != len(want.Loss) {
				t.Fatalf("%d epochs, want %d", len(epochs), len(want.Loss))
			}
			worst := 0.0
			for i, e := range epochs {
				for _, c := range []struct{ got, want float64 }{{*e.Loss, want.Loss[i]}, {e.Metrics["val_loss"], want.ValLoss[i]}} {
					d := math.Abs(c.got-c.want) / math.Max(1, math.Abs(c.want))
					worst = math.Max(worst, d)
					if d > 1e-5 {
						t.Errorf("epoch %d: got %.8g, PyTorch %.8g", i+1, c.got, c.want)
					}
				}
			}
			t.Logf("%s: max relative error %.3g over %d epochs", kind, worst, len(epochs))
			if got := res.Metrics["test"]["mean_squared_error"]; math.Abs(got-want.ValLoss[len(want.ValLoss)-1]) > 1e-5 {
				t.Errorf("test mean_squared_error %.8g, PyTorch's val loss %.8g", got, want.ValLoss[len(want.ValLoss)-1])
			}

			// The model predicts one value per window of the rows it gets.
			m, err := model.Load(filepath.Join(dir, "models", kind))
			if err != nil {
				t.Fatal(err)
			}
			sq := m.Sequence()
			if sq == nil || sq.Window != 6 || sq.Horizon != 2 || sq.Stride != 1 || strings.Join(sq.Columns, ",") != "x,y" {
				t.Fatalf("sequence in the model file: %+v", sq)
			}
		})
	}
}
