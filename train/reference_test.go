package train_test

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/spec"
)

var updateSplits = flag.Bool("update-splits", false, "rewrite testdata/*_split.json, the splits gen_reference.py trains PyTorch on")

// reference is one PyTorch run of testdata/reference.json, written by
// testdata/gen_reference.py with PyTorch 1.13: the same network, data,
// split (testdata/<name>_split.json), optimizer, batch size and epochs as
// the test, trained once per seed.
type reference struct {
	Metric string    `json:"metric"`
	Seeds  []int     `json:"seeds"`
	Scores []float64 `json:"scores"`
	Mean   float64   `json:"mean"`
	Std    float64   `json:"std"`
	Min    float64   `json:"min"`
}

// referenceTolerance is how far below PyTorch's mean score a run may land:
// three standard deviations of PyTorch's scores over its seeds (the
// initial weights and the batch order come from another generator, so one
// run of ours is one more draw from that spread), and at least 0.01.
func referenceTolerance(r reference) float64 { return math.Max(3*r.Std, 0.01) }

// loadReference returns the reference run called name, failing the test
// when the fixture or the run is missing or has fewer than three seeds.
func loadReference(t *testing.T, name string) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Runs map[string]reference `json:"runs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/reference.json: %v", err)
	}
	r, ok := f.Runs[name]
	if !ok || len(r.Scores) < 3 || len(r.Scores) != len(r.Seeds) {
		t.Fatalf("testdata/reference.json: run %q missing or with fewer than 3 seeds (%+v): run gen_reference.py", name, r)
	}
	return r
}

// wantAtLeastReference checks a score against the reference run name.
func wantAtLeastReference(t *testing.T, name string, got float64) {
	t.Helper()
	r := loadReference(t, name)
	tol := referenceTolerance(r)
	t.Logf("%s %s %.4f; PyTorch 1.13 over %d seeds: mean %.4f, std %.4f, min %.4f; floor %.4f", name, r.Metric, got, len(r.Seeds), r.Mean, r.Std, r.Min, r.Mean-tol)
	if got < r.Mean-tol {
		t.Errorf("%s: test %s %.4f, below PyTorch's mean %.4f minus the tolerance %.4f (3 std over %d seeds, at least 0.01)", name, r.Metric, got, r.Mean, tol, len(r.Seeds))
	}
}

// splitFixture is the split mlforge makes of a reference run's data; the
// PyTorch reference trains and scores on exactly these rows.
type splitFixture struct {
	N        int     `json:"n"`
	TestSize float64 `json:"test_size"`
	Seed     int64   `json:"seed"`
	Stratify bool    `json:"stratify"`
	Train    []int   `json:"train"`
	Test     []int   `json:"test"`
}

// checkSplit computes the split the spec gives n rows (stratified by
// labels when the spec's split is, which is the default for a classifier)
// and compares it with testdata/<name>_split.json, or rewrites that with
// -update-splits.
func checkSplit(t *testing.T, name string, s *spec.Spec, labels []float64, classifier bool) {
	t.Helper()
	strat := classifier
	if s.Data.Split.Stratify != nil {
		strat = *s.Data.Split.Stratify
	}
	var by []float64
	if strat {
		by = labels
	}
	tr, te, err := modelselection.TrainTestSplit(len(labels), modelselection.Split{TestSize: s.Data.Split.TestSize, RandomState: s.Data.Split.Seed, Stratify: by})
	if err != nil {
		t.Fatal(err)
	}
	got := splitFixture{N: len(labels), TestSize: s.Data.Split.TestSize, Seed: s.Data.Split.Seed, Stratify: strat, Train: tr, Test: te}
	path := filepath.Join("testdata", name+"_split.json")
	if *updateSplits {
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rewrite it with -update-splits, then rerun gen_reference.py)", err)
	}
	var want splitFixture
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if got.N != want.N || got.TestSize != want.TestSize || got.Seed != want.Seed || got.Stratify != want.Stratify ||
		!slices.Equal(got.Train, want.Train) || !slices.Equal(got.Test, want.Test) {
		t.Errorf("%s: the split is no longer the one PyTorch's reference run used: rewrite it with -update-splits and rerun gen_reference.py", path)
	}
}

func idxLabels(t *testing.T, images, labels string) []float64 {
	t.Helper()
	d, err := idx.Load(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, d.N)
	for i, l := range d.Labels {
		out[i] = float64(l)
	}
	return out
}

// TestReferenceSplits checks that the splits the PyTorch reference runs
// trained on are still the ones mlforge makes, so that their scores still
// apply to the tests that compare with them.
func TestReferenceSplits(t *testing.T) {
	t.Run("mnist1k", func(t *testing.T) {
		s := cnnSpec(t, "testdata/mnist1k-images-idx3-ubyte.gz", "testdata/mnist1k-labels-idx1-ubyte.gz", "out", 5)
		checkSplit(t, "mnist1k", s, idxLabels(t, "testdata/mnist1k-images-idx3-ubyte.gz", "testdata/mnist1k-labels-idx1-ubyte.gz"), true)
	})
	t.Run("diabetes", func(t *testing.T) {
		f, err := datasets.Load("diabetes")
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, "diabetes", diabetesSpec(t), f.Y, false)
	})
	t.Run("mnist10k", func(t *testing.T) {
		s, err := spec.Load("../examples/mnist-cnn.json")
		if err != nil {
			t.Fatal(err)
		}
		images := filepath.Join("..", s.Data.Train.Images)
		labels := filepath.Join("..", s.Data.Train.Labels)
		if _, err := os.Stat(images); err != nil {
			t.Skipf("the MNIST test set is not in ../shared/data/mnist (%v): TestMNISTFull cannot run either", err)
		}
		checkSplit(t, "mnist10k", s, idxLabels(t, images, labels), true)
	})
}
