package train_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/safetensors"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestResumeAutoencoderAndGAN interrupts an autoencoder run and a GAN run
// after their second epoch and resumes each: the resumed run starts at
// epoch 3 and its model file holds the same weights, bit for bit, as a run
// that was never interrupted (the batches depend only on the seed and the
// epoch; the optimizers' state, and the GAN's noise generator, are in the
// checkpoint).
func TestResumeAutoencoderAndGAN(t *testing.T) {
	ae := `{"name": "ae", "task": "autoencoder", "seed": 3, "data": {"train": "builtin:iris", "target": "target"},
	  "model": {"encoder": [{"type": "Linear", "in_features": "auto", "out_features": 2}, {"type": "Tanh"}],
	            "decoder": [{"type": "Linear", "in_features": "auto", "out_features": 4}]},
	  "optimizer": {"type": "Adam", "lr": 0.01}, "scheduler": {"type": "StepLR", "step_size": 2, "gamma": 0.5},
	  "batch_size": 16, "epochs": 5}`
	resumeTask(t, ae, "")

	root := t.TempDir()
	for _, f := range []string{"images.idx3.gz", "labels.idx1.gz"} {
		b, err := os.ReadFile(filepath.Join("testdata", "gan", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gan := `{"name": "gan", "task": "gan", "seed": 2,
	  "data": {"train": {"images": "images.idx3.gz", "labels": "labels.idx1.gz"}},
	  "transforms": [{"type": "ToTensor"}],
	  "model": {"latent_dim": 3,
	    "generator": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Tanh"},
	                  {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 4, 4]}],
	    "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 8},
	                      {"type": "LeakyReLU", "negative_slope": 0.2}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
	  "optimizer": {"type": "Adam", "lr": 0.01, "betas": [0.5, 0.999]},
	  "optimizer_d": {"type": "SGD", "lr": 0.1, "momentum": 0.5},
	  "batch_size": 4, "epochs": 5}`
	dir := resumeTask(t, gan, root)
	for i := 1; i <= 5; i++ {
		if _, err := os.Stat(filepath.Join(dir, train.SamplesDir, train.SampleFile(i))); err != nil {
			t.Errorf("sample of epoch %d: %v", i, err)
		}
	}
	// Another spec cannot resume the GAN's checkpoint.
	s, err := spec.Parse([]byte(strings.Replace(gan, `"lr": 0.1,`, `"lr": 0.2,`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	s.Output = dir
	if _, err := train.Run(context.Background(), s, train.Options{Root: root, Resume: true}); err == nil || !strings.Contains(err.Error(), "different spec") || !ml.IsBadInput(err) {
		t.Errorf("resume with another spec: %v", err)
	}
}

// resumeTask runs js uninterrupted, then interrupted after epoch 2 and
// resumed, and compares the two model files' tensors. It returns the
// resumed run's output folder.
func resumeTask(t *testing.T, js, root string) string {
	t.Helper()
	parse := func(out string) *spec.Spec {
		s, err := spec.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		s.Output = out
		return s
	}
	full := t.TempDir()
	want, err := train.Run(context.Background(), parse(full), train.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev := &events{on: func(e ml.Event) {
		if e.Kind == "epoch" && e.Epoch == 2 {
			cancel()
		}
	}}
	if _, err := train.Run(ctx, parse(dir), train.Options{Root: root, Reporter: ev}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	ev2 := &events{}
	got, err := train.Run(context.Background(), parse(dir), train.Options{Root: root, Reporter: ev2, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if ep := ev2.kind("epoch"); len(ep) != 3 || ep[0].Epoch != 3 {
		t.Fatalf("resumed epochs %+v, want 3, 4 and 5", ep)
	}
	if h := ev2.kind("history"); len(h) != 2 || h[1].Epoch != 2 {
		t.Errorf("history events %+v, want epochs 1 and 2", h)
	}
	if logs := ev2.kind("log"); len(logs) == 0 || !strings.Contains(logs[0].Message, "resuming after epoch 2 of 5") {
		t.Errorf("log events %+v", logs)
	}
	a, b := weights(t, want.ModelPath), weights(t, got.ModelPath)
	if len(a.Tensors) == 0 || len(a.Tensors) != len(b.Tensors) {
		t.Fatalf("%d and %d tensors", len(a.Tensors), len(b.Tensors))
	}
	for name, x := range a.Tensors {
		y := b.Tensors[name]
		if y == nil || !slices.Equal(x.F32, y.F32) {
			t.Errorf("%s: resumed weights differ from the uninterrupted run's", name)
		}
	}
	for part, m := range want.Metrics {
		for k, v := range m {
			if got.Metrics[part][k] != v {
				t.Errorf("%s %s: resumed %v, uninterrupted %v", part, k, got.Metrics[part][k], v)
			}
		}
	}
	return dir
}

func weights(t *testing.T, path string) *safetensors.File {
	t.Helper()
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, model.FileName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
