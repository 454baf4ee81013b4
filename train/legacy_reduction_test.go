package train_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestLegacyReductionWarns trains with the deprecated size_average: the
// run's log has PyTorch's deprecation warning, and its metrics are those
// of the reduction it stands for ("sum"); reduce false is refused where
// the reduction "none" is, naming reduce.
func TestLegacyReductionWarns(t *testing.T) {
	run := func(crit string) (map[string]map[string]float64, []string, error) {
		s, err := spec.Parse([]byte(`{"name": "legacy", "epochs": 2, "seed": 1, "data": {"train": "builtin:iris"},
		  "criterion": ` + crit + `, "optimizer": {"type": "SGD", "lr": 0.01},
		  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		var logs []string
		rep := ml.ReporterFunc(func(e ml.Event) {
			if e.Kind == "log" {
				logs = append(logs, e.Message)
			}
		})
		res, err := train.Run(context.Background(), s, train.Options{Root: t.TempDir(), Output: t.TempDir(), Reporter: rep})
		if err != nil {
			return nil, logs, err
		}
		m := map[string]map[string]float64{}
		for k, v := range res.Metrics {
			m[k] = v
		}
		return m, logs, nil
	}
	got, logs, err := run(`{"type": "CrossEntropyLoss", "size_average": false, "reduction": "mean"}`)
	if err != nil {
		t.Fatal(err)
	}
	const warn = "warning: criterion CrossEntropyLoss: size_average and reduce args will be deprecated, please use reduction='sum' instead."
	found := false
	for _, l := range logs {
		found = found || l == warn
	}
	if !found {
		t.Errorf("no deprecation warning in the run's log %q", logs)
	}
	want, logs, err := run(`{"type": "CrossEntropyLoss", "reduction": "sum"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		if strings.Contains(l, "deprecated") {
			t.Errorf("a warning without size_average: %q", l)
		}
	}
	if !reflect.DeepEqual(got, want) || len(got) == 0 {
		t.Errorf("size_average false: metrics %v, want reduction sum's %v", got, want)
	}
	if _, _, err := run(`{"type": "CrossEntropyLoss", "reduce": false}`); err == nil || !strings.Contains(err.Error(), "criterion.reduce: CrossEntropyLoss with reduce false") {
		t.Errorf("reduce false: %v", err)
	}
}
