package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// pretrainedFolder writes an image folder of n classes of 16x16 images.
func pretrainedFolder(t *testing.T, root, name string, n int) {
	t.Helper()
	for c := range n {
		d := filepath.Join(root, name, fmt.Sprintf("c%d", c))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k := range 4 {
			writePNG(t, filepath.Join(d, itoa(k)+".png"), 16, 16, uint8(30+60*c+5*k), uint8(200-50*c), uint8(10*k))
		}
	}
}

func lenetSpec(t *testing.T, folder, out, extra string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse([]byte(`{"name": "lenet", "seed": 3, "data": {"train": "` + folder + `", "split": {"test_size": 0.25}},
	  "model": {"layers": [{"type": "LeNet5", "in_channels": "auto", "num_classes": "n_labels"}]},
	  "transforms": [{"type": "ToTensor"}], "batch_size": 4, "epochs": 1, "output": "` + out + `"` + extra + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func loadParams(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	m, err := model.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for _, p := range m.Net.Module.Parameters() {
		out[p.Name] = append([]float32(nil), p.Var.Data.Data...)
	}
	return out
}

func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPretrainedWeights trains LeNet5 on 3 classes and fine-tunes its
// weights on 2: the head (another shape) is new and reported, the other
// weights are loaded (checked with lr 0) and, with freeze, stay as loaded
// while the head trains.
func TestPretrainedWeights(t *testing.T) {
	root := t.TempDir()
	pretrainedFolder(t, root, "three", 3)
	pretrainedFolder(t, root, "two", 2)
	opt := train.Options{Root: root, Restrict: true}
	if _, err := train.Run(context.Background(), lenetSpec(t, "three", "first", ""), opt); err != nil {
		t.Fatal(err)
	}
	first := loadParams(t, filepath.Join(root, "first"))
	weights := "first/model.safetensors"
	if _, err := os.Stat(filepath.Join(root, weights)); err != nil {
		t.Fatal(err)
	}
	head := ""
	{
		m, err := model.Load(filepath.Join(root, "first"))
		if err != nil {
			t.Fatal(err)
		}
		head = nn.Head(m.Net.Module)
	}
	if head == "" {
		t.Fatal("no head")
	}

	runs := map[string]map[string][]float32{}
	for _, tc := range []struct{ name, extra string }{
		{"lr0", `, "pretrained_weights": "` + weights + `", "optimizer": {"type": "SGD", "lr": 0}`},
		{"frozen", `, "pretrained_weights": "` + weights + `", "freeze": true, "optimizer": {"type": "SGD", "lr": 0.1}`},
		{"tuned", `, "pretrained_weights": "` + weights + `", "optimizer": {"type": "SGD", "lr": 0.1}`},
	} {
		ev := &events{}
		o := opt
		o.Reporter = ev
		if _, err := train.Run(context.Background(), lenetSpec(t, "two", tc.name, tc.extra), o); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		warned := false
		for _, e := range ev.kind("log") {
			warned = warned || (strings.Contains(e.Message, "pretrained_weights") && strings.Contains(e.Message, head))
		}
		if !warned {
			t.Errorf("%s: no warning about the skipped head %q in %+v", tc.name, head, ev.kind("log"))
		}
		runs[tc.name] = loadParams(t, filepath.Join(root, tc.name))
	}
	for name, w := range first {
		isHead := strings.HasPrefix(name, head)
		for _, run := range []string{"lr0", "frozen"} {
			got := runs[run][name]
			if !isHead && !sameFloats(got, w) {
				t.Errorf("%s: %s differs from the pretrained weights", run, name)
			}
			if isHead && len(got) == len(w) {
				t.Errorf("%s: head %s has the pretrained shape", run, name)
			}
		}
		if isHead && sameFloats(runs["frozen"][name], runs["lr0"][name]) {
			t.Errorf("frozen: head %s did not train", name)
		}
	}
	changed := 0
	for name, w := range first {
		if !strings.HasPrefix(name, head) && !sameFloats(runs["tuned"][name], w) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("tuned without freeze: no non-head weight changed")
	}
}

// TestPretrainedBad: weights of another architecture, a missing file and a
// file over the model budget are errors naming pretrained_weights.
func TestPretrainedBad(t *testing.T) {
	root := t.TempDir()
	pretrainedFolder(t, root, "two", 2)
	s := irisNet(t, `"epochs": 1`)
	s.Output = filepath.Join(root, "iris")
	if _, err := train.Run(context.Background(), s, train.Options{}); err != nil {
		t.Fatal(err)
	}
	opt := train.Options{Root: root, Restrict: true}
	for _, tc := range []struct{ extra, want string }{
		{`, "pretrained_weights": "iris/model.safetensors"`, `pretrained_weights: "iris/model.safetensors" does not fit the network:`},
		{`, "pretrained_weights": "nothing.safetensors"`, `pretrained_weights: no such file`},
		{`, "freeze": true`, `freeze: `},
	} {
		_, err := train.Run(context.Background(), lenetSpec(t, "two", "out", tc.extra), opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.extra, err, tc.want)
		} else {
			t.Log(err)
		}
	}
	// LeNet5 trained on RGB images loaded into one for grey images: the
	// first convolution's shape differs.
	if _, err := train.Run(context.Background(), lenetSpec(t, "two", "rgb", ""), opt); err != nil {
		t.Fatal(err)
	}
	grey := lenetSpec(t, "two", "out", `, "image_ops": [{"convert": "L"}], "pretrained_weights": "rgb/model.safetensors"`)
	want := `pretrained_weights: "rgb/model.safetensors" does not fit the network: pretrained weight "features.0.weight" has shape [6 3 5 5], the network's is [6 1 5 5]`
	if _, err := train.Run(context.Background(), grey, opt); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("grey: got %v, want %q", err, want)
	}

	// A 1 MB file over a 100 kB budget that the network (61 kB) fits is
	// refused before it is read (its bytes are no safetensors).
	if err := os.WriteFile(filepath.Join(root, "big.safetensors"), make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	o := opt
	o.Limits.MaxModelBytes = 100_000
	s = lenetSpec(t, "two", "out", `, "pretrained_weights": "big.safetensors"`)
	if _, err := train.Run(context.Background(), s, o); err == nil || !strings.Contains(err.Error(), "pretrained_weights") || !strings.Contains(err.Error(), "--max-model-bytes") {
		t.Errorf("over the budget: %v", err)
	} else {
		t.Log(err)
	}
}

// TestNestedNLabels resolves "n_labels" inside a Sequential, a Residual's
// body and an Add's branches.
func TestNestedNLabels(t *testing.T) {
	layers := []nn.LayerSpec{{
		"type": json.RawMessage(`"Sequential"`),
		"layers": json.RawMessage(`[{"type": "Linear", "in_features": 4, "out_features": "n_labels"},
			{"type": "Residual", "body": [{"type": "Linear", "in_features": "n_labels", "out_features": "n_labels"}]},
			{"type": "Add", "branches": [[{"type": "Linear", "in_features": "n_labels", "out_features": 2}], [{"type": "Linear", "in_features": "n_labels", "out_features": 2}]]}]`),
	}}
	res, err := train.ResolveLayers(layers, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(res)
	if strings.Contains(string(got), "n_labels") || strings.Count(string(got), `"in_features":3`) != 3 || strings.Count(string(got), `"out_features":3`) != 2 {
		t.Errorf("resolved %s", got)
	}
	if _, _, err := train.PlanNetwork(res, []int{4}, 3); err != nil {
		t.Errorf("plan: %v", err)
	}
	_, err = train.ResolveLayers([]nn.LayerSpec{{"type": json.RawMessage(`"Add"`),
		"branches": json.RawMessage(`[[{"type": "Identity"}], [{"type": "Residual", "body": [{"type": "Linear", "in_features": 2, "out_features": "n_labels"}]}]]`)}}, 0)
	want := `layers[0]: branches[1][0]: body[0]: out_features: "n_labels" is the number of classes`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("regression: got %v, want %q", err, want)
	}
}
