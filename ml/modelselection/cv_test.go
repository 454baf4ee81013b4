package modelselection_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/param"
)

// cvFixture is testdata/cv.json, written by scikit-learn 1.2.1
// (testdata/gen_cv.py).
type cvFixture struct {
	Cases []struct {
		Class  string          `json:"class"`
		Params json.RawMessage `json:"params"`
		N      int             `json:"n"`
		Y      []float64       `json:"y"`
		Groups []float64       `json:"groups"`
		Folds  [][2][]int      `json:"folds"`
	} `json:"cases"`
	Defaults map[string]map[string]any `json:"defaults"`
}

func loadCV(t *testing.T) cvFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/cv.json")
	if err != nil {
		t.Fatal(err)
	}
	var f cvFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSplittersMatchScikitLearn(t *testing.T) {
	f := loadCV(t)
	seen := map[string]bool{}
	for _, c := range f.Cases {
		seen[c.Class] = true
		s, err := modelselection.NewSplitter(c.Class, c.Params)
		if err != nil {
			t.Fatalf("%s %s: %v", c.Class, c.Params, err)
		}
		folds, err := s.Split(c.N, c.Y, c.Groups)
		if err != nil {
			t.Fatalf("%s %s on %d rows: %v", c.Class, c.Params, c.N, err)
		}
		if k, err := s.NSplits(c.N); err != nil || k != len(c.Folds) {
			t.Errorf("%s %s: NSplits = %d, %v; scikit-learn made %d folds", c.Class, c.Params, k, err, len(c.Folds))
		}
		if len(folds) != len(c.Folds) {
			t.Errorf("%s %s on %d rows: %d folds, scikit-learn %d", c.Class, c.Params, c.N, len(folds), len(c.Folds))
			continue
		}
		for i, want := range c.Folds {
			if !slices.Equal(folds[i].Train, want[0]) || !slices.Equal(folds[i].Test, want[1]) {
				t.Errorf("%s %s on %d rows, fold %d:\n got train %v test %v\nwant train %v test %v",
					c.Class, c.Params, c.N, i, folds[i].Train, folds[i].Test, want[0], want[1])
			}
		}
	}
	for _, name := range modelselection.SplitterNames() {
		if !seen[name] {
			t.Errorf("no scikit-learn case for %s", name)
		}
	}
}

func TestSplitterDefaultsAreScikitLearns(t *testing.T) {
	f := loadCV(t)
	for _, e := range modelselection.Splitters() {
		want, ok := f.Defaults[e.Name]
		if !ok {
			continue // LeaveOneOut has none; LeavePOut's p is required
		}
		got := map[string]any{}
		for _, p := range e.Params {
			b, _ := json.Marshal(p.Default)
			var v any
			json.Unmarshal(b, &v)
			got[p.Name] = v
		}
		// mlforge writes "none" as null (random_state, sizes) or as 0 where
		// 0 is not a valid value (max_train_size, test_size of a time series).
		for k, v := range want {
			if v == nil && (got[k] == nil || got[k] == float64(0)) {
				got[k] = nil
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s defaults %v, scikit-learn %v", e.Name, got, want)
		}
	}
}

func TestSplitterErrors(t *testing.T) {
	y := []float64{0, 0, 1, 1, 1, 2}
	cases := []struct {
		class, params string
		n             int
		y, groups     []float64
		want          string
	}{
		{"KFold", `{"n_splits": 7}`, 6, nil, nil, "n_splits=7 greater than the number of rows: 6"},
		{"StratifiedKFold", `{"n_splits": 4}`, 6, y, nil, "n_splits=4 cannot be greater than the number of rows in each class"},
		{"StratifiedKFold", `{}`, 6, nil, nil, "0 labels for 6 rows"},
		{"GroupKFold", `{"n_splits": 3}`, 6, nil, []float64{1, 1, 2, 2, 2, 2}, "greater than the number of groups: 2"},
		{"GroupKFold", `{}`, 6, nil, nil, "needs a group label per row"},
		{"LeaveOneOut", `{}`, 1, nil, nil, "n_samples=1"},
		{"LeavePOut", `{"p": 3}`, 3, nil, nil, "p=3 must be strictly less"},
		{"LeavePOut", `{"p": 10}`, 100, nil, nil, "at most 100000"},
		{"ShuffleSplit", `{"test_size": 10}`, 10, nil, nil, "test_size=10 should be either positive and smaller"},
		{"ShuffleSplit", `{"test_size": 6, "train_size": 6}`, 10, nil, nil, "the sum of train_size and test_size = 12"},
		{"StratifiedShuffleSplit", `{"test_size": 2}`, 6, []float64{0, 0, 1, 1, 2, 2}, nil, "test_size = 2 should be greater or equal to the number of classes = 3"},
		{"StratifiedShuffleSplit", `{}`, 6, []float64{0, 0, 1, 1, 1, 2}, nil, "has only 1 member"},
		{"TimeSeriesSplit", `{"n_splits": 6}`, 6, nil, nil, "number of folds=7 greater than the number of rows=6"},
		{"TimeSeriesSplit", `{"n_splits": 2, "test_size": 3}`, 6, nil, nil, "too many splits=2 for 6 rows"},
	}
	for _, c := range cases {
		s, err := modelselection.NewSplitter(c.class, json.RawMessage(c.params))
		if err != nil {
			t.Fatalf("%s %s: %v", c.class, c.params, err)
		}
		_, err = s.Split(c.n, c.y, c.groups)
		if err == nil || !strings.Contains(err.Error(), c.want) || !event.IsBadInput(err) {
			t.Errorf("%s %s on %d rows: error %v, want a bad-input error with %q", c.class, c.params, c.n, err, c.want)
		}
	}
}

func TestNewSplitterErrors(t *testing.T) {
	cases := []struct{ class, params, want string }{
		{"KFlod", `{}`, `did you mean "KFold"`},
		{"KFold", `{"n_split": 3}`, `did you mean "n_splits"`},
		{"KFold", `{"n_splits": 1}`, "n_splits"},
		{"KFold", `{"random_state": 0}`, "shuffle is false"},
		{"LeavePOut", `{}`, "p"},
		{"ShuffleSplit", `{"test_size": 2.5}`, "whole number of rows"},
		{"ShuffleSplit", `{"test_size": 0.6, "train_size": 0.6}`, "the sum of test_size and train_size"},
	}
	for _, c := range cases {
		_, err := modelselection.NewSplitter(c.class, json.RawMessage(c.params))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %v, want %q", c.class, c.params, err, c.want)
		}
		if _, ok := err.(*param.Error); !ok && c.class != "KFlod" {
			t.Errorf("%s %s: %T, want *param.Error", c.class, c.params, err)
		}
	}
}
