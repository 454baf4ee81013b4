package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/model"
)

// TestColumnsTrainPredict: `mlforge train` of a spec whose step selects
// columns saves the selection, and `predict` on a CSV with the columns in
// another order (matched by name) gives the classes that scikit-learn's
// ColumnTransformer + KNeighborsClassifier predict
// (../train/testdata/gen_columns.py).
func TestColumnsTrainPredict(t *testing.T) {
	b, err := os.ReadFile("../train/testdata/columns.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Type    string    `json:"type"`
			Columns []string  `json:"columns"`
			KNNPred []float64 `json:"knn_pred"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	iris, err := datasets.Load("iris")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var csv strings.Builder
	n, p := iris.X.Dims()
	for j := p - 1; j >= 0; j-- {
		csv.WriteString(iris.Features[j])
		if j > 0 {
			csv.WriteByte(',')
		}
	}
	csv.WriteByte('\n')
	for i := 0; i < n; i++ {
		for j := p - 1; j >= 0; j-- {
			fmt.Fprint(&csv, iris.X.At(i, j))
			if j > 0 {
				csv.WriteByte(',')
			}
		}
		csv.WriteByte('\n')
	}
	writeFile(t, filepath.Join(dir, "new.csv"), csv.String())
	c := fx.Cases[0]
	cols, _ := json.Marshal(c.Columns)
	writeFile(t, filepath.Join(dir, "s.json"), fmt.Sprintf(`{"name": "cols", "data": {"train": "builtin:iris", "test": "builtin:iris"},
		"preprocess": [{"type": %q, "columns": %s}], "model": {"class": "KNeighborsClassifier"}}`, c.Type, cols))
	if code, out, errs := mlforge(t, dir, "train", "s.json"); code != 0 {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errs)
	}
	code, out, errs := mlforge(t, dir, "predict", "models/cols", "new.csv")
	if code != 0 {
		t.Fatalf("predict exited %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != n+1 || lines[0] != "prediction" {
		t.Fatalf("predictions:\n%s", out)
	}
	for i, want := range c.KNNPred {
		if got := lines[i+1]; got != iris.Classes[int(want)] {
			t.Errorf("row %d: predicted %s, scikit-learn %s", i, got, iris.Classes[int(want)])
		}
	}
}

// TestTextColumnsPredict: `predict` reads a CSV's text columns through the
// model's dictionaries, new strings as unknown categories, and gives the
// predictions of the saved pipeline on the same coded rows.
func TestTextColumnsPredict(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"cities.csv", "cities_new.csv"} {
		b, err := os.ReadFile(filepath.Join("../train/testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), string(b))
	}
	writeFile(t, filepath.Join(dir, "s.json"), `{"name": "cities", "data": {"train": "cities.csv"},
		"preprocess": [{"type": "OneHotEncoder", "columns": ["city", "color"], "handle_unknown": "ignore"}],
		"model": {"class": "LogisticRegression"}}`)
	if code, out, errs := mlforge(t, dir, "train", "s.json"); code != 0 {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errs)
	}
	code, out, errs := mlforge(t, dir, "predict", "models/cities", "cities_new.csv")
	if code != 0 {
		t.Fatalf("predict exited %d: %s", code, errs)
	}
	m, err := model.Load(filepath.Join(dir, "models/cities"))
	if err != nil {
		t.Fatal(err)
	}
	X := mat.NewDense(4, 3, []float64{
		1.5, 3, 1, // Paris, green
		2.0, 7, 2, // Rome (not in the dictionary), red
		3.25, 7, 3, // Oslo, purple (neither)
		4.0, 6, 0, // Ávila, blue
	})
	p, err := m.Predict(X, false)
	if err != nil {
		t.Fatal(err)
	}
	want := "prediction\n"
	for _, v := range p.Values {
		want += m.Label(v) + "\n"
	}
	if out != want {
		t.Fatalf("predict printed\n%s\nwant\n%s", out, want)
	}
	writeFile(t, filepath.Join(dir, "s3.json"), `{"name": "strict", "data": {"train": "cities.csv"},
		"preprocess": [{"type": "OneHotEncoder", "columns": ["city", "color"]}], "model": {"class": "LogisticRegression"}}`)
	if code, out, errs := mlforge(t, dir, "train", "s3.json"); code != 0 {
		t.Fatalf("train exited %d:\n%s\n%s", code, out, errs)
	}
	code, _, errs = mlforge(t, dir, "predict", "models/strict", "cities_new.csv")
	if want := `cities_new.csv line 3: column "city": "Rome" is not one of the strings the model was trained on ("Berlin", "London",`; code != 2 || !strings.Contains(errs, want) {
		t.Fatalf("predict of an unknown string exited %d: %s\nwant ...%s", code, errs, want)
	}
	writeFile(t, filepath.Join(dir, "s2.json"), `{"name": "bare", "data": {"train": "cities.csv"}, "model": {"class": "LogisticRegression"}}`)
	code, _, errs = mlforge(t, dir, "train", "s2.json")
	if code != 2 || !strings.Contains(errs, `add {"type": "OneHotEncoder", "columns": ["city", "color"]}`) {
		t.Fatalf("train without an encoder exited %d: %s", code, errs)
	}
}
