package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGANTrain trains a GAN spec from the command line on IDX images: one
// sample grid per epoch in the model directory; a GAN without optimizer_d
// exits 2 before training, naming the field; predict refuses with why.
func TestGANTrain(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"images.idx3.gz", "labels.idx1.gz"} {
		b, err := os.ReadFile(filepath.Join("..", "train", "testdata", "gan", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), string(b))
	}
	spec := `{"name": "tiny-gan", "task": "gan", "seed": 1,
		"data": {"train": {"images": "images.idx3.gz", "labels": "labels.idx1.gz"}},
		"transforms": [{"type": "ToTensor"}],
		"model": {"latent_dim": 4,
		  "generator": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Sigmoid"},
		                {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 4, 4]}],
		  "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
		"optimizer": {"type": "Adam", "lr": 0.001},
		"optimizer_d": {"type": "SGD", "lr": 0.01},
		"batch_size": 8, "epochs": 3}`
	writeFile(t, filepath.Join(dir, "spec.json"), spec)
	if code, _, errs := mlforge(t, dir, "train", "spec.json"); code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	for _, f := range []string{"epoch-001.png", "epoch-002.png", "epoch-003.png", "../model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, "models", "tiny-gan", "samples", f)); err != nil {
			t.Error(err)
		}
	}
	code, _, errs := mlforge(t, dir, "predict", "models/tiny-gan", "images.idx3.gz")
	if code == 0 || !strings.Contains(errs, "a GAN predicts nothing") {
		t.Errorf("predict: exit %d: %s", code, errs)
	}
	writeFile(t, filepath.Join(dir, "bad.json"), strings.Replace(spec, `"optimizer_d": {"type": "SGD", "lr": 0.01},`, "", 1))
	code, _, errs = mlforge(t, dir, "train", "bad.json")
	if code != 2 || !strings.Contains(errs, "optimizer_d: required: the discriminator's optimizer") {
		t.Fatalf("bad spec: exit %d: %s", code, errs)
	}
}
