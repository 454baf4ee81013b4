package train_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestDialectGradClipTrains trains a service dictionary whose grad_clip
// is clip_grad_norm_'s arguments ({"max_norm", "norm_type"}) and a number:
// each run's metrics are those of the native spec with the same
// grad_clip (bit for bit), and differ from the run without clipping, so
// the clip reaches the optimizer.
func TestDialectGradClipTrains(t *testing.T) {
	run := func(js string) map[string]map[string]float64 {
		t.Helper()
		s, err := spec.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		res, err := train.Run(context.Background(), s, train.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]map[string]float64{}
		for k, v := range res.Metrics {
			m[k] = map[string]float64(v)
		}
		return m
	}
	dict := func(clip string) string {
		return `{"model_name": "clip", "n_epoch": 2, "batch_size": 32, "seed": 3, "data": {"train": "builtin:digits"},
		  "criterion": "CrossEntropyLoss", "optimizer": {"name": "SGD", "lr": 0.5, "momentum": 0.9}` + clip + `,
		  "model": {"layers": [{"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`
	}
	native := func(clip string) string {
		return `{"name": "clip", "epochs": 2, "batch_size": 32, "seed": 3, "data": {"train": "builtin:digits"},
		  "criterion": {"type": "CrossEntropyLoss"}, "optimizer": {"type": "SGD", "lr": 0.5, "momentum": 0.9}` + clip + `,
		  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`
	}
	want := run(native(`, "grad_clip": 0.05`))
	if got := run(dict(`, "grad_clip": {"max_norm": 0.05, "norm_type": 2}`)); !reflect.DeepEqual(got, want) {
		t.Errorf("dictionary with grad_clip {max_norm: 0.05}: metrics %v, want the native spec's %v", got, want)
	}
	if got := run(dict(`, "grad_clip": 0.05`)); !reflect.DeepEqual(got, want) {
		t.Errorf("dictionary with grad_clip 0.05: metrics %v, want the native spec's %v", got, want)
	}
	if got := run(dict(``)); reflect.DeepEqual(got, want) {
		t.Errorf("without grad_clip the metrics are the clipped run's (%v): the clip does nothing", got)
	}
}
