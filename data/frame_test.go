package data

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

func TestFrameSplit(t *testing.T) {
	f, err := ReadCSVFile(filepath.Join(testutil.Root(), "data/datasets/iris.csv"), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, te, err := f.Split(0.2, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 120 || te.Len() != 30 || !reflect.DeepEqual(tr.Classes, f.Classes) {
		t.Errorf("split sizes %d/%d", tr.Len(), te.Len())
	}
	g := &Frame{Features: []string{"a"}, X: testutil.Dense([][]float64{{1}, {2}}), Source: "x.csv"}
	if _, _, err := g.Split(0.5, 0, true); err == nil || err.Error() != "x.csv: cannot stratify the split: the data has no target column" {
		t.Errorf("stratify without target: %v", err)
	}
	if _, _, err := g.Split(0.9, 0, false); err == nil || err.Error() != "x.csv: with 2 rows, test_size=0.9 leaves the training set empty; use a smaller test_size" {
		t.Errorf("empty train: %v", err)
	}
}
