package train_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestAutoencoderReference trains the autoencoder of
// testdata/gen_autoencoder_reference.py (Linear(6, 3), Tanh | Linear(3, 6),
// MSELoss, SGD with momentum, full batches) from PyTorch's initial weights
// and compares every epoch's training loss and val_loss, and the latent
// codes and reconstructions of the model file, with PyTorch 1.13's within
// 1e-5 (relative to max(1, |value|)). The model file's weights carry
// PyTorch's names (encoder.0.weight, decoder.0.bias).
func TestAutoencoderReference(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"train.csv", "test.csv", "init.safetensors"} {
		b, err := os.ReadFile(filepath.Join("testdata", "autoencoder", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("testdata/autoencoder/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		L                      []float64 `json:"loss"`
		V                      []float64 `json:"val_loss"`
		Latent, Reconstruction [][]float64
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse([]byte(`{"name": "ae", "task": "autoencoder", "seed": 3,
	  "data": {"train": "train.csv", "test": "test.csv"},
	  "model": {"encoder": [{"type": "Linear", "in_features": "auto", "out_features": 3}, {"type": "Tanh"}],
	            "decoder": [{"type": "Linear", "in_features": "auto", "out_features": 6}]},
	  "pretrained_weights": "init.safetensors",
	  "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}, "batch_size": 64, "epochs": 20}`))
	if err != nil {
		t.Fatal(err)
	}
	var ev events
	res, err := train.Run(context.Background(), s, train.Options{Root: dir, Reporter: &ev})
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	check := func(what string, got, want float64) {
		t.Helper()
		d := math.Abs(got-want) / math.Max(1, math.Abs(want))
		worst = math.Max(worst, d)
		if d > 1e-5 {
			t.Errorf("%s: got %.8g, PyTorch %.8g", what, got, want)
		}
	}
	epochs := ev.kind("epoch")
	if len(epochs) != len(want.L) {
		t.Fatalf("%d epochs, want %d", len(epochs), len(want.L))
	}
	for i, e := range epochs {
		check("loss", *e.Loss, want.L[i])
		check("val_loss", e.Metrics["val_loss"], want.V[i])
		check("val_mse", e.Metrics["val_mse"], want.V[i]) // MSELoss is the reconstruction MSE
	}
	check("test loss", res.Metrics["test"]["loss"], want.V[len(want.V)-1])

	m, err := model.Load(res.ModelPath)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsAutoencoder() {
		t.Fatal("the model file is not an autoencoder")
	}
	var names []string
	for _, p := range m.Net.Module.Parameters() {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "encoder.0.weight encoder.0.bias decoder.0.weight decoder.0.bias" {
		t.Errorf("state_dict names: %s", got)
	}
	f, err := data.ReadCSVFile(filepath.Join(dir, "test.csv"), data.CSVOptions{NoTarget: true})
	if err != nil {
		t.Fatal(err)
	}
	X := f.X.Slice(0, 3, 0, 6).(*mat.Dense)
	for _, c := range []struct {
		reconstruct bool
		want        [][]float64
	}{{false, want.Latent}, {true, want.Reconstruction}} {
		Z, err := m.EncodeRows(X, c.reconstruct)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range c.want {
			for j, v := range row {
				check("prediction", Z.At(i, j), v)
			}
		}
	}
	t.Logf("max relative error %.3g", worst)
}
