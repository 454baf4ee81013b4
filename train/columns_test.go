package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// columnsFixture is testdata/columns.json, written by scikit-learn 1.2.1
// (testdata/gen_columns.py).
type columnsFixture struct {
	Cases []struct {
		Type        string      `json:"type"`
		Columns     []string    `json:"columns"`
		Transformed [][]float64 `json:"transformed"`
		KNNPred     []float64   `json:"knn_pred"`
	} `json:"cases"`
}

// TestColumnsMatchColumnTransformer trains a step with columns on the
// whole of iris (data.test is the training data), loads the saved model
// and compares its preprocessing with scikit-learn's ColumnTransformer
// (remainder="passthrough") within 1e-12, and a KNeighborsClassifier
// after it predicts scikit-learn's classes exactly.
func TestColumnsMatchColumnTransformer(t *testing.T) {
	b, err := os.ReadFile("testdata/columns.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx columnsFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	iris, err := datasets.Load("iris")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fx.Cases {
		t.Run(c.Type, func(t *testing.T) {
			cols, _ := json.Marshal(c.Columns)
			src := fmt.Sprintf(`{"name": "cols", "data": {"train": "builtin:iris", "test": "builtin:iris"},
				"preprocess": [{"type": %q, "columns": %s}], "model": {"class": "KNeighborsClassifier"}, "output": %q}`,
				c.Type, cols, filepath.Join(t.TempDir(), "m"))
			s, err := spec.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := train.Run(context.Background(), s, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			Z, err := m.Pipeline.TransformSteps(iris.X)
			if err != nil {
				t.Fatal(err)
			}
			if r, k := Z.Dims(); r != len(c.Transformed) || k != len(c.Transformed[0]) {
				t.Fatalf("transformed %dx%d, scikit-learn %dx%d", r, k, len(c.Transformed), len(c.Transformed[0]))
			}
			for i, row := range c.Transformed {
				for j, want := range row {
					if got := Z.At(i, j); math.Abs(got-want) > 1e-12 {
						t.Fatalf("row %d column %d: %.17g, scikit-learn %.17g", i, j, got, want)
					}
				}
			}
			pred, err := m.Pipeline.Predict(iris.X)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range c.KNNPred {
				if pred[i] != want {
					t.Errorf("row %d: predicted %v, scikit-learn %v", i, pred[i], want)
				}
			}
		})
	}
}

// TestColumnsErrors: a column name that is not a feature of the data is
// reported at preprocess[i].columns with the closest name, as is a
// selection after a step that renames the columns, and the target column.
func TestColumnsErrors(t *testing.T) {
	for _, c := range []struct{ pre, path, want string }{
		{`[{"type": "StandardScaler", "columns": ["petal width"]}]`, "preprocess[0].columns",
			`no feature column "petal width" in the data (did you mean "petal_width"?)`},
		{`[{"type": "StandardScaler", "columns": ["sepal_length"]}, {"type": "MinMaxScaler", "columns": ["sepal_lenght"]}]`, "preprocess[1].columns",
			`no feature column "sepal_lenght" in the columns after preprocess[0] (did you mean "sepal_length"?)`},
		{`[{"type": "PCA"}, {"type": "StandardScaler", "columns": ["petal_width"]}]`, "preprocess[1].columns",
			"not known after preprocess[0] (PCA)"},
		{`[{"type": "StandardScaler", "columns": ["target"]}]`, "preprocess[0].columns", `no feature column "target"`},
	} {
		s, err := spec.Parse([]byte(`{"name": "e", "data": {"train": "builtin:iris"}, "preprocess": ` + c.pre + `, "model": {"class": "LogisticRegression"}}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = train.Check(s, train.Options{})
		var list spec.Errors
		if !errors.As(err, &list) || !list.Has(c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s: ...%s", c.pre, err, c.path, c.want)
		}
	}
}

// TestColumnExamples: the example specs with columns pass Check and train.
func TestColumnExamples(t *testing.T) {
	wd, _ := os.Getwd()
	for _, name := range []string{"iris-columns", "cities-onehot"} {
		s, err := spec.Load(filepath.Join("../examples", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		s.Output = filepath.Join(t.TempDir(), "m")
		os.Chdir("..") // paths in examples are relative to the repository root
		_, err = train.Run(context.Background(), s, train.Options{})
		os.Chdir(wd)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
