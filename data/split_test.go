package data

import (
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

type splitFixture struct {
	Stratified []struct {
		Dataset  string  `json:"dataset"`
		TestSize float64 `json:"test_size"`
		NTrain   int     `json:"n_train"`
		NTest    int     `json:"n_test"`
		Classes  [][3]int
	} `json:"stratified"`
	Plain []struct {
		N        int     `json:"n"`
		TestSize float64 `json:"test_size"`
		NTrain   int     `json:"n_train"`
		NTest    int     `json:"n_test"`
		Error    string  `json:"error"`
	} `json:"plain"`
}

// checkPartition fails unless train and test are disjoint and cover 0..n-1.
func checkPartition(t *testing.T, n int, train, test []int) {
	t.Helper()
	seen := make([]bool, n)
	for _, i := range append(append([]int(nil), train...), test...) {
		if i < 0 || i >= n || seen[i] {
			t.Fatalf("index %d out of range or repeated", i)
		}
		seen[i] = true
	}
	if len(train)+len(test) != n {
		t.Fatalf("train %d + test %d != %d", len(train), len(test), n)
	}
}

// TestTrainTestSplitSizes checks n_train and n_test against
// sklearn.model_selection.train_test_split (exact: integer arithmetic).
func TestTrainTestSplitSizes(t *testing.T) {
	var fx splitFixture
	testutil.ReadJSON(t, "testdata/split.json", &fx)
	for _, c := range fx.Plain {
		train, test, err := TrainTestSplit(c.N, c.TestSize, 0, nil)
		if c.Error != "" {
			if err == nil {
				t.Errorf("n=%d test_size=%v: err %v, want one like %q", c.N, c.TestSize, err, c.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("n=%d test_size=%v: %v", c.N, c.TestSize, err)
			continue
		}
		if len(train) != c.NTrain || len(test) != c.NTest {
			t.Errorf("n=%d test_size=%v: %d/%d, sklearn %d/%d", c.N, c.TestSize, len(train), len(test), c.NTrain, c.NTest)
		}
		checkPartition(t, c.N, train, test)
	}
}

// TestStratifiedCounts checks the rows of each class in each part against
// scikit-learn's (exact). NumPy's generator differs from Go's, so the fixture
// holds the sorted (class size, train, test) triples, which gen.py checked do
// not depend on the seed.
func TestStratifiedCounts(t *testing.T) {
	var fx splitFixture
	testutil.ReadJSON(t, "testdata/split.json", &fx)
	if len(fx.Stratified) < 20 {
		t.Fatalf("only %d stratified cases", len(fx.Stratified))
	}
	ys := map[string][]float64{}
	for _, c := range fx.Stratified {
		y, ok := ys[c.Dataset]
		if !ok {
			f, err := ReadCSVFile(filepath.Join(testutil.Root(), "data/datasets", c.Dataset+".csv"), CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			y = f.Y
			ys[c.Dataset] = y
		}
		for seed := int64(0); seed < 5; seed++ {
			train, test, err := TrainTestSplit(len(y), c.TestSize, seed, y)
			if err != nil {
				t.Fatalf("%s %v: %v", c.Dataset, c.TestSize, err)
			}
			checkPartition(t, len(y), train, test)
			if len(train) != c.NTrain || len(test) != c.NTest {
				t.Fatalf("%s %v: %d/%d, sklearn %d/%d", c.Dataset, c.TestSize, len(train), len(test), c.NTrain, c.NTest)
			}
			per := map[float64]*[3]int{}
			for _, v := range y {
				if per[v] == nil {
					per[v] = &[3]int{}
				}
				per[v][0]++
			}
			for _, i := range train {
				per[y[i]][1]++
			}
			for _, i := range test {
				per[y[i]][2]++
			}
			var got [][3]int
			for _, p := range per {
				got = append(got, *p)
			}
			sort.Slice(got, func(a, b int) bool {
				for k := 0; k < 3; k++ {
					if got[a][k] != got[b][k] {
						return got[a][k] < got[b][k]
					}
				}
				return false
			})
			if !reflect.DeepEqual(got, c.Classes) {
				t.Errorf("%s test_size=%v seed %d: per-class (size, train, test) %v, sklearn %v", c.Dataset, c.TestSize, seed, got, c.Classes)
			}
		}
	}
}

func TestSplitSeeded(t *testing.T) {
	y := []float64{0, 0, 0, 1, 1, 1, 2, 2, 2, 2}
	a1, b1, _ := TrainTestSplit(10, 0.3, 42, y)
	a2, b2, _ := TrainTestSplit(10, 0.3, 42, y)
	a3, _, _ := TrainTestSplit(10, 0.3, 43, y)
	if !reflect.DeepEqual(a1, a2) || !reflect.DeepEqual(b1, b2) {
		t.Error("the same seed gave different splits")
	}
	if reflect.DeepEqual(a1, a3) {
		t.Error("seeds 42 and 43 gave the same split")
	}
}

func TestSplitErrors(t *testing.T) {
	for _, c := range []struct {
		n        int
		testSize float64
		strat    []float64
		want     string
	}{
		{0, 0.25, nil, "no rows to split"},
		{10, 0, nil, "test_size=0 must be a fraction in (0, 1) or a whole number of rows in [1, 10)"},
		{10, 1.5, nil, "test_size=1.5 must be a fraction in (0, 1) or a whole number of rows in [1, 10)"},
		{10, 10, nil, "test_size=10 must be a fraction in (0, 1) or a whole number of rows in [1, 10)"},
		{1, 0.5, nil, "with 1 rows, test_size=0.5 leaves the training set empty; use a smaller test_size"},
		{4, 0.5, []float64{0, 0, 0, 1}, "the least populated class (1) has only 1 member, which is too few: a stratified split needs at least 2 rows in every class"},
		{6, 0.2, []float64{0, 0, 1, 1, 2, 2}, "test_size=0.2 gives 2 test rows for 3 classes; a stratified split needs at least one row of each class in each part"},
		{6, 0.8, []float64{0, 0, 1, 1, 2, 2}, "test_size=0.8 leaves 1 training rows for 3 classes; a stratified split needs at least one row of each class in each part"},
	} {
		_, _, err := TrainTestSplit(c.n, c.testSize, 0, c.strat)
		if err == nil || err.Error() != c.want {
			t.Errorf("TrainTestSplit(%d, %v): %v, want %s", c.n, c.testSize, err, c.want)
		}
	}
}

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
