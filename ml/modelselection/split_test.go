package modelselection_test

import (
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml/modelselection"
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
		train, test, err := modelselection.TrainTestSplit(c.N, modelselection.Split{TestSize: c.TestSize, RandomState: 0, Stratify: nil})
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
			f, err := data.ReadCSVFile(filepath.Join(testutil.Root(), "data/datasets", c.Dataset+".csv"), data.CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			y = f.Y
			ys[c.Dataset] = y
		}
		for seed := int64(0); seed < 5; seed++ {
			train, test, err := modelselection.TrainTestSplit(len(y), modelselection.Split{TestSize: c.TestSize, RandomState: seed, Stratify: y})
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
	a1, b1, _ := modelselection.TrainTestSplit(10, modelselection.Split{TestSize: 0.3, RandomState: 42, Stratify: y})
	a2, b2, _ := modelselection.TrainTestSplit(10, modelselection.Split{TestSize: 0.3, RandomState: 42, Stratify: y})
	a3, _, _ := modelselection.TrainTestSplit(10, modelselection.Split{TestSize: 0.3, RandomState: 43, Stratify: y})
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
		{10, -0.5, nil, "test_size=-0.5 must be a fraction in (0, 1) or a whole number of rows in [1, 10)"},
		{10, 1.5, nil, "test_size=1.5 must be a fraction in (0, 1) or a whole number of rows in [1, 10)"},
		{10, 10, nil, "test_size=10 must be a fraction in (0, 1) or a whole number of rows in [1, 10)"},
		{1, 0.5, nil, "with 1 rows, test_size=0.5 leaves the training set empty; use a smaller test_size"},
		{4, 0.5, []float64{0, 0, 0, 1}, "the least populated class (1) has only 1 member, which is too few: a stratified split needs at least 2 rows in every class"},
		{6, 0.2, []float64{0, 0, 1, 1, 2, 2}, "test_size=0.2 gives 2 test rows for 3 classes; a stratified split needs at least one row of each class in each part"},
		{6, 0.8, []float64{0, 0, 1, 1, 2, 2}, "test_size=0.8 leaves 1 training rows for 3 classes; a stratified split needs at least one row of each class in each part"},
	} {
		_, _, err := modelselection.TrainTestSplit(c.n, modelselection.Split{TestSize: c.testSize, RandomState: 0, Stratify: c.strat})
		if err == nil || err.Error() != c.want {
			t.Errorf("modelselection.TrainTestSplit(%d, %v): %v, want %s", c.n, c.testSize, err, c.want)
		}
	}
}

// TestDefaultsAndNoShuffle: test_size 0 is scikit-learn's default 0.25;
// shuffle=False keeps the order and refuses stratify, as scikit-learn does.
func TestDefaultsAndNoShuffle(t *testing.T) {
	train, test, err := modelselection.TrainTestSplit(10, modelselection.Split{})
	if err != nil || len(train) != 7 || len(test) != 3 {
		t.Fatalf("default test_size: %d/%d, %v; want 7/3 (ceil(0.25*10) = 3)", len(train), len(test), err)
	}
	train, test, err = modelselection.TrainTestSplit(5, modelselection.Split{TestSize: 0.4, NoShuffle: true})
	if err != nil || !reflect.DeepEqual(train, []int{0, 1, 2}) || !reflect.DeepEqual(test, []int{3, 4}) {
		t.Fatalf("shuffle=False: %v %v %v; want [0 1 2] [3 4]", train, test, err)
	}
	if _, _, err := modelselection.TrainTestSplit(4, modelselection.Split{NoShuffle: true, Stratify: []float64{0, 0, 1, 1}}); err == nil {
		t.Fatal("shuffle=False with stratify: no error")
	}
}
