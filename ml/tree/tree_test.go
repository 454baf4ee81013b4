package tree

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// TestSklearnSeed checks the seed derivation against
// numpy.random.RandomState(s).randint(0, 0x7FFFFFFF), printed by numpy 1.24.2.
func TestSklearnSeed(t *testing.T) {
	for s, want := range map[uint32]uint32{0: 209652396, 42: 1608637542} {
		if got := sklearnSeed(s); got != want {
			t.Errorf("sklearnSeed(%d) = %d, want %d", s, got, want)
		}
	}
}

// TestRadixMatchesIntrosort checks that both sorts order distinct values
// identically (the order is then unique), including negatives and zero.
func TestRadixMatchesIntrosort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 127, 128, 1000, 5000} {
		seen := map[float32]bool{}
		a := make([]pair, 0, n)
		for len(a) < n {
			v := float32(r.NormFloat64() * 10)
			if len(a) == 0 {
				v = 0
			}
			if !seen[v] {
				seen[v] = true
				a = append(a, pair{v: v, i: int32(len(a))})
			}
		}
		b := slices.Clone(a)
		sortPairs(a)
		radixSort(b, make([]pair, n))
		if !slices.Equal(a, b) {
			t.Fatalf("n=%d: radix and introsort differ", n)
		}
		if !slices.IsSortedFunc(a, func(x, y pair) int { return cmpF(x.v, y.v) }) {
			t.Fatalf("n=%d: not sorted", n)
		}
		if hasTies(a) {
			t.Fatalf("n=%d: hasTies on distinct values", n)
		}
	}
	// Ties, and the heapsort fallback (maxd 0).
	a := []pair{{3, 0}, {1, 1}, {3, 2}, {2, 3}, {1, 4}, {-0.5, 5}}
	introsort(a, 0)
	if !slices.IsSortedFunc(a, func(x, y pair) int { return cmpF(x.v, y.v) }) || !hasTies(a) {
		t.Fatalf("heapsort: %v", a)
	}
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestParamsJSON(t *testing.T) {
	ok := []struct {
		params string
		check  func(m *DecisionTreeClassifier) bool
	}{
		{`{"min_samples_split": 0.5}`, func(m *DecisionTreeClassifier) bool { return m.MinSamplesSplit == Count{Frac: 0.5} }},
		{`{"min_samples_split": 1.0}`, func(m *DecisionTreeClassifier) bool { return m.MinSamplesSplit == Count{Frac: 1} }},
		{`{"min_samples_split": 7}`, func(m *DecisionTreeClassifier) bool { return m.MinSamplesSplit == Count{N: 7} }},
		{`{"min_samples_leaf": 0.1}`, func(m *DecisionTreeClassifier) bool { return m.MinSamplesLeaf == Count{Frac: 0.1} }},
		{`{"max_features": "sqrt"}`, func(m *DecisionTreeClassifier) bool { return m.MaxFeatures == MaxFeatures{Name: "sqrt"} }},
		{`{"max_features": 0.3}`, func(m *DecisionTreeClassifier) bool { return m.MaxFeatures == MaxFeatures{Frac: 0.3} }},
		{`{"max_features": 4}`, func(m *DecisionTreeClassifier) bool { return m.MaxFeatures == MaxFeatures{N: 4} }},
		{`{"max_features": null, "max_depth": null, "random_state": null}`, func(m *DecisionTreeClassifier) bool {
			return m.MaxFeatures == MaxFeatures{} && m.MaxDepth == 0 && m.RandomState == 0
		}},
		{`{"criterion": "log_loss", "splitter": "random", "max_leaf_nodes": 5}`, func(m *DecisionTreeClassifier) bool { return m.MaxLeafNodes == 5 }},
	}
	for _, c := range ok {
		e, err := ml.New("DecisionTreeClassifier", json.RawMessage(c.params))
		if err != nil {
			t.Errorf("%s: %v", c.params, err)
			continue
		}
		m := e.(*DecisionTreeClassifier)
		if !c.check(m) {
			t.Errorf("%s: got %+v", c.params, m)
		}
		// Clone goes through Params and back: fractions must stay fractions.
		cl, err := ml.Clone(m)
		if err != nil {
			t.Fatalf("%s: clone: %v", c.params, err)
		}
		if c2 := cl.(*DecisionTreeClassifier); c2.MinSamplesSplit != m.MinSamplesSplit || c2.MaxFeatures != m.MaxFeatures || c2.MinSamplesLeaf != m.MinSamplesLeaf {
			t.Errorf("%s: clone changed params: %+v", c.params, c2)
		}
	}
	bad := map[string]string{
		`{"min_samples_split": 1}`:          "min_samples_split",
		`{"min_samples_split": 2.5}`:        "min_samples_split",
		`{"min_samples_split": "2"}`:        "min_samples_split",
		`{"min_samples_split": null}`:       "min_samples_split",
		`{"min_samples_leaf": 0}`:           "min_samples_leaf",
		`{"min_samples_leaf": 1.0}`:         "min_samples_leaf",
		`{"max_features": 0}`:               "max_features",
		`{"max_features": 1.5}`:             "max_features",
		`{"max_features": "sqr"}`:           "max_features",
		`{"max_features": true}`:            "max_features",
		`{"max_depth": -1}`:                 "max_depth",
		`{"max_features": -0.5}`:            "max_features",
		`{"min_samples_leaf": 0.0}`:         "min_samples_leaf",
		`{"criterion": "mse"}`:              "criterion",
		`{"splitter": "fast"}`:              "splitter",
		`{"max_leaf_nodes": 1}`:             "max_leaf_nodes",
		`{"random_state": -1}`:              "random_state",
		`{"min_weight_fraction_leaf": 0.6}`: "min_weight_fraction_leaf",
		`{"class_weight": "balanced"}`:      "class_weight",
		`{"ccp_alpha": 0.1}`:                "ccp_alpha",
	}
	for params, name := range bad {
		_, err := ml.New("DecisionTreeClassifier", json.RawMessage(params))
		var pe *ml.ParamError
		if !errors.As(err, &pe) || pe.Param != name {
			t.Errorf("%s: got %v, want a ParamError for %s", params, err, name)
		}
	}
	if _, err := ml.New("DecisionTreeRegressor", json.RawMessage(`{"criterion": "mae"}`)); err == nil {
		t.Error("mae (removed from scikit-learn in 1.2) accepted")
	}
	if _, err := ml.New("DecisionTreeRegressor", json.RawMessage(`{"criterion": "friedman_mse", "max_features": "auto"}`)); err != nil {
		t.Error(err)
	}
}

func irisTrain(t *testing.T) (*mat.Dense, []float64) {
	return testutil.LoadCSV(t, "data/datasets/iris.csv")
}

func TestStateRoundTrip(t *testing.T) {
	X, y := irisTrain(t)
	m := NewDecisionTreeClassifier()
	m.MaxDepth = 4
	if err := m.Fit(context.Background(), X, y); err != nil {
		t.Fatal(err)
	}
	s, err := m.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var m2 DecisionTreeClassifier
	if err := m2.UnmarshalState(s); err != nil {
		t.Fatal(err)
	}
	p1, _ := m.PredictProba(X)
	p2, err := m2.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	testutil.AllClose(t, "proba", p2.RawMatrix().Data, p1.RawMatrix().Data, 0, 0)
	if m2.GetDepth() != m.GetDepth() || m2.NodeCount() != m.NodeCount() || !slices.Equal(m2.Classes(), m.Classes()) {
		t.Fatal("restored tree differs")
	}

	Xd, yd := testutil.LoadCSV(t, "data/datasets/diabetes.csv")
	r := NewDecisionTreeRegressor()
	r.MaxDepth = 5
	if err := r.Fit(context.Background(), Xd, yd); err != nil {
		t.Fatal(err)
	}
	rs, _ := r.MarshalState()
	var r2 DecisionTreeRegressor
	if err := r2.UnmarshalState(rs); err != nil {
		t.Fatal(err)
	}
	q1, _ := r.Predict(Xd)
	q2, _ := r2.Predict(Xd)
	testutil.AllClose(t, "predict", q2, q1, 0, 0)
	if err := r2.UnmarshalState(s); err == nil {
		t.Error("regressor accepted a 3-class tree")
	}
}

// TestTamperedState checks that inconsistent states are refused rather than
// allowed to panic or loop in Predict.
func TestTamperedState(t *testing.T) {
	X, y := irisTrain(t)
	m := NewDecisionTreeClassifier()
	if err := m.Fit(context.Background(), X, y); err != nil {
		t.Fatal(err)
	}
	internal := -1
	for i, l := range m.Tree().ChildrenLeft {
		if l != Leaf && i > 0 {
			internal = i
			break
		}
	}
	tamper := map[string]func(s *ml.State){
		"cycle":            func(s *ml.State) { s.Arrays["children_left"].F64[internal] = 0 },
		"self loop":        func(s *ml.State) { s.Arrays["children_right"].F64[internal] = float64(internal) },
		"out of range":     func(s *ml.State) { s.Arrays["children_left"].F64[0] = 1e6 },
		"two parents":      func(s *ml.State) { s.Arrays["children_left"].F64[internal] = s.Arrays["children_left"].F64[0] },
		"half leaf":        func(s *ml.State) { s.Arrays["children_right"].F64[internal] = -1 },
		"feature":          func(s *ml.State) { s.Arrays["feature"].F64[0] = 4 },
		"negative feat":    func(s *ml.State) { s.Arrays["feature"].F64[0] = -1 },
		"fraction index":   func(s *ml.State) { s.Arrays["children_left"].F64[0] = 1.5 },
		"nan threshold":    func(s *ml.State) { s.Arrays["threshold"].F64[0] = math.NaN() },
		"nan value":        func(s *ml.State) { s.Arrays["value"].F64[3] = math.NaN() },
		"value shape":      func(s *ml.State) { s.Arrays["value"].Shape = []int{len(s.Arrays["value"].F64) / 2, 2} },
		"short impurity":   func(s *ml.State) { s.SetFloats("impurity", []float64{0}) },
		"classes":          func(s *ml.State) { s.SetFloats("classes", []float64{0, 1}) },
		"unsorted classes": func(s *ml.State) { s.SetFloats("classes", []float64{2, 1, 0}) },
		"depth":            func(s *ml.State) { s.SetAttr("max_depth", 1) },
		"n_features":       func(s *ml.State) { s.SetAttr("n_features", 0) },
		"missing":          func(s *ml.State) { delete(s.Arrays, "feature") },
	}
	for name, f := range tamper {
		s, _ := m.MarshalState()
		f(s)
		var m2 DecisionTreeClassifier
		if err := m2.UnmarshalState(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	X, y := irisTrain(t)
	m := NewDecisionTreeClassifier()
	if _, err := m.Predict(X); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("predict before fit: %v", err)
	}
	if _, err := m.MarshalState(); !errors.Is(err, ml.ErrNotFitted) {
		t.Errorf("state before fit: %v", err)
	}
	if err := m.Fit(ctx, X, y[:10]); !ml.IsBadInput(err) {
		t.Errorf("short y: %v", err)
	}
	big := mat.DenseCopyOf(X)
	big.Set(3, 1, 1e300)
	if err := m.Fit(ctx, big, y); !ml.IsBadInput(err) {
		t.Errorf("value beyond float32: %v", err)
	}
	w := make([]float64, len(y))
	if err := m.FitWeighted(ctx, X, y, w); !ml.IsBadInput(err) {
		t.Errorf("zero weights: %v", err)
	}
	w[0] = -1
	if err := m.FitWeighted(ctx, X, y, w); !ml.IsBadInput(err) {
		t.Errorf("negative weight: %v", err)
	}
	if err := m.FitWeighted(ctx, X, y, w[:3]); !ml.IsBadInput(err) {
		t.Errorf("short weights: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Fit(cctx, X, y); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	m.MaxFeatures = MaxFeatures{Name: "sqrt", N: 2}
	if err := m.Fit(ctx, X, y); err == nil {
		t.Error("two max_features forms accepted")
	}
	m.MaxFeatures = MaxFeatures{}
	if err := m.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Predict(mat.NewDense(2, 3, nil)); !ml.IsBadInput(err) {
		t.Errorf("wrong width: %v", err)
	}
	if _, err := m.PredictProba(big); !ml.IsBadInput(err) {
		t.Errorf("predict beyond float32: %v", err)
	}
}

// TestBasics checks the accessors, pure and constant inputs, and that
// prediction splits large inputs over goroutines without changing results.
func TestBasics(t *testing.T) {
	ctx := context.Background()
	X, y := irisTrain(t)
	m := NewDecisionTreeClassifier()
	if err := m.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if m.NFeaturesIn() != 4 || m.GetNLeaves() != m.Tree().NLeaves() || m.NodeCount() != 2*m.GetNLeaves()-1 {
		t.Fatalf("accessors: %d features, %d leaves, %d nodes", m.NFeaturesIn(), m.GetNLeaves(), m.NodeCount())
	}
	pred, _ := m.Predict(X)
	if acc := accuracy(pred, y); acc != 1 {
		t.Errorf("training accuracy %v, want 1 for a fully grown tree on iris", acc)
	}
	lp, _ := m.PredictLogProba(X)
	if v := lp.At(0, 0); v != 0 {
		t.Errorf("log proba of a pure leaf = %v, want 0", v)
	}
	leaves, _ := m.Apply(X)
	for i, l := range leaves {
		if m.Tree().ChildrenLeft[l] != Leaf {
			t.Fatalf("Apply[%d] = %d is not a leaf", i, l)
		}
	}
	// Many rows: the parallel path.
	rows := make([]int, 20000)
	for i := range rows {
		rows[i] = i % 150
	}
	Xb := testutil.Rows(X, rows)
	pb, _ := m.Predict(Xb)
	for i := range rows {
		if pb[i] != pred[rows[i]] {
			t.Fatalf("parallel predict differs at %d", i)
		}
	}
	// A constant feature matrix gives a single leaf predicting the mean.
	Xc := mat.NewDense(5, 2, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	r := NewDecisionTreeRegressor()
	if err := r.Fit(ctx, Xc, []float64{1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	if r.NodeCount() != 1 || r.GetDepth() != 0 {
		t.Fatalf("constant X: %d nodes", r.NodeCount())
	}
	p, _ := r.Predict(Xc)
	if p[0] != 3 {
		t.Errorf("constant X predicts %v, want 3", p[0])
	}
	if fi := r.FeatureImportances(); fi[0] != 0 || fi[1] != 0 {
		t.Errorf("importances of a single leaf: %v", fi)
	}
	if _, err := r.Apply(Xc); err != nil {
		t.Error(err)
	}
	if err := m.Fit(ctx, Xc, []float64{1, 1, 1, 1, 1}); !ml.IsBadInput(err) {
		t.Errorf("one class: %v", err)
	}
}

func TestQuickSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 5, 16, 17, 40, 127, 300} {
		for _, distinct := range []int{3, 1 << 30} {
			a := make([]pair, n)
			for i := range a {
				a[i] = pair{v: float32(r.IntN(distinct)) - 1, i: int32(i)}
			}
			b := slices.Clone(a)
			quickSort(a)
			if !slices.IsSortedFunc(a, func(x, y pair) int { return cmpF(x.v, y.v) }) {
				t.Fatalf("n=%d: not sorted", n)
			}
			sortPairs(b)
			if distinct > n && !hasTies(b) && !slices.Equal(a, b) {
				t.Fatalf("n=%d: quickSort and introsort differ on distinct values", n)
			}
		}
	}
}

var (
	_ ml.Classifier     = (*DecisionTreeClassifier)(nil)
	_ ml.ProbaPredictor = (*DecisionTreeClassifier)(nil)
	_ ml.Stateful       = (*DecisionTreeClassifier)(nil)
	_ ml.Validator      = (*DecisionTreeClassifier)(nil)
	_ ml.Predictor      = (*DecisionTreeRegressor)(nil)
	_ ml.Stateful       = (*DecisionTreeRegressor)(nil)
	_ ml.Validator      = (*DecisionTreeRegressor)(nil)
)

func TestProgress(t *testing.T) {
	X, y := irisTrain(t)
	var events []ml.Event
	ctx := ml.WithProgress(context.Background(), ml.ReporterFunc(func(e ml.Event) { events = append(events, e) }))
	if err := NewDecisionTreeClassifier().Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Kind != "stage" {
		t.Fatalf("events %+v, want one stage event", events)
	}
}

// TestRandomState checks the draws against numpy 1.24.2:
// r = np.random.RandomState(3); r.randint(2147483647), r.randint(0, 150,
// 5), r.random_sample(), r.randint(7) print 218175338, [131, 0, 21, 147,
// 107], 0.12558531046383625, 2.
func TestRandomState(t *testing.T) {
	r := NewRandomState(3)
	got := []float64{float64(r.Randint(2147483647))}
	for range 5 {
		got = append(got, float64(r.Randint(150)))
	}
	got = append(got, r.RandomSample(), float64(r.Randint(7)))
	want := []float64{218175338, 131, 0, 21, 147, 107, 0.12558531046383625, 2}
	if !slices.Equal(got, want) {
		t.Errorf("draws %v, numpy %v", got, want)
	}
}
