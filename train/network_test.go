package train_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// cnnSpec is the CNN of examples/mnist-cnn.json on the IDX files at images
// and labels.
func cnnSpec(t *testing.T, images, labels, out string, epochs int) *spec.Spec {
	t.Helper()
	js := `{
	  "name": "mnist-cnn", "seed": 1,
	  "data": {"train": {"images": "` + images + `", "labels": "` + labels + `"}, "split": {"test_size": 0.2}},
	  "transforms": [{"type": "ToTensor"}, {"type": "Normalize", "mean": [0.1307], "std": [0.3081]}],
	  "model": {"layers": [
	    {"type": "Conv2d", "in_channels": "auto", "out_channels": 32, "kernel_size": 3}, {"type": "ReLU"},
	    {"type": "MaxPool2d", "kernel_size": 2},
	    {"type": "Conv2d", "in_channels": "auto", "out_channels": 64, "kernel_size": 3}, {"type": "ReLU"},
	    {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
	    {"type": "Linear", "in_features": "auto", "out_features": 128}, {"type": "ReLU"},
	    {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "optimizer": {"type": "Adam", "lr": 0.001}, "batch_size": 64, "epochs": ` + itoa(epochs) + `,
	  "metrics": ["accuracy", "f1_macro", "log_loss"], "output": "` + out + `"}`
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func itoa(i int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			return string(b)
		}
	}
}

// events records progress events.
type events struct {
	mu   sync.Mutex
	list []ml.Event
	on   func(ml.Event)
}

func (e *events) Report(ev ml.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
	if e.on != nil {
		e.on(ev)
	}
}

func (e *events) kind(k string) []ml.Event {
	var out []ml.Event
	for _, ev := range e.list {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

// TestMNISTSubset trains the example CNN on 800 of the first 1,000 MNIST
// test images (a committed subset) for 5 epochs and checks its accuracy on
// the other 200 against PyTorch's on the same split (testdata/reference.json,
// run "mnist1k", within referenceTolerance), that every step and epoch was
// reported, and that the saved model predicts the same.
func TestMNISTSubset(t *testing.T) {
	out := t.TempDir()
	wd, _ := os.Getwd()
	s := cnnSpec(t, filepath.Join(wd, "testdata/mnist1k-images-idx3-ubyte.gz"), filepath.Join(wd, "testdata/mnist1k-labels-idx1-ubyte.gz"), out, 5)
	ev := &events{}
	res, err := train.Run(context.Background(), s, train.Options{Reporter: ev})
	if err != nil {
		t.Fatal(err)
	}
	if res.NTrain != 800 || res.NTest != 200 {
		t.Errorf("split %d/%d, want 800/200", res.NTrain, res.NTest)
	}
	t.Logf("train accuracy %.3f", res.Metrics["train"]["accuracy"])
	wantAtLeastReference(t, "mnist1k", res.Metrics["test"]["accuracy"])
	steps, epochs := ev.kind("step"), ev.kind("epoch")
	if len(steps) != 5*13 || steps[len(steps)-1].Total != 65 || steps[0].Loss == nil {
		t.Errorf("%d step events (last %+v), want 65", len(steps), steps[len(steps)-1])
	}
	if len(epochs) != 5 || epochs[4].Epoch != 5 || epochs[4].Metrics["val_accuracy"] == 0 || epochs[4].Metrics["lr"] != 0.001 {
		t.Errorf("epoch events %+v", epochs)
	}
	if _, err := os.Stat(filepath.Join(out, train.CheckpointFile)); err != nil {
		t.Errorf("no checkpoint: %v", err)
	}
	m, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsNetwork() || m.Manifest.Kind != model.KindNetwork || len(m.Manifest.Classes) != 10 {
		t.Fatalf("loaded model: network %v, kind %q, classes %v", m.IsNetwork(), m.Manifest.Kind, m.Manifest.Classes)
	}
	// A digit written as a PNG predicts like the dataset image.
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 6; y < 22; y++ {
		img.SetGray(14, y, color.Gray{255})
		img.SetGray(15, y, color.Gray{255})
	}
	f, _ := os.Create(filepath.Join(dir, "one.png"))
	png.Encode(f, img)
	f.Close()
	files, p, err := m.PredictImages([]string{dir}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || p.Labels[0] != "1" {
		t.Errorf("a vertical stroke predicts %q (%v)", p.Labels, files)
	}
	os.WriteFile(filepath.Join(dir, "bad.png"), []byte("not a png"), 0o644)
	if _, _, err := m.PredictImages([]string{dir}, false); err == nil || !strings.Contains(err.Error(), "bad.png") {
		t.Errorf("corrupt image: %v, want an error naming bad.png", err)
	}
}

// TestMNISTFull runs examples/mnist-cnn.json (8,000 training images, 5
// epochs) and checks its accuracy on the other 2,000 against PyTorch's on
// the same split (testdata/reference.json, run "mnist10k", within
// referenceTolerance). It takes about a minute on two cores, so it runs only
// with MLFORGE_MNIST_FULL=1 and the MNIST files in ../shared/data/mnist.
func TestMNISTFull(t *testing.T) {
	if testing.Short() || os.Getenv("MLFORGE_MNIST_FULL") == "" {
		t.Skip("set MLFORGE_MNIST_FULL=1 to run the full MNIST example (about a minute)")
	}
	s, err := spec.Load("../examples/mnist-cnn.json")
	if err != nil {
		t.Fatal(err)
	}
	s.Output = t.TempDir()
	res, err := train.Run(context.Background(), s, train.Options{Root: ".."})
	if err != nil {
		t.Fatal(err)
	}
	wantAtLeastReference(t, "mnist10k", res.Metrics["test"]["accuracy"])
}

func irisNet(t *testing.T, extra string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse([]byte(`{"name": "iris-net", "seed": 2, "data": {"train": "builtin:iris"},
	  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "ReLU"},
	                       {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "batch_size": 16, ` + extra + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestResume interrupts a run after its second epoch and resumes it: the
// resumed run starts at epoch 3 and ends with the same weights as a run
// that was never interrupted (the batches depend only on the seed and the
// epoch, and the optimizer state is in the checkpoint).
func TestResume(t *testing.T) {
	extra := `"optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9}, "scheduler": {"type": "StepLR", "step_size": 2, "gamma": 0.5}, "epochs": 5`
	// LBFGS: its history, direction and counters are in the checkpoint,
	// and each batch's step re-evaluates the loss (a closure).
	lbfgs := `"optimizer": {"type": "LBFGS", "lr": 0.5, "max_iter": 4, "history_size": 5, "line_search_fn": "strong_wolfe"}, "epochs": 5`
	dir := resumeCase(t, extra)
	resumeCase(t, lbfgs)
	// Another spec cannot resume this checkpoint.
	s := irisNet(t, `"optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 5`)
	s.Output = dir
	_, err := train.Run(context.Background(), s, train.Options{Resume: true})
	if err == nil || !strings.Contains(err.Error(), "different spec") || !ml.IsBadInput(err) {
		t.Errorf("resume with another spec: %v", err)
	}
}

// resumeCase is TestResume for one spec's optimizer and scheduler keys.
// It returns the resumed run's output folder.
func resumeCase(t *testing.T, extra string) string {
	t.Helper()
	full := t.TempDir()
	s := irisNet(t, extra)
	s.Output = full
	want, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatalf("%s: %v", extra, err)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ev := &events{on: func(e ml.Event) {
		if e.Kind == "epoch" && e.Epoch == 2 {
			cancel()
		}
	}}
	s = irisNet(t, extra)
	s.Output = dir
	if _, err := train.Run(ctx, s, train.Options{Reporter: ev}); !errors.Is(err, context.Canceled) {
		t.Fatalf("%s: interrupted run: %v, want context.Canceled", extra, err)
	}
	ev2 := &events{}
	s = irisNet(t, extra)
	s.Output = dir
	got, err := train.Run(context.Background(), s, train.Options{Reporter: ev2, Resume: true})
	if err != nil {
		t.Fatalf("%s: %v", extra, err)
	}
	ep := ev2.kind("epoch")
	if len(ep) != 3 || ep[0].Epoch != 3 {
		t.Fatalf("resumed epochs %+v, want 3, 4 and 5", ep)
	}
	if logs := ev2.kind("log"); len(logs) == 0 || !strings.Contains(logs[0].Message, "resuming after epoch 2 of 5") {
		t.Errorf("log events %+v", logs)
	}
	for part, m := range want.Metrics {
		for k, v := range m {
			if got.Metrics[part][k] != v {
				t.Errorf("%s: %s %s: resumed %v, uninterrupted %v", extra, part, k, got.Metrics[part][k], v)
			}
		}
	}
	return dir
}

// TestDivergence checks that a NaN or infinite loss stops the run with an
// error naming the epoch and the step.
func TestDivergence(t *testing.T) {
	s := irisNet(t, `"optimizer": {"type": "SGD", "lr": 1e30}, "epochs": 3`)
	s.Output = t.TempDir()
	_, err := train.Run(context.Background(), s, train.Options{})
	var de *train.DivergedError
	if !errors.As(err, &de) || !ml.IsBadInput(err) {
		t.Fatalf("err = %v, want a DivergedError", err)
	}
	if !strings.HasPrefix(err.Error(), "epoch 1, step ") || !strings.Contains(err.Error(), "the loss is") {
		t.Errorf("message %q", err)
	}
}

// diabetesSpec is a small regression network on the built-in diabetes
// data, unscaled (gen_reference.py's "diabetes" run).
func diabetesSpec(t *testing.T) *spec.Spec {
	t.Helper()
	s, err := spec.Parse([]byte(`{"name": "diabetes-net", "seed": 1, "data": {"train": "builtin:diabetes"},
	  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"},
	                       {"type": "Linear", "in_features": 32, "out_features": 1}]},
	  "criterion": "MSELoss", "optimizer": {"type": "Adam", "lr": 0.1}, "batch_size": 32, "epochs": 150}`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRegressionAndFolder trains a regression network on a built-in
// dataset, checking its R² against PyTorch's on the same split
// (testdata/reference.json, run "diabetes", within referenceTolerance), and
// a classifier on an image folder with a corrupt image, which must be named
// in the error.
func TestRegressionAndFolder(t *testing.T) {
	s := diabetesSpec(t)
	s.Output = t.TempDir()
	res, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantAtLeastReference(t, "diabetes", res.Metrics["test"]["r2"])

	root := t.TempDir()
	for c, name := range []string{"dark", "light"} {
		d := filepath.Join(root, "shapes", name)
		os.MkdirAll(d, 0o755)
		for k := range 8 {
			img := image.NewNRGBA(image.Rect(0, 0, 6, 5))
			for i := range img.Pix {
				img.Pix[i] = uint8(40 + 150*c + 3*k)
				if i%4 == 3 {
					img.Pix[i] = 255
				}
			}
			f, _ := os.Create(filepath.Join(d, itoa(k)+".png"))
			png.Encode(f, img)
			f.Close()
		}
	}
	folder := func() *spec.Spec {
		s, err := spec.Parse([]byte(`{"name": "shapes", "seed": 1, "data": {"train": "shapes", "split": {"test_size": 0.25}},
		  "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		  "transforms": [{"type": "RandomHorizontalFlip"}, {"type": "ToTensor"}],
		  "optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 4, "epochs": 10, "output": "out"}`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	res, err = train.Run(context.Background(), folder(), train.Options{Root: root, Restrict: true})
	if err != nil {
		t.Fatal(err)
	}
	if acc := res.Metrics["test"]["accuracy"]; acc != 1 || strings.Join(res.Labels, ",") != "dark,light" {
		t.Errorf("folder: accuracy %v (train %v), labels %q", acc, res.Metrics["train"], res.Labels)
	}
	m, err := model.Load(filepath.Join(root, "out"))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Manifest.Network.Transforms) != `[{"type":"ToTensor"}]` {
		t.Errorf("prediction transforms %s, want the random flip left out", m.Manifest.Network.Transforms)
	}
	os.WriteFile(filepath.Join(root, "shapes", "light", "broken.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644)
	_, err = train.Run(context.Background(), folder(), train.Options{Root: root, Restrict: true})
	if err == nil || !strings.Contains(err.Error(), "light/broken.png") {
		t.Errorf("corrupt image: %v, want an error naming light/broken.png", err)
	}
}

// TestScoreModel scores a saved table network with ScoreModel as `mlforge
// eval` does, and checks it agrees with the test metrics of the run.
func TestScoreModel(t *testing.T) {
	s := irisNet(t, `"optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 20, "metrics": ["accuracy", "log_loss"]`)
	s.Output = t.TempDir()
	res, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(s.Output)
	if err != nil {
		t.Fatal(err)
	}
	f, err := datasets.Load("iris")
	if err != nil {
		t.Fatal(err)
	}
	y, err := m.TargetValues(f.Classes, f.Y)
	if err != nil {
		t.Fatal(err)
	}
	scores, conf, err := train.ScoreModel(m, f.X, y, m.MetricNames())
	if err != nil {
		t.Fatal(err)
	}
	// The whole data set mixes the train and test parts: its accuracy lies
	// between theirs, up to the weighting.
	lo := min(res.Metrics["train"]["accuracy"], res.Metrics["test"]["accuracy"])
	hi := max(res.Metrics["train"]["accuracy"], res.Metrics["test"]["accuracy"])
	if a := scores["accuracy"]; a < lo-1e-9 || a > hi+1e-9 || len(conf) != 3 {
		t.Errorf("accuracy %v outside [%v, %v], confusion %v", a, lo, hi, conf)
	}
	if _, ok := scores["log_loss"]; !ok {
		t.Errorf("no log_loss in %v", scores)
	}
}
