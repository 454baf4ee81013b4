package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchitectureAsModelClass trains a named architecture given as
// model.class with model.params, as the dialect's model.name, and as the
// layer type: the three runs are the same network with the same seed, so
// their metrics and their predictions agree exactly.
func TestArchitectureAsModelClass(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, filepath.Join(dir, "train"), 10)
	const rest = `"data": {"train": "train", "split": {"test_size": 0.25}}, "seed": 3,
		"transforms": [{"type": "Resize", "size": 32}, {"type": "ToTensor"}],
		"optimizer": {"type": "SGD", "lr": 0.01}, "batch_size": 4`
	writeFile(t, filepath.Join(dir, "class.json"), `{"name": "byclass", `+rest+`, "epochs": 1,
		"model": {"class": "LeNet5", "params": {"in_channels": "auto", "num_classes": "n_labels"}}}`)
	writeFile(t, filepath.Join(dir, "layer.json"), `{"name": "bylayer", `+rest+`, "epochs": 1,
		"model": {"layers": [{"type": "LeNet5", "in_channels": "auto", "num_classes": "n_labels"}]}}`)
	writeFile(t, filepath.Join(dir, "dialect.json"), `{"model_name": "bydialect", "n_epoch": 1, "batch_size": 4, "seed": 3,
		"data": {"train": "train", "split": {"test_size": 0.25}},
		"transform": {"Resize": {"size": 32}, "ToTensor": true}, "optimizer": {"name": "SGD", "lr": 0.01},
		"model": {"name": "LeNet5", "in_channels": "auto", "num_classes": "n_labels"}}`)
	metrics := map[string]string{}
	preds := map[string]string{}
	for _, name := range []string{"class", "layer", "dialect"} {
		code, out, errs := mlforge(t, dir, "train", name+".json", "--json")
		if code != 0 {
			t.Fatalf("%s: train exited %d: %s", name, code, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var res struct {
			ModelPath string          `json:"model_path"`
			Metrics   json.RawMessage `json:"metrics"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		metrics[name] = string(res.Metrics)
		code, out, errs = mlforge(t, dir, "predict", res.ModelPath, "train", "--proba")
		if code != 0 {
			t.Fatalf("%s: predict exited %d: %s", name, code, errs)
		}
		preds[name] = out
	}
	for _, name := range []string{"class", "dialect"} {
		if metrics[name] != metrics["layer"] || preds[name] != preds["layer"] {
			t.Errorf("%s: metrics %s and predictions differ from the layer type's %s", name, metrics[name], metrics["layer"])
		}
	}

	// Its parameters' errors name model.params, an unknown one with a hint.
	writeFile(t, filepath.Join(dir, "bad.json"), `{"name": "bad", `+rest+`,
		"model": {"class": "ResNet18", "params": {"num_clases": 2}}}`)
	code, _, errs := mlforge(t, dir, "train", "bad.json")
	if code != 2 || !strings.Contains(errs, "model.params.num_clases") || !strings.Contains(errs, "num_classes") {
		t.Fatalf("bad params: exit %d, %s", code, errs)
	}
	writeFile(t, filepath.Join(dir, "typed.json"), `{"name": "bad", `+rest+`,
		"model": {"class": "ResNet18", "params": {"type": "VGG11"}}}`)
	code, _, errs = mlforge(t, dir, "train", "typed.json")
	if code != 2 || !strings.Contains(errs, "model.params.type") {
		t.Fatalf("type in params: exit %d, %s", code, errs)
	}
}
