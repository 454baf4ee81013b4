package datasets

import (
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/testutil"
)

// TestDescribe checks sizes against scikit-learn's load_* functions
// (iris 150x4, wine 178x13, breast_cancer 569x30, digits 1797x64,
// diabetes 442x10).
func TestDescribe(t *testing.T) {
	want := map[string][3]int{"iris": {150, 4, 3}, "wine": {178, 13, 3}, "breast_cancer": {569, 30, 2}, "digits": {1797, 64, 10}, "diabetes": {442, 10, 0}}
	if got := Names(); !reflect.DeepEqual(got, []string{"breast_cancer", "diabetes", "digits", "iris", "wine"}) {
		t.Errorf("Names() = %v", got)
	}
	for name, w := range want {
		in, err := Describe(name)
		if err != nil {
			t.Fatal(err)
		}
		if in.Rows != w[0] || in.Features != w[1] || len(in.Classes) != w[2] {
			t.Errorf("%s: %d rows, %d features, %d classes; want %v", name, in.Rows, in.Features, len(in.Classes), w)
		}
		task := "classification"
		if name == "diabetes" {
			task = "regression"
		}
		if in.Task != task || in.Doc == "" || !Has(name) {
			t.Errorf("%s: task %q", name, in.Task)
		}
	}
	in, _ := Describe("iris")
	if !reflect.DeepEqual(in.Classes, []string{"setosa", "versicolor", "virginica"}) || in.Target != "target" || in.Columns[3] != "petal_width" {
		t.Errorf("iris classes %v", in.Classes)
	}
	in, _ = Describe("digits")
	if in.Classes[0] != "0" || in.Classes[9] != "9" {
		t.Errorf("digits classes %v", in.Classes)
	}
}

// TestLoadMatchesFile checks each embedded data set against the shared CSV
// read by testutil.LoadCSV (exact: same text, same parser semantics).
func TestLoadMatchesFile(t *testing.T) {
	for _, name := range Names() {
		f, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		X, y := testutil.LoadCSV(t, "data/datasets/"+name+".csv")
		if !reflect.DeepEqual(testutil.Flatten(f.X), testutil.Flatten(X)) || !reflect.DeepEqual(f.Y, y) {
			t.Errorf("%s differs from the CSV file", name)
		}
		if f.Source != name || f.Target != "target" || f.Missing() != nil {
			t.Errorf("%s: source %q target %q missing %v", name, f.Source, f.Target, f.Missing())
		}
	}
}

func TestLoadReturnsCopies(t *testing.T) {
	a, _ := Load("iris")
	a.X.Set(0, 0, -1)
	a.Y[0] = 2
	a.Classes[0] = "x"
	a.Features[0] = "x"
	b, _ := Load("iris")
	if b.X.At(0, 0) != 5.1 || b.Y[0] != 0 || b.Classes[0] != "setosa" || b.Features[0] != "sepal_length" {
		t.Error("Load returned the cached frame itself")
	}
}

func TestLoadConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Load("wine"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestUnknown(t *testing.T) {
	_, err := Load("irs")
	var de *data.Error
	if !errors.As(err, &de) || err.Error() != `unknown data set "irs" (did you mean "iris"?); the built-in data sets are [breast_cancer diabetes digits iris wine]` {
		t.Errorf("Load(irs): %v", err)
	}
	if _, err := Describe("mnist"); err == nil {
		t.Error("Describe(mnist) succeeded")
	}
}
