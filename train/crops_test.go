package train_test

import (
	"encoding/json"
	"math"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// A TenCrop spec trains on every crop as a sample (batch_size counts
// images: an epoch is ceil(images / batch_size) steps), and the saved
// model predicts an image from its crops' outputs averaged, as
// torchvision's recipe does: the prediction equals the mean of the
// network's outputs on the ten crops, computed here by hand.
func TestCropsTrainAndAverage(t *testing.T) {
	root := t.TempDir()
	writeConfImages(t, root)
	out := filepath.Join(t.TempDir(), "m")
	b, _ := json.Marshal(map[string]any{"name": "crops", "seed": 2, "output": out,
		"data":       map[string]any{"train": "imgs", "split": map[string]any{"test_size": 0.25}},
		"transforms": json.RawMessage(`[{"type": "TenCrop", "size": 12}, {"type": "ToTensor"}]`),
		"model": json.RawMessage(`{"layers": [{"type": "Conv2d", "in_channels": "auto", "out_channels": 4, "kernel_size": 3},
			{"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}`),
		"optimizer": json.RawMessage(`{"type": "SGD", "lr": 0.05}`), "batch_size": 4, "epochs": 2})
	s, err := spec.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	p, err := train.Check(s, train.Options{Root: root, Reporter: ml.ReporterFunc(func(e ml.Event) {
		if e.Kind == "step" {
			steps++
		}
	})})
	if err != nil {
		t.Fatal(err)
	}
	if p.Net.NCrops != 10 || len(p.Net.InShape) != 3 || p.Net.InShape[1] != 12 {
		t.Fatalf("planned %d crops of shape %v", p.Net.NCrops, p.Net.InShape)
	}
	res, err := p.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * ((res.NTrain + 3) / 4); steps != want || res.NTrain != 13 {
		t.Fatalf("%d steps for %d training images in batches of 4 images, want %d", steps, res.NTrain, want)
	}
	m, err := model.Load(res.ModelPath)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "imgs", "*", "*.png"))
	sort.Strings(files)
	_, pred, err := m.PredictImages(files, true)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := images.ParseTransforms(json.RawMessage(`[{"type": "TenCrop", "size": 12}, {"type": "ToTensor"}]`))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		img, err := images.DecodeFile(f, images.RGB)
		if err != nil {
			t.Fatal(err)
		}
		x, err := images.ApplyToImage(tr, img, nil, f)
		if err != nil {
			t.Fatal(err)
		}
		o, err := m.Net.Forward(x) // 10 crops x 3 classes
		if err != nil {
			t.Fatal(err)
		}
		var mean [3]float64
		for k := range 10 {
			for c := range 3 {
				mean[c] += float64(o.Data[k*3+c]) / 10
			}
		}
		mx := math.Max(mean[0], math.Max(mean[1], mean[2]))
		var sum float64
		for c := range 3 {
			sum += math.Exp(mean[c] - mx)
		}
		for c := range 3 {
			if d := math.Abs(math.Exp(mean[c]-mx)/sum - pred.Proba.At(i, c)); d > 1e-6 {
				t.Fatalf("%s: class %d probability %v, the crops' mean output gives %v", f, c, pred.Proba.At(i, c), math.Exp(mean[c]-mx)/sum)
			}
		}
	}
	// The run scored images, not crops: its train and test accuracies
	// together are the saved model's accuracy on the 18 images.
	correct := 0
	for i, f := range files {
		if pred.Labels[i] == filepath.Base(filepath.Dir(f)) {
			correct++
		}
	}
	got := res.Metrics["train"]["accuracy"]*float64(res.NTrain) + res.Metrics["test"]["accuracy"]*float64(res.NTest)
	if math.Abs(got-float64(correct)) > 1e-9 || res.NTest != 5 {
		t.Fatalf("the run counts %v correct images (train %v of %d, test %v of %d), the model %d of 18", got,
			res.Metrics["train"]["accuracy"], res.NTrain, res.Metrics["test"]["accuracy"], res.NTest, correct)
	}
	t.Logf("%d of 18 images right after 2 epochs", correct)
}
