package neighbors

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

var ctx = context.Background()

func TestRegistry(t *testing.T) {
	for _, class := range []string{classifierName, regressorName} {
		e, err := ml.New(class, json.RawMessage(`{"n_neighbors":3,"weights":"distance","algorithm":"ball_tree","leaf_size":10,"p":1.5,"metric":"minkowski","n_jobs":-1}`))
		if err != nil {
			t.Fatalf("%s: %v", class, err)
		}
		p, err := ml.Params(e)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(p, &got); err != nil {
			t.Fatal(err)
		}
		if got["n_neighbors"] != 3.0 || got["weights"] != "distance" || got["p"] != 1.5 || got["n_jobs"] != -1.0 {
			t.Errorf("%s: params %s", class, p)
		}
		if _, err := ml.New(class, json.RawMessage(`{"n_jobs":null}`)); err != nil {
			t.Errorf("%s: n_jobs null: %v", class, err)
		}
		c, err := ml.Clone(e)
		if err != nil {
			t.Fatal(err)
		}
		if p2, _ := ml.Params(c); string(p2) != string(p) {
			t.Errorf("%s: clone params %s, want %s", class, p2, p)
		}
		for _, bad := range []struct{ params, param string }{
			{`{"n_neighbors":0}`, "n_neighbors"},
			{`{"n_neighbors":2.5}`, "n_neighbors"},
			{`{"weights":"gaussian"}`, "weights"},
			{`{"algorithm":"cover_tree"}`, "algorithm"},
			{`{"leaf_size":0}`, "leaf_size"},
			{`{"p":0}`, "p"},
			{`{"metric":"cosine"}`, "metric"},
			{`{"p":0.5,"algorithm":"kd_tree"}`, "p"},
			{`{"radius":1}`, "radius"},
		} {
			_, err := ml.New(class, json.RawMessage(bad.params))
			var pe *ml.ParamError
			if !errors.As(err, &pe) || pe.Param != bad.param {
				t.Errorf("%s %s: got %v, want a ParamError on %s", class, bad.params, err, bad.param)
			}
		}
		// p < 1 is fine with brute force (and auto, which then picks it).
		if _, err := ml.New(class, json.RawMessage(`{"p":0.5}`)); err != nil {
			t.Errorf("%s: p=0.5 with auto: %v", class, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := NewKNeighborsClassifier()
	r := NewKNeighborsRegressor()
	want := Params{5, "uniform", "auto", 30, 2, "minkowski", 0}
	if c.Params != want || r.Params != want {
		t.Errorf("defaults %+v and %+v, want %+v (scikit-learn 1.2)", c.Params, r.Params, want)
	}
}

// fourPoints is a tiny training set: two classes on a line.
func fourPoints() (*mat.Dense, []float64) {
	return mat.NewDense(4, 1, []float64{0, 1, 2, 3}), []float64{10, 10, 20, 20}
}

func TestTooManyNeighbors(t *testing.T) {
	X := mat.NewDense(5, 2, []float64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4})
	y := []float64{0, 1, 0, 1, 0}
	c := NewKNeighborsClassifier()
	c.NNeighbors = 6
	err := c.Fit(ctx, X, y)
	if err == nil || err.Error() != "Expected n_neighbors <= n_samples_fit, but n_neighbors = 6, n_samples_fit = 5" || !ml.IsBadInput(err) {
		t.Fatalf("got %v", err)
	}
	c.NNeighbors = 5
	if err := c.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.KNeighbors(X, 6); err == nil || !strings.Contains(err.Error(), "n_neighbors = 6, n_samples_fit = 5") {
		t.Errorf("KNeighbors(X, 6): %v", err)
	}
	if _, _, err := c.KNeighbors(nil, 5); err == nil || !ml.IsBadInput(err) {
		t.Errorf("KNeighbors(nil, 5) on 5 samples: %v", err)
	}
	c.NNeighbors = 7 // changed after Fit, as in scikit-learn
	if _, err := c.Predict(X); err == nil || !strings.Contains(err.Error(), "n_neighbors = 7") {
		t.Errorf("Predict with n_neighbors 7: %v", err)
	}
}

func TestNotFitted(t *testing.T) {
	X, _ := fourPoints()
	c, r := NewKNeighborsClassifier(), NewKNeighborsRegressor()
	errs := []error{}
	_, err := c.Predict(X)
	errs = append(errs, err)
	_, err = c.PredictProba(X)
	errs = append(errs, err)
	_, _, err = c.KNeighbors(X, 1)
	errs = append(errs, err)
	_, err = c.MarshalState()
	errs = append(errs, err)
	_, err = r.Predict(X)
	errs = append(errs, err)
	_, _, err = r.KNeighbors(X, 1)
	errs = append(errs, err)
	_, err = r.MarshalState()
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, ml.ErrNotFitted) {
			t.Errorf("call %d: %v, want ErrNotFitted", i, err)
		}
	}
	if c.Classes() != nil || c.NFeaturesIn() != 0 || c.FitMethod() != "" || r.NSamplesFit() != 0 || r.EffectiveMetric() != "" {
		t.Error("unfitted accessors should return zero values")
	}
}

func TestInputChecks(t *testing.T) {
	X, y := fourPoints()
	c := NewKNeighborsClassifier()
	c.NNeighbors = 3
	if err := c.Fit(ctx, X, y[:3]); err == nil || !ml.IsBadInput(err) {
		t.Errorf("short y: %v", err)
	}
	if err := c.Fit(ctx, X, []float64{1, 1, 1, 1}); err == nil || !ml.IsBadInput(err) {
		t.Errorf("one class: %v", err)
	}
	bad := mat.NewDense(4, 1, []float64{0, math.NaN(), 2, 3})
	if err := c.Fit(ctx, bad, y); err == nil || !strings.Contains(err.Error(), "X[1, 0]") {
		t.Errorf("NaN: %v", err)
	}
	if err := c.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Predict(mat.NewDense(1, 2, []float64{0, 0})); err == nil || !ml.IsBadInput(err) {
		t.Errorf("2 features on a 1-feature fit: %v", err)
	}
	if _, err := c.PredictProba(mat.NewDense(1, 1, []float64{math.Inf(1)})); err == nil || !ml.IsBadInput(err) {
		t.Errorf("Inf query: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := NewKNeighborsRegressor().Fit(cancelled, X, y); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestVoting(t *testing.T) {
	X, y := fourPoints()
	c := NewKNeighborsClassifier()
	c.NNeighbors = 2
	if err := c.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	if got := c.Classes(); !slices.Equal(got, []float64{10, 20}) {
		t.Fatalf("classes %v", got)
	}
	// 1.5 has neighbours 1 (class 10) and 2 (class 20): a tie goes to the
	// smaller class; 2.6 has 2 and 3 (both 20).
	Q := mat.NewDense(2, 1, []float64{1.5, 2.6})
	pred, _ := c.Predict(Q)
	proba, _ := c.PredictProba(Q)
	if !slices.Equal(pred, []float64{10, 20}) || !slices.Equal(testutil.Flatten(proba), []float64{0.5, 0.5, 0, 1}) {
		t.Errorf("uniform: predict %v, proba %v", pred, testutil.Flatten(proba))
	}
	// With distance weights 1.4 is nearer 1 (weight 1/0.4) than 2 (1/0.6).
	c.Weights = "distance"
	pred, _ = c.Predict(mat.NewDense(1, 1, []float64{1.4}))
	proba, _ = c.PredictProba(mat.NewDense(1, 1, []float64{1.4}))
	w1, w2 := 1/0.3999999999999999, 1/0.6000000000000001
	if pred[0] != 10 || math.Abs(proba.At(0, 0)-w1/(w1+w2)) > 1e-15 {
		t.Errorf("distance: predict %v, proba %v", pred, testutil.Flatten(proba))
	}
}

func TestZeroDistance(t *testing.T) {
	// Training points 0 and 1 sit at the same place; a query there takes
	// only their votes (scikit-learn's _get_weights), however near the
	// others are.
	X := mat.NewDense(4, 1, []float64{5, 5, 5.001, 5.002})
	c := NewKNeighborsClassifier()
	c.NNeighbors, c.Weights = 4, "distance"
	if err := c.Fit(ctx, X, []float64{0, 1, 2, 2}); err != nil {
		t.Fatal(err)
	}
	proba, _ := c.PredictProba(mat.NewDense(1, 1, []float64{5}))
	pred, _ := c.Predict(mat.NewDense(1, 1, []float64{5}))
	if !slices.Equal(testutil.Flatten(proba), []float64{0.5, 0.5, 0}) || pred[0] != 0 {
		t.Errorf("proba %v, predict %v", testutil.Flatten(proba), pred)
	}
	r := NewKNeighborsRegressor()
	r.NNeighbors, r.Weights = 4, "distance"
	if err := r.Fit(ctx, X, []float64{1, 2, 100, 100}); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Predict(mat.NewDense(1, 1, []float64{5})); got[0] != 1.5 {
		t.Errorf("regressor at a duplicated point: %v, want 1.5", got)
	}
	r.Weights = "uniform"
	if got, _ := r.Predict(mat.NewDense(1, 1, []float64{5})); got[0] != (1+2+100+100)/4.0 {
		t.Errorf("uniform mean: %v", got)
	}
}

func TestKNeighborsSelf(t *testing.T) {
	// Rows 0 and 1 are duplicates; each is the other's nearest neighbour and
	// never its own.
	X := mat.NewDense(4, 1, []float64{0, 0, 1, 3})
	r := NewKNeighborsRegressor()
	r.NNeighbors = 2
	if err := r.Fit(ctx, X, []float64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	dist, ind, err := r.KNeighbors(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantInd := [][]int{{1}, {0}, {0}, {2}}
	wantDist := []float64{0, 0, 1, 2}
	for i := range wantInd {
		if !slices.Equal(ind[i], wantInd[i]) || dist.At(i, 0) != wantDist[i] {
			t.Errorf("row %d: %v at %v, want %v at %v", i, ind[i], dist.At(i, 0), wantInd[i], wantDist[i])
		}
	}
	// k ≤ 0 means n_neighbors; ties in distance come by index.
	dist, ind, err = r.KNeighbors(mat.NewDense(1, 1, []float64{0.5}), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ind[0], []int{0, 1}) || !slices.Equal(dist.RawRowView(0), []float64{0.5, 0.5}) {
		t.Errorf("KNeighbors(0.5): %v %v", ind, dist.RawRowView(0))
	}
}

func TestMetrics(t *testing.T) {
	X := mat.NewDense(3, 2, []float64{0, 0, 3, 4, 1, 1})
	Q := mat.NewDense(1, 2, []float64{0, 0})
	for _, tc := range []struct {
		metric string
		p      float64
		name   string
		want   []float64
	}{
		{"minkowski", 2, "euclidean", []float64{0, math.Sqrt2, 5}},
		{"minkowski", 1, "manhattan", []float64{0, 2, 7}},
		{"minkowski", 3, "minkowski", []float64{0, math.Pow(2, 1.0/3), math.Pow(91, 1.0/3)}},
		{"euclidean", 3, "euclidean", []float64{0, math.Sqrt2, 5}},
		{"manhattan", 2, "manhattan", []float64{0, 2, 7}},
	} {
		for _, algo := range []string{"brute", "kd_tree"} {
			r := NewKNeighborsRegressor()
			r.NNeighbors, r.Metric, r.P, r.Algorithm = 3, tc.metric, tc.p, algo
			if err := r.Fit(ctx, X, []float64{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			dist, _, err := r.KNeighbors(Q, 3)
			if err != nil {
				t.Fatal(err)
			}
			if r.EffectiveMetric() != tc.name || r.FitMethod() != algo {
				t.Errorf("%s p=%g %s: effective metric %s, method %s", tc.metric, tc.p, algo, r.EffectiveMetric(), r.FitMethod())
			}
			testutil.AllClose(t, tc.metric+"/"+algo, dist.RawRowView(0), tc.want, 1e-15, 0)
		}
	}
}

func TestAutoMethod(t *testing.T) {
	for _, tc := range []struct {
		n, d, k int
		p       float64
		want    string
	}{
		{100, 15, 5, 2, methodKDTree},
		{100, 16, 5, 2, methodBrute},
		{100, 4, 50, 2, methodBrute},
		{100, 4, 49, 2, methodKDTree},
		{100, 4, 5, 0.5, methodBrute},
	} {
		if got := chooseMethod("auto", tc.n, tc.d, tc.k, tc.p); got != tc.want {
			t.Errorf("auto with n=%d d=%d k=%d p=%g: %s, want %s", tc.n, tc.d, tc.k, tc.p, got, tc.want)
		}
	}
	if chooseMethod("ball_tree", 10, 40, 1, 2) != methodKDTree {
		t.Error("ball_tree should run the k-d tree")
	}
}

func TestStateRoundTrip(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/iris.csv")
	for _, algo := range []string{"brute", "kd_tree"} {
		c := NewKNeighborsClassifier()
		c.Algorithm, c.Weights, c.P = algo, "distance", 3
		if err := c.Fit(ctx, X, y); err != nil {
			t.Fatal(err)
		}
		st, err := c.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		// A fresh estimator with other settings still searches as fitted.
		c2 := NewKNeighborsClassifier()
		c2.Weights = "distance"
		if err := c2.UnmarshalState(st); err != nil {
			t.Fatal(err)
		}
		if c2.FitMethod() != algo || c2.EffectiveMetric() != "minkowski" || !slices.Equal(c2.Classes(), c.Classes()) {
			t.Errorf("%s: restored %s %s %v", algo, c2.FitMethod(), c2.EffectiveMetric(), c2.Classes())
		}
		p1, _ := c.PredictProba(X)
		p2, _ := c2.PredictProba(X)
		if !mat.Equal(p1, p2) {
			t.Errorf("%s: restored classifier predicts differently", algo)
		}
		r := NewKNeighborsRegressor()
		r.Algorithm = algo
		if err := r.Fit(ctx, X, y); err != nil {
			t.Fatal(err)
		}
		rs, _ := r.MarshalState()
		r2 := NewKNeighborsRegressor()
		if err := r2.UnmarshalState(rs); err != nil {
			t.Fatal(err)
		}
		q1, _ := r.Predict(X)
		q2, _ := r2.Predict(X)
		if !slices.Equal(q1, q2) {
			t.Errorf("%s: restored regressor predicts differently", algo)
		}
	}
}

func TestStateErrors(t *testing.T) {
	X, y := fourPoints()
	c := NewKNeighborsClassifier()
	c.NNeighbors = 2
	if err := c.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*ml.State)
	}{
		{"no X", func(s *ml.State) { delete(s.Arrays, "X") }},
		{"NaN in X", func(s *ml.State) { s.SetFloats("X", []float64{0, math.NaN(), 2, 3}, 4, 1) }},
		{"empty X", func(s *ml.State) { s.SetFloats("X", nil, 0, 1) }},
		{"short y", func(s *ml.State) { s.SetInts("y", []int{0, 0, 1}) }},
		{"class index out of range", func(s *ml.State) { s.SetInts("y", []int{0, 0, 1, 2}) }},
		{"unsorted classes", func(s *ml.State) { s.SetFloats("classes", []float64{20, 10}) }},
		{"unknown method", func(s *ml.State) { s.SetAttr("fit_method", "ball_tree") }},
		{"bad p", func(s *ml.State) { s.SetAttr("p", 0) }},
		{"kd_tree with p < 1", func(s *ml.State) { s.SetAttr("fit_method", "kd_tree"); s.SetAttr("p", 0.5) }},
		{"bad leaf_size", func(s *ml.State) { s.SetAttr("leaf_size", 0) }},
		{"no p", func(s *ml.State) { delete(s.Attrs, "p") }},
	} {
		st, _ := c.MarshalState()
		tc.change(st)
		if err := NewKNeighborsClassifier().UnmarshalState(st); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	r := NewKNeighborsRegressor()
	if err := r.Fit(ctx, X, y); err == nil {
		t.Fatal("5 neighbours of 4 points should fail")
	}
	r.NNeighbors = 2
	if err := r.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	st, _ := r.MarshalState()
	st.SetFloats("y", []float64{1, 2, math.Inf(1), 4})
	if err := NewKNeighborsRegressor().UnmarshalState(st); err == nil {
		t.Error("infinite y: no error")
	}
	if err := NewKNeighborsRegressor().UnmarshalState(nil); err == nil {
		t.Error("nil state: no error")
	}
}

func TestInputsNotMutatedNorKept(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/wine.csv")
	X0, y0 := mat.DenseCopyOf(X), slices.Clone(y)
	r := NewKNeighborsRegressor()
	if err := r.Fit(ctx, X, y); err != nil {
		t.Fatal(err)
	}
	p1, _ := r.Predict(X)
	if !mat.Equal(X, X0) || !slices.Equal(y, y0) {
		t.Fatal("Fit or Predict changed its input")
	}
	// Editing the caller's arrays after Fit must not reach the model.
	X.Set(0, 0, 1e6)
	y[1] = 1e6
	p2, _ := r.Predict(X0)
	if !slices.Equal(p1, p2) {
		t.Error("editing X or y after Fit changed predictions: the estimator kept a reference")
	}
}

func TestWorkersAndViews(t *testing.T) {
	X, y := testutil.LoadCSV(t, "data/datasets/breast_cancer.csv")
	var ref []float64
	for _, jobs := range []int{0, 1, -1, -2, 3, 64} {
		for _, algo := range []string{"brute", "kd_tree"} {
			c := NewKNeighborsClassifier()
			c.NJobs, c.Algorithm = jobs, algo
			if err := c.Fit(ctx, X, y); err != nil {
				t.Fatal(err)
			}
			// A strided view of the rows as the query.
			view := X.Slice(0, 100, 0, 30).(*mat.Dense)
			p, err := c.PredictProba(view)
			if err != nil {
				t.Fatal(err)
			}
			flat := testutil.Flatten(p)
			if ref == nil {
				ref = flat
			} else if !slices.Equal(flat, ref) {
				t.Errorf("n_jobs=%d %s: different probabilities", jobs, algo)
			}
		}
	}
	if effectiveWorkers(-1) < 1 || effectiveWorkers(-1000) != 1 || effectiveWorkers(5) != 5 {
		t.Error("effectiveWorkers")
	}
}

func TestProgress(t *testing.T) {
	X, y := fourPoints()
	var events []ml.Event
	c := NewKNeighborsClassifier()
	c.NNeighbors = 1
	if err := c.Fit(ml.WithProgress(ctx, ml.ReporterFunc(func(e ml.Event) { events = append(events, e) })), X, y); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Kind != "stage" || !strings.Contains(events[0].Message, "kd_tree") {
		t.Errorf("events %+v", events)
	}
}

func TestInterfaces(t *testing.T) {
	var _ ml.Classifier = NewKNeighborsClassifier()
	var _ ml.ProbaPredictor = NewKNeighborsClassifier()
	var _ ml.Stateful = NewKNeighborsClassifier()
	var _ ml.Validator = NewKNeighborsClassifier()
	var _ ml.Predictor = NewKNeighborsRegressor()
	var _ ml.Stateful = NewKNeighborsRegressor()
	var _ ml.Validator = NewKNeighborsRegressor()
}

func TestPairwiseSum(t *testing.T) {
	// Reference values printed by numpy 1.24's np.sum (Debian's python3-numpy).
	b := make([]float64, 300)
	for i := range b {
		b[i] = 1 / float64(i+1)
	}
	c := append(append([]float64{1e16}, slices.Repeat([]float64{1}, 11)...), -1e16)
	for _, tc := range []struct {
		name string
		a    []float64
		want float64
	}{
		{"[1, 1e16, 1, -1e16, 1]", []float64{1, 1e16, 1, -1e16, 1}, 1},
		{"[1e16, 1 x11, -1e16]", c, 8},
		{"1/(1..300)", b, 6.282663880299504}, // a sequential sum gives ...502
	} {
		if got := pairwiseSum(tc.a); got != tc.want {
			t.Errorf("%s: %v, numpy %v", tc.name, got, tc.want)
		}
	}
}
