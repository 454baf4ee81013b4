package train

import (
	"context"
	"encoding/json"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
)

// TestGANReference trains the GAN of testdata/gen_gan_reference.py (a
// Linear generator, an MLP discriminator, BCEWithLogitsLoss, SGD for the
// discriminator and Adam for the generator, one full-batch step an epoch)
// from PyTorch's initial weights and noise, and compares each epoch's
// loss_d, loss_g, d_real and d_fake with PyTorch 1.13's within 1e-5
// (relative to max(1, |value|)): the DCGAN tutorial's order of the two
// updates and the detached fake batch. It also checks the sample grid of
// every epoch and the model file's names.
func TestGANReference(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"images.idx3.gz", "labels.idx1.gz", "init.safetensors"} {
		b, err := os.ReadFile(filepath.Join("testdata", "gan", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("testdata/gan/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Noise                      [][][]float32
		LossD, LossG, DReal, DFake []float64
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(b, &raw)
	json.Unmarshal(raw["noise"], &ref.Noise)
	json.Unmarshal(raw["loss_d"], &ref.LossD)
	json.Unmarshal(raw["loss_g"], &ref.LossG)
	json.Unmarshal(raw["d_real"], &ref.DReal)
	json.Unmarshal(raw["d_fake"], &ref.DFake)
	if len(ref.Noise) != 5 || len(ref.LossD) != 5 {
		t.Fatalf("reference: %d noise batches, %d epochs", len(ref.Noise), len(ref.LossD))
	}
	call := 0
	ganNoise = func(_ *rand.Rand, n, dim int) *tensor.Tensor {
		z := tensor.New(n, dim)
		for i, row := range ref.Noise[call] {
			copy(z.Data[i*dim:], row)
		}
		call++
		return z
	}
	defer func() { ganNoise = noise }()

	s, err := spec.Parse([]byte(`{"name": "gan", "task": "gan", "seed": 2,
	  "data": {"train": {"images": "images.idx3.gz", "labels": "labels.idx1.gz"}},
	  "transforms": [{"type": "ToTensor"}],
	  "model": {"latent_dim": 3,
	    "generator": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Tanh"},
	                  {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 4, 4]}],
	    "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 8},
	                      {"type": "LeakyReLU", "negative_slope": 0.2}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
	  "pretrained_weights": "init.safetensors",
	  "optimizer": {"type": "Adam", "lr": 0.01, "betas": [0.5, 0.999]},
	  "optimizer_d": {"type": "SGD", "lr": 0.1},
	  "batch_size": 64, "epochs": 5}`))
	if err != nil {
		t.Fatal(err)
	}
	var epochs []ml.Event
	rep := ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "epoch" {
			epochs = append(epochs, e)
		}
	})
	res, err := Run(context.Background(), s, Options{Root: dir, Reporter: rep})
	if err != nil {
		t.Fatal(err)
	}
	if res.NTrain != 16 || len(epochs) != 5 {
		t.Fatalf("%d images, %d epochs; want 16 and 5", res.NTrain, len(epochs))
	}
	worst := 0.0
	for i, e := range epochs {
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"loss_d", e.Metrics["loss_d"], ref.LossD[i]}, {"loss_g", e.Metrics["loss_g"], ref.LossG[i]},
			{"d_real", e.Metrics["d_real"], ref.DReal[i]}, {"d_fake", e.Metrics["d_fake"], ref.DFake[i]}} {
			d := math.Abs(c.got-c.want) / math.Max(1, math.Abs(c.want))
			worst = math.Max(worst, d)
			if d > 1e-5 {
				t.Errorf("epoch %d %s: got %.8g, PyTorch %.8g", i+1, c.name, c.got, c.want)
			}
		}
	}
	t.Logf("max relative error %.3g", worst)

	for i := 1; i <= 5; i++ {
		f, err := os.Open(filepath.Join(dir, "models", "gan", SamplesDir, SampleFile(i)))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// 64 images of 4 x 4, 8 a row, 2 pixels of padding.
		if b := img.Bounds(); b.Dx() != 2+8*6 || b.Dy() != 2+8*6 {
			t.Errorf("sample grid %d is %v", i, b)
		}
	}
	m, err := model.Load(res.ModelPath)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m.Net.Module.Parameters() {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); !m.IsGAN() || got != "generator.0.weight generator.0.bias discriminator.1.weight discriminator.1.bias discriminator.3.weight discriminator.3.bias" {
		t.Errorf("GAN %v, state_dict names: %s", m.IsGAN(), got)
	}
}
