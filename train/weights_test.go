package train_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

// weightedIris writes iris with a weight column w (1, 2, 3, ... in turn)
// before the target and returns its path and the rows as numbers.
func weightedIris(t *testing.T, bad string) (string, *mat.Dense, []float64, []float64) {
	t.Helper()
	f, err := os.Open("../data/datasets/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, r := range rows[1:] {
		if !slices.Contains(names, r[4]) {
			names = append(names, r[4])
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(strings.Join(append(rows[0][:4:4], "w", rows[0][4]), ",") + "\n")
	n := len(rows) - 1
	X := mat.NewDense(n, 4, nil)
	y, w := make([]float64, n), make([]float64, n)
	for i, r := range rows[1:] {
		w[i] = float64(i%3 + 1)
		ws := strconv.Itoa(i%3 + 1)
		if i == 7 && bad != "" {
			ws = bad
		}
		b.WriteString(strings.Join(append(r[:4:4], ws, r[4]), ",") + "\n")
		for j := range 4 {
			X.Set(i, j, must(strconv.ParseFloat(r[j], 64)))
		}
		y[i] = float64(slices.Index(names, r[4]))
	}
	path := filepath.Join(t.TempDir(), "iris_w.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, X, y, w
}

func must(v float64, err error) float64 {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSampleWeightColumn trains a tree with data.sample_weight and checks
// that the fitted tree is FitWeighted's on the same rows and weights, that
// the weights change it, and that the column is not a feature.
func TestSampleWeightColumn(t *testing.T) {
	path, X, y, w := weightedIris(t, "")
	out := filepath.Join(t.TempDir(), "m")
	res, err := runSpec(t, fmt.Sprintf(`{"name": "w", "data": {"train": %q, "test": %q, "sample_weight": "w"},
		"model": {"class": "DecisionTreeClassifier", "params": {"max_depth": 3, "random_state": 0}}, "output": %q}`, path, path, out), train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.Features, "w") || len(res.Features) != 4 {
		t.Errorf("features %v: the weight column must not be one", res.Features)
	}
	m, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifest.Features) != 4 {
		t.Errorf("the model file's features %v", m.Manifest.Features)
	}
	got, err := m.Pipeline.Final.(ml.Stateful).MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	for _, weights := range [][]float64{w, nil} {
		e, _ := ml.New("DecisionTreeClassifier", []byte(`{"max_depth": 3, "random_state": 0}`))
		if err := e.(ml.WeightedFitter).FitWeighted(context.Background(), X, y, weights); err != nil {
			t.Fatal(err)
		}
		want, _ := e.(ml.Stateful).MarshalState()
		same := reflect.DeepEqual(got.Arrays, want.Arrays)
		if weights != nil && !same {
			t.Errorf("the run's tree is not FitWeighted's with the column's weights")
		}
		if weights == nil && same {
			t.Errorf("the run's tree is the unweighted one: the weights were not used")
		}
	}
}

func TestSampleWeightRefused(t *testing.T) {
	path, _, _, _ := weightedIris(t, "")
	negPath, _, _, _ := weightedIris(t, "-1")
	for _, c := range []struct{ data, model, extra, want string }{
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, path), `{"class": "KNeighborsClassifier"}`, ``,
			"data.sample_weight: KNeighborsClassifier does not take sample weights in mlforge; the classes that do: AdaBoostClassifier"},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, path), `{"class": "DecisionTreeClassifier"}`, `, "cv": 3`,
			"data.sample_weight: weights apply to the run's one fit; cv fits unweighted folds"},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "wt"}`, path), `{"class": "DecisionTreeClassifier"}`, ``,
			`data.sample_weight: no column "wt" in`},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "target"}`, path), `{"class": "DecisionTreeClassifier"}`, ``,
			`data.sample_weight: "target" is the target`},
		{fmt.Sprintf(`{"train": %q, "sample_weight": "w"}`, negPath), `{"class": "DecisionTreeClassifier"}`, ``,
			"training row"},
	} {
		_, err := runSpec(t, fmt.Sprintf(`{"name": "w", "data": %s, "model": %s%s, "output": %q}`, c.data, c.model, c.extra, filepath.Join(t.TempDir(), "m")), train.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s%s: %v, want %q", c.data, c.model, c.extra, err, c.want)
		}
	}
}
