package neighbors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// RadiusParams are the hyperparameters of RadiusNeighborsClassifier and
// RadiusNeighborsRegressor.
type RadiusParams struct {
	Radius    float64 `json:"radius" gt:"0" help:"the training points within this distance vote or are averaged"`
	Weights   string  `json:"weights" enum:"uniform,distance" help:"uniform: equal weights; distance: weighted by 1/distance"`
	Algorithm string  `json:"algorithm" enum:"auto,ball_tree,kd_tree,brute" help:"neighbour search: auto (brute above 15 features), brute, kd_tree (ball_tree runs the k-d tree)"`
	LeafSize  int     `json:"leaf_size" min:"1" help:"k-d tree leaf size"`
	P         float64 `json:"p" gt:"0" help:"Minkowski exponent: 1 manhattan, 2 euclidean"`
	Metric    string  `json:"metric" enum:"minkowski,euclidean,manhattan" help:"distance: minkowski with p, euclidean or manhattan"`
	NJobs     int     `json:"n_jobs" nullable:"true" help:"accepted for scikit-learn's signature; queries run on runtime.GOMAXPROCS goroutines"`
}

func defaultRadiusParams() RadiusParams {
	return RadiusParams{Radius: 1, Weights: "uniform", Algorithm: "auto", LeafSize: 30, P: 2, Metric: "minkowski"}
}

func (c *RadiusParams) params() *Params {
	return &Params{NNeighbors: 1, Weights: c.Weights, Algorithm: c.Algorithm, LeafSize: c.LeafSize, P: c.P, Metric: c.Metric}
}

// radiusModel is the fitted search of both radius estimators.
type radiusModel struct {
	ix       *index
	leafSize int
}

// fitRadius builds the index as scikit-learn's radius estimators choose it:
// "auto" is brute force above 15 features (they have no n_neighbors) or
// for p < 1, else the k-d tree.
func fitRadius(ctx context.Context, c *RadiusParams, X *mat.Dense) (*radiusModel, error) {
	n, d := X.Dims()
	p := c.params().effectiveP()
	method := chooseMethod(c.Algorithm, n, d, 0, p)
	if c.Algorithm == "auto" && n < 2 && d <= 15 && p >= 1 {
		method = methodKDTree
	}
	ml.ProgressFrom(ctx).Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("build %s index over %d samples", method, n)})
	x := rowMajorCopy(X)
	ix := &index{n: n, d: d, x: x, metric: newMetric(p), method: method}
	if method == methodKDTree {
		ix.tree = buildKDTree(x, n, d, c.LeafSize)
	}
	return &radiusModel{ix: ix, leafSize: c.LeafSize}, nil
}

// within returns, for each row of X, the training points within radius
// (in increasing index order) and their distances. Queries run in blocks
// on runtime.GOMAXPROCS goroutines; the Euclidean brute force screens
// each block with one matrix product (‖x‖² + ‖y‖² − 2x·y, within a proven
// rounding margin of radius², as bruteL2 does) and measures only the
// flagged points exactly, so the result is the exact one.
//
// Without needDist the distances are not returned (nil), and the points
// whose screened distance is inside radius² by more than the margin are
// taken without being measured.
func (r *radiusModel) within(X *mat.Dense, radius float64, needDist bool) ([][]int, [][]float64, error) {
	ix := r.ix
	if err := ml.CheckX(X, ix.d); err != nil {
		return nil, nil, err
	}
	m, d := X.Dims()
	q := rowMajor(X)
	ri := &RadiusIndex{ix: ix}
	inds := make([][]int, m)
	dists := make([][]float64, m)
	measure := func(i int, in []int) {
		x := q[i*d : (i+1)*d]
		ds := make([]float64, len(in))
		for j, t := range in {
			ds[j] = ix.metric.dist(ix.metric.rdist(x, ix.x[t*d:(t+1)*d], math.Inf(1)))
		}
		inds[i], dists[i] = in, ds
	}
	const block = 128
	gemm := ix.tree == nil && ix.metric.kind == kindL2 && ix.n >= 64
	var yy []float64
	maxYY := 0.0
	var train *mat.Dense
	if gemm {
		yy = make([]float64, ix.n)
		for t := range ix.n {
			s := 0.0
			for _, v := range ix.x[t*d : (t+1)*d] {
				s += v * v
			}
			yy[t] = s
			maxYY = math.Max(maxYY, s)
		}
		gemm = !math.IsInf(maxYY, 0) && !math.IsNaN(maxYY)
		train = mat.NewDense(ix.n, d, ix.x)
	}
	rr := radius * radius
	margin := 4 * float64(d+4) * 0x1p-53
	parallelChunks(m, block, effectiveWorkers(0), func(_, lo, hi int) {
		if !gemm {
			for i := lo; i < hi; i++ {
				in := ri.Within(nil, q[i*d:(i+1)*d], radius)
				sort.Ints(in)
				measure(i, in)
			}
			return
		}
		qb := mat.NewDense(hi-lo, d, q[lo*d:hi*d])
		var dot mat.Dense
		dot.Mul(qb, train.T())
		for i := lo; i < hi; i++ {
			x := q[i*d : (i+1)*d]
			xx := 0.0
			for _, v := range x {
				xx += v * v
			}
			if math.IsInf(xx, 0) {
				in := ri.Within(nil, x, radius)
				sort.Ints(in)
				measure(i, in)
				continue
			}
			slack := margin * (xx + maxYY + rr)
			bound, sure := rr+slack, rr-slack
			row := dot.RawRowView(i - lo)
			var in []int
			var ds []float64
			for t, v := range row {
				g := xx + yy[t] - 2*v
				if g > bound {
					continue
				}
				if !needDist && g < sure {
					in = append(in, t)
					continue
				}
				if rd := rdistL2(x, ix.x[t*d:(t+1)*d], math.Inf(1)); rd <= rr {
					in, ds = append(in, t), append(ds, math.Sqrt(rd))
				}
			}
			inds[i], dists[i] = in, ds
		}
	})
	return inds, dists, nil
}

// RadiusNeighbors returns, for each row of X, the training points within
// radius (radius ≤ 0 means the radius parameter) and their distances, in
// increasing training index order (scikit-learn's radius_neighbors with
// sort_results=False returns them in its search's order).
func (r *radiusModel) radiusNeighbors(X *mat.Dense, radius, def float64, name string) ([][]float64, [][]int, error) {
	if r == nil {
		return nil, nil, ml.NotFittedError(name)
	}
	if radius <= 0 {
		radius = def
	}
	ind, dist, err := r.within(X, radius, true)
	return dist, ind, err
}

func (r *radiusModel) marshal(st *ml.State) { marshalIndex(st, r.ix, r.leafSize) }

func unmarshalRadius(st *ml.State) (*radiusModel, error) {
	ix, leafSize, err := unmarshalIndex(st)
	if err != nil {
		return nil, err
	}
	return &radiusModel{ix: ix, leafSize: leafSize}, nil
}

// OutlierLabel is RadiusNeighborsClassifier's outlier_label: null (a query
// without neighbours is an error), "most_frequent" (the most frequent
// training class) or a label (a class value; one not among the training
// classes predicts that label with every probability 0).
type OutlierLabel struct {
	MostFrequent bool
	Value        *float64
}

// ParamType names the type in the catalogue.
func (o OutlierLabel) ParamType() (string, string) {
	return "outlier_label", `null, "most_frequent" or a class value`
}

// IsZero reports whether o is null.
func (o OutlierLabel) IsZero() bool { return !o.MostFrequent && o.Value == nil }

// MarshalJSON writes null, "most_frequent" or the value.
func (o OutlierLabel) MarshalJSON() ([]byte, error) {
	switch {
	case o.MostFrequent:
		return []byte(`"most_frequent"`), nil
	case o.Value == nil:
		return []byte("null"), nil
	}
	if math.IsNaN(*o.Value) || math.IsInf(*o.Value, 0) {
		return nil, fmt.Errorf("outlier_label %v is not finite", *o.Value)
	}
	return []byte(strconv.FormatFloat(*o.Value, 'g', -1, 64)), nil
}

// UnmarshalJSON reads null, "most_frequent" or a number.
func (o *OutlierLabel) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*o = OutlierLabel{}
		return nil
	case bytes.Equal(b, []byte(`"most_frequent"`)):
		*o = OutlierLabel{MostFrequent: true}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil || math.IsInf(v, 0) {
		return fmt.Errorf(`outlier_label %s is not null, "most_frequent" or a class value (a number)`, string(b))
	}
	*o = OutlierLabel{Value: &v}
	return nil
}

// RadiusNeighborsClassifier is scikit-learn 1.2's RadiusNeighborsClassifier:
// the class with the most (distance-weighted) votes among the training
// points within radius; a query with none gets outlier_label.
type RadiusNeighborsClassifier struct {
	RadiusParams
	OutlierLabel OutlierLabel `json:"outlier_label" nullable:"true" help:"label of queries with no training point within radius: null (an error), \"most_frequent\" or a class value"`

	fit     *radiusModel
	classes []float64
	y       []int
	outlier float64 // the resolved outlier label, when hasOut
	hasOut  bool
}

// NewRadiusNeighborsClassifier returns scikit-learn's defaults: radius 1,
// uniform weights, algorithm auto, leaf_size 30, p 2, no outlier label.
func NewRadiusNeighborsClassifier() *RadiusNeighborsClassifier {
	return &RadiusNeighborsClassifier{RadiusParams: defaultRadiusParams()}
}

const radiusClassifierName = "RadiusNeighborsClassifier"

// Validate checks p against the algorithm.
func (c *RadiusNeighborsClassifier) Validate() error { return c.params().validate() }

// Fit stores the training data and builds the index.
func (c *RadiusNeighborsClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(c); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, yi, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	fit, err := fitRadius(ctx, &c.RadiusParams, X)
	if err != nil {
		return err
	}
	c.fit, c.classes, c.y = fit, classes, yi
	c.hasOut, c.outlier = false, 0
	switch {
	case c.OutlierLabel.MostFrequent:
		counts := make([]int, len(classes))
		for _, v := range yi {
			counts[v]++
		}
		best := 0
		for k, n := range counts {
			if n > counts[best] {
				best = k
			}
		}
		c.hasOut, c.outlier = true, classes[best]
	case c.OutlierLabel.Value != nil:
		c.hasOut, c.outlier = true, *c.OutlierLabel.Value
	}
	return nil
}

// Classes returns the sorted class values seen by Fit.
func (c *RadiusNeighborsClassifier) Classes() []float64 { return slices.Clone(c.classes) }

// RadiusNeighbors returns each row's training points within radius (≤ 0:
// the radius parameter) and their distances, by increasing index.
func (c *RadiusNeighborsClassifier) RadiusNeighbors(X *mat.Dense, radius float64) ([][]float64, [][]int, error) {
	return c.fit.radiusNeighbors(X, radius, c.Radius, radiusClassifierName)
}

// PredictProba returns the (weighted) vote shares of the classes among each
// row's neighbours; a row without any has probability 1 for the outlier
// label (0 everywhere when it is not a training class), or is an error
// without an outlier label.
func (c *RadiusNeighborsClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	p, _, err := c.proba(X)
	return p, err
}

func (c *RadiusNeighborsClassifier) proba(X *mat.Dense) (*mat.Dense, []bool, error) {
	if c.fit == nil {
		return nil, nil, ml.NotFittedError(radiusClassifierName)
	}
	ind, dist, err := c.fit.within(X, c.Radius, c.Weights == "distance")
	if err != nil {
		return nil, nil, err
	}
	K := len(c.classes)
	out := mat.NewDense(len(ind), K, nil)
	outliers := make([]bool, len(ind))
	var first []int
	for i, in := range ind {
		if len(in) == 0 {
			outliers[i] = true
			first = append(first, i)
		}
	}
	if len(first) > 0 && !c.hasOut {
		return nil, nil, ml.DataErrorf("no neighbors found for test samples %v (rows of X): try a larger radius, give an outlier_label, or remove them", abbrevInts(first))
	}
	outIdx := -1
	if c.hasOut {
		outIdx = slices.Index(c.classes, c.outlier)
	}
	w := []float64{}
	for i, in := range ind {
		row := out.RawRowView(i)
		if outliers[i] {
			if outIdx >= 0 {
				row[outIdx] = 1
			}
			continue
		}
		if c.Weights == "distance" {
			w = slices.Grow(w[:0], len(in))[:len(in)]
			neighborWeights("distance", dist[i], w)
			for j, t := range in {
				row[c.y[t]] += w[j]
			}
		} else {
			for _, t := range in {
				row[c.y[t]]++
			}
		}
		s := 0.0
		for _, v := range row {
			s += v
		}
		if s == 0 {
			s = 1
		}
		for k := range row {
			row[k] /= s
		}
	}
	return out, outliers, nil
}

func abbrevInts(v []int) string {
	if len(v) > 10 {
		return fmt.Sprint(v[:10]) + fmt.Sprintf(" and %d more", len(v)-10)
	}
	return fmt.Sprint(v)
}

// Predict returns the class of the largest probability, and the outlier
// label for rows without neighbours (or whose probabilities are all 0).
func (c *RadiusNeighborsClassifier) Predict(X *mat.Dense) ([]float64, error) {
	p, _, err := c.proba(X)
	if err != nil {
		return nil, err
	}
	r, _ := p.Dims()
	out := make([]float64, r)
	for i := range out {
		row := p.RawRowView(i)
		best, zero := 0, true
		for k, v := range row {
			if v > row[best] {
				best = k
			}
			zero = zero && v == 0
		}
		out[i] = c.classes[best]
		if zero && c.hasOut {
			out[i] = c.outlier
		}
	}
	return out, nil
}

// MarshalState returns the training data, the classes and the outlier
// label.
func (c *RadiusNeighborsClassifier) MarshalState() (*ml.State, error) {
	if c.fit == nil {
		return nil, ml.NotFittedError(radiusClassifierName)
	}
	st := ml.NewState()
	c.fit.marshal(st)
	st.SetFloats("classes", c.classes)
	st.SetInts("y", c.y)
	has := 0.0
	if c.hasOut {
		has = 1
	}
	st.SetFloats("outlier_label", []float64{has, c.outlier}) // [set, label]
	return st, nil
}

// UnmarshalState restores a state written by MarshalState.
func (c *RadiusNeighborsClassifier) UnmarshalState(st *ml.State) error {
	fit, err := unmarshalRadius(st)
	if err != nil {
		return err
	}
	classes, _, err := st.Floats("classes", -1)
	if err != nil {
		return err
	}
	for i, v := range classes {
		if math.IsNaN(v) || math.IsInf(v, 0) || i > 0 && v <= classes[i-1] {
			return fmt.Errorf("state: classes must be finite and strictly increasing")
		}
	}
	yf, _, err := st.Floats("y", fit.ix.n)
	if err != nil {
		return err
	}
	y := make([]int, len(yf))
	for i, v := range yf {
		if v != math.Trunc(v) || v < 0 || int(v) >= len(classes) {
			return fmt.Errorf("state: y[%d] is %v, expected a class index below %d", i, v, len(classes))
		}
		y[i] = int(v)
	}
	o, _, err := st.Floats("outlier_label", 2)
	if err != nil {
		return err
	}
	if o[0] != 0 && o[0] != 1 || math.IsNaN(o[1]) || math.IsInf(o[1], 0) {
		return fmt.Errorf("state: outlier_label is %v, expected [0 or 1, a finite label]", o)
	}
	hasOut, outlier := o[0] == 1, o[1]
	c.fit, c.classes, c.y, c.hasOut, c.outlier = fit, slices.Clone(classes), y, hasOut, outlier
	return nil
}

// RadiusNeighborsRegressor is scikit-learn 1.2's RadiusNeighborsRegressor:
// the (distance-weighted) mean target of the training points within
// radius; NaN for a query with none, as scikit-learn predicts (with a
// warning).
type RadiusNeighborsRegressor struct {
	RadiusParams

	fit *radiusModel
	y   []float64
}

// NewRadiusNeighborsRegressor returns scikit-learn's defaults.
func NewRadiusNeighborsRegressor() *RadiusNeighborsRegressor {
	return &RadiusNeighborsRegressor{RadiusParams: defaultRadiusParams()}
}

const radiusRegressorName = "RadiusNeighborsRegressor"

// Validate checks p against the algorithm.
func (r *RadiusNeighborsRegressor) Validate() error { return r.params().validate() }

// Fit stores the training data and builds the index.
func (r *RadiusNeighborsRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(r); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	fit, err := fitRadius(ctx, &r.RadiusParams, X)
	if err != nil {
		return err
	}
	r.fit, r.y = fit, slices.Clone(y)
	return nil
}

// RadiusNeighbors returns each row's training points within radius (≤ 0:
// the radius parameter) and their distances, by increasing index.
func (r *RadiusNeighborsRegressor) RadiusNeighbors(X *mat.Dense, radius float64) ([][]float64, [][]int, error) {
	return r.fit.radiusNeighbors(X, radius, r.Radius, radiusRegressorName)
}

// Predict returns each row's mean neighbour target (np.mean, pairwise
// sums), or Σwᵢyᵢ / Σwᵢ with distance weights (np.average), and NaN for a
// row without neighbours.
func (r *RadiusNeighborsRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if r.fit == nil {
		return nil, ml.NotFittedError(radiusRegressorName)
	}
	ind, dist, err := r.fit.within(X, r.Radius, r.Weights == "distance")
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(ind))
	var vals, w []float64
	for i, in := range ind {
		if len(in) == 0 {
			out[i] = math.NaN()
			continue
		}
		vals = slices.Grow(vals[:0], len(in))[:len(in)]
		if r.Weights == "distance" {
			w = slices.Grow(w[:0], len(in))[:len(in)]
			neighborWeights("distance", dist[i], w)
			for j, t := range in {
				vals[j] = r.y[t] * w[j]
			}
			out[i] = pairwiseSum(vals) / pairwiseSum(w)
			continue
		}
		for j, t := range in {
			vals[j] = r.y[t]
		}
		out[i] = pairwiseSum(vals) / float64(len(in))
	}
	return out, nil
}

// MarshalState returns the training data and targets.
func (r *RadiusNeighborsRegressor) MarshalState() (*ml.State, error) {
	if r.fit == nil {
		return nil, ml.NotFittedError(radiusRegressorName)
	}
	st := ml.NewState()
	r.fit.marshal(st)
	st.SetFloats("y", r.y)
	return st, nil
}

// UnmarshalState restores a state written by MarshalState.
func (r *RadiusNeighborsRegressor) UnmarshalState(st *ml.State) error {
	fit, err := unmarshalRadius(st)
	if err != nil {
		return err
	}
	y, _, err := st.Floats("y", fit.ix.n)
	if err != nil {
		return err
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: y[%d] is %v, expected a finite value", i, v)
		}
	}
	r.fit, r.y = fit, slices.Clone(y)
	return nil
}

func init() {
	ml.Register(ml.ClassInfo{
		Name: radiusClassifierName, Task: ml.Classification, Family: "neighbors",
		Doc: "vote of the training points within a radius (k-d tree or brute-force search)",
		New: func() ml.Estimator { return NewRadiusNeighborsClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: radiusRegressorName, Task: ml.Regression, Family: "neighbors",
		Doc: "mean target of the training points within a radius (k-d tree or brute-force search)",
		New: func() ml.Estimator { return NewRadiusNeighborsRegressor() },
	})
}
