package neighbors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
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
	Metric    string  `json:"metric" enum:"minkowski,euclidean,manhattan,precomputed" help:"distance: minkowski with p, euclidean or manhattan, or precomputed (X is the distances: n_samples × n_samples at fit, queries × training points at predict)"`
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
	if c.Metric == "precomputed" {
		x, err := precomputedTraining(X)
		if err != nil {
			return nil, err
		}
		return &radiusModel{ix: newPrecomputedIndex(x, n), leafSize: c.LeafSize}, nil
	}
	p := c.params().effectiveP()
	method := chooseMethod(c.Algorithm, n, d, 0, p)
	if c.Algorithm == "auto" && n < 2 && d <= 15 && p >= 1 {
		method = methodKDTree
	}
	ml.ProgressFrom(ctx).Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("build %s index over %d samples", method, n)})
	ix := newIndex(rowMajorCopy(X), n, d, p, method, c.LeafSize)
	return &radiusModel{ix: ix, leafSize: c.LeafSize}, nil
}

// within returns, for each row of X, the training points within radius
// (in increasing index order) and their distances. Queries run in chunks
// on runtime.GOMAXPROCS goroutines, each with its own scratch space, and
// each chunk's results are carved out of one allocation. The Euclidean
// brute force screens blocks of queries against the packed training panels
// with the fused GEMM-and-compare kernel of the k-nearest-neighbour search
// (‖x‖² + ‖y‖² − 2x·y within a proven rounding margin of radius², as
// bruteL2 does) and measures only the flagged points exactly; the other
// metrics measure every point with the lanes kernel, and the k-d tree
// prunes; so the result is the exact one for every method.
//
// Without needDist the distances are not returned (nil), and where more
// than an eighth of the points pass the screen, those a second screen proves
// inside radius² by more than the margin are taken without being measured.
func (r *radiusModel) within(X *mat.Dense, radius float64, needDist bool) ([][]int, [][]float64, error) {
	ix := r.ix
	if err := ix.checkQuery(X); err != nil {
		return nil, nil, err
	}
	if ix.precomputed {
		inds, dists := precomputedWithin(X, radius, needDist)
		return inds, dists, nil
	}
	m, d := X.Dims()
	q := rowMajor(X)
	ri := &RadiusIndex{ix: ix}
	inds := make([][]int, m)
	var dists [][]float64
	if needDist {
		dists = make([][]float64, m)
	}
	if m == 0 {
		return inds, dists, nil
	}
	met := ix.metric
	var rr float64 // the reduced radius
	switch met.kind {
	case kindL1:
		rr = radius
	case kindL2:
		rr = radius * radius
	default:
		rr = math.Pow(radius, met.p)
	}
	if ix.tree == nil && ix.pack == nil {
		ix.pack = packRows(ix.x, ix.n, d)
	}
	const chunk = 20 * mr // queries per chunk, whole kernel blocks
	workers := effectiveWorkers(0)
	type scratch struct {
		idx  [][]int     // per query of the chunk
		rd   [][]float64 // their reduced distances
		a    []float64   // packed queries
		xx   []float64
		thr  []float64
		sure []float64 // thresholds below which a point is inside for certain
		mask []byte
		in   []byte
		out  []float64
		buf  []int
	}
	scr := make([]scratch, workers)
	pk := ix.pack
	gemm := ix.tree == nil && met.kind == kindL2 && pk.normsOK
	maxChunk := max(1, (256<<10)/(8*d*nr)) // panels per sweep: about 256 KiB
	margin := 4 * float64(d+4) * 0x1p-53
	parallelChunks(m, chunk, workers, func(w, lo, hi int) {
		sc := &scr[w]
		cnt := hi - lo
		if sc.idx == nil {
			sc.idx, sc.rd = make([][]int, chunk), make([][]float64, chunk)
		}
		for i := range cnt {
			sc.idx[i], sc.rd[i] = sc.idx[i][:0], sc.rd[i][:0]
		}
		add := func(i, t int, rd float64) {
			sc.idx[i] = append(sc.idx[i], t)
			sc.rd[i] = append(sc.rd[i], rd)
		}
		switch {
		case ix.tree != nil:
			for i := range cnt {
				x := q[(lo+i)*d : (lo+i+1)*d]
				sc.buf = ri.Within(sc.buf[:0], x, radius)
				sort.Ints(sc.buf)
				for _, t := range sc.buf {
					add(i, t, met.rdist(x, ix.x[t*d:(t+1)*d], math.Inf(1)))
				}
			}
		case gemm:
			nb := (cnt + mr - 1) / mr
			sc.a = slices.Grow(sc.a[:0], nb*d*mr)[:nb*d*mr]
			sc.xx = slices.Grow(sc.xx[:0], nb*mr)[:nb*mr]
			sc.thr = slices.Grow(sc.thr[:0], nb*mr)[:nb*mr]
			sc.sure = slices.Grow(sc.sure[:0], nb*mr)[:nb*mr]
			sc.mask = slices.Grow(sc.mask[:0], mr*maxChunk)[:mr*maxChunk]
			sc.in = slices.Grow(sc.in[:0], mr*maxChunk)[:mr*maxChunk]
			clear(sc.a)
			ok := true
			for i := range nb * mr {
				sc.thr[i] = math.Inf(-1) // padding queries flag nothing
				sc.sure[i] = math.Inf(-1)
				if i >= cnt {
					continue
				}
				b, rw := i/mr, i%mr
				ab := sc.a[b*d*mr+rw:]
				s := 0.0
				for j, v := range q[(lo+i)*d : (lo+i+1)*d] {
					ab[j*mr] = v
					s += float64(v * v)
				}
				sc.xx[i] = s
				ok = ok && !math.IsInf(s, 0) && !math.IsNaN(s)
				slack := margin * (s + pk.maxYY + rr)
				sc.thr[i] = rr + slack - s
				sc.sure[i] = rr - slack - s
			}
			if !ok { // a query's norm overflows: measure its points one by one
				for i := range cnt {
					x := q[(lo+i)*d : (lo+i+1)*d]
					for t := range ix.n {
						if rd := rdistL2(x, ix.x[t*d:(t+1)*d], rr); rd <= rr {
							add(i, t, rd)
						}
					}
				}
				break
			}
			npanels := len(pk.yy) / nr
			flagged, screened := 0, 0
			for p := 0; p < npanels; p += maxChunk {
				c := min(maxChunk, npanels-p)
				bp := pk.panels[p*d*nr : (p+c)*d*nr]
				yp := pk.yy[p*nr : (p+c)*nr]
				for b := range nb {
					ab := sc.a[b*d*mr : (b+1)*d*mr]
					distMask(d, ab, bp, yp, sc.thr[b*mr:(b+1)*mr], c, sc.mask)
					// Where many points pass (a large radius), a second
					// screen proves most of them inside without measuring
					// them: a kernel pass costs about an eighth of an
					// exact measure per pair.
					useSure := !needDist && 8*flagged > screened
					if useSure {
						distMask(d, ab, bp, yp, sc.sure[b*mr:(b+1)*mr], c, sc.in)
					}
					screened += mr * c * nr
					for _, mb := range sc.mask[:mr*c] {
						flagged += bits.OnesCount8(mb)
					}
					for rw := range mr {
						i := b*mr + rw
						if i >= cnt {
							break
						}
						x := q[(lo+i)*d : (lo+i+1)*d]
						for pi, mb := range sc.mask[rw*c : (rw+1)*c] {
							var sure byte
							if useSure {
								sure = sc.in[rw*c+pi]
							}
							for mb != 0 {
								bit := bits.TrailingZeros8(mb)
								t := (p+pi)*nr + bit
								mb &= mb - 1
								if sure&(1<<bit) != 0 {
									add(i, t, 0)
								} else if rd := rdistL2(x, ix.x[t*d:(t+1)*d], rr); rd <= rr {
									add(i, t, rd)
								}
							}
						}
					}
				}
			}
		default:
			npanels := len(pk.yy) / nr
			sc.mask = slices.Grow(sc.mask[:0], maxChunk)[:maxChunk]
			sc.out = slices.Grow(sc.out[:0], maxChunk*nr)[:maxChunk*nr]
			for p := 0; p < npanels; p += maxChunk {
				c := min(maxChunk, npanels-p)
				bp := pk.panels[p*d*nr : (p+c)*d*nr]
				for i := range cnt {
					lanes(met, q[(lo+i)*d:(lo+i+1)*d], bp, c, rr, sc.out, sc.mask)
					for pi, mb := range sc.mask[:c] {
						for mb != 0 {
							b := bits.TrailingZeros8(mb)
							mb &= mb - 1
							if t := (p+pi)*nr + b; t < ix.n {
								add(i, t, sc.out[pi*nr+b])
							}
						}
					}
				}
			}
		}
		// One allocation per chunk for its indices (and distances).
		total := 0
		for i := range cnt {
			total += len(sc.idx[i])
		}
		ai := make([]int, 0, total)
		var ad []float64
		if needDist {
			ad = make([]float64, 0, total)
		}
		for i := range cnt {
			s := len(ai)
			ai = append(ai, sc.idx[i]...)
			inds[lo+i] = ai[s:len(ai):len(ai)]
			if needDist {
				for _, v := range sc.rd[i] {
					ad = append(ad, met.dist(v))
				}
				dists[lo+i] = ad[s:len(ad):len(ad)]
			}
		}
	})
	return inds, dists, nil
}

// precomputedWithin is within for precomputed distances: the columns of
// each row at most radius, in increasing index order.
func precomputedWithin(X *mat.Dense, radius float64, needDist bool) ([][]int, [][]float64) {
	m, _ := X.Dims()
	inds := make([][]int, m)
	var dists [][]float64
	if needDist {
		dists = make([][]float64, m)
	}
	for i := range m {
		inds[i] = []int{}
		if needDist {
			dists[i] = []float64{}
		}
		for j, v := range X.RawRowView(i) {
			if v <= radius {
				inds[i] = append(inds[i], j)
				if needDist {
					dists[i] = append(dists[i], v)
				}
			}
		}
	}
	return inds, dists
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
