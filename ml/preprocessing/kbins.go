package preprocessing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name:   "KBinsDiscretizer",
		Task:   ml.Transform,
		Family: "preprocessing",
		Doc:    "bin continuous features into intervals (uniform, quantile or k-means edges), encoded as one-hot columns or bin indices",
		New:    func() ml.Estimator { return NewKBinsDiscretizer() },
	})
}

// KBinsDiscretizer bins each feature into n_bins intervals (one count for
// every feature, or a list with one per feature) as scikit-learn 1.2's
// KBinsDiscretizer does: with strategy "uniform" the edges are evenly
// spaced between the minimum and the maximum, with "quantile" (the default)
// they are numpy.percentile's linear quantiles, and with "kmeans" they lie
// halfway between the sorted centres of a one-dimensional k-means (Lloyd's
// algorithm started from the centres of the uniform bins, as
// KMeans(n_clusters, init=..., n_init=1) runs it). With "quantile" and
// "kmeans" bins narrower than 1e-8 are removed, so a feature may end with
// fewer bins (n_bins_); a constant feature gets one bin (-inf, inf).
//
// Transform gives each value the index of its bin (values below the first
// edge or above the last fall in the first or last bin). Encode "ordinal"
// returns the indices; "onehot" and "onehot-dense" return one column per bin
// of each feature. scikit-learn returns a sparse matrix for "onehot": mlforge
// returns the same values as a dense matrix for both.
//
// NaN is refused, as in scikit-learn (impute first). The optional Subsample
// (quantile strategy only) fits on that many rows drawn as
// numpy.random.RandomState(random_state).choice draws them; null, the
// default, uses every row, as scikit-learn 1.2's subsample="warn" does
// below 200,000 rows.
type KBinsDiscretizer struct {
	NBins       BinCounts `json:"n_bins" min:"2" max:"1048576" help:"the number of bins: one integer for every feature, or a list with one per feature"`
	Encode      string    `json:"encode" enum:"onehot,onehot-dense,ordinal" help:"onehot and onehot-dense: one 0/1 column per bin (dense in both cases); ordinal: the bin index"`
	Strategy    string    `json:"strategy" enum:"uniform,quantile,kmeans" help:"how the edges are placed: evenly, at quantiles, or between 1-d k-means centres"`
	Subsample   int       `json:"subsample" min:"1" nullable:"true" help:"fit the quantiles on at most this many rows drawn at random (strategy quantile only); null (or 0) uses all rows"`
	RandomState int       `json:"random_state" min:"0" max:"4294967295" nullable:"true" help:"seed of the subsample draw; null means 0"`

	nIn   int
	nBins []int
	edges [][]float64
}

// BinCounts is KBinsDiscretizer's n_bins: one count N for every feature,
// or a List with one count per feature. In JSON it is an integer or a list
// of integers.
type BinCounts struct {
	N    int
	List []int
}

// MarshalJSON writes the value as it is read.
func (b BinCounts) MarshalJSON() ([]byte, error) {
	if b.List != nil {
		return json.Marshal(b.List)
	}
	return json.Marshal(b.N)
}

// UnmarshalJSON reads an integer or a non-empty list of integers.
func (b *BinCounts) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var l []int
		if err := json.Unmarshal(data, &l); err != nil || len(l) == 0 {
			return fmt.Errorf("n_bins: expected an integer or a non-empty list of integers, got %s", data)
		}
		*b = BinCounts{List: l}
		return nil
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("n_bins: expected an integer or a list of integers, got %s", data)
	}
	*b = BinCounts{N: n}
	return nil
}

// ParamType names the type in the catalogue.
func (BinCounts) ParamType() (string, string) {
	return "int", "an integer ≥ 2 or a list of integers ≥ 2, one per feature"
}

// ParamNumbers returns the counts, which the bounds apply to.
func (b BinCounts) ParamNumbers() []float64 {
	if b.List == nil {
		return []float64{float64(b.N)}
	}
	out := make([]float64, len(b.List))
	for i, v := range b.List {
		out[i] = float64(v)
	}
	return out
}

// most returns the largest count.
func (b BinCounts) most() int {
	if b.List == nil {
		return b.N
	}
	return slices.Max(b.List)
}

// NewKBinsDiscretizer returns a KBinsDiscretizer with scikit-learn's
// defaults: n_bins 5, encode onehot, strategy quantile, no subsample.
func NewKBinsDiscretizer() *KBinsDiscretizer {
	return &KBinsDiscretizer{NBins: BinCounts{N: 5}, Encode: "onehot", Strategy: "quantile"}
}

// Validate refuses a subsample with a strategy other than quantile, as
// scikit-learn does.
func (s *KBinsDiscretizer) Validate() error {
	if s.Subsample != 0 && s.Strategy != "quantile" {
		return &ml.ParamError{Param: "subsample", Expected: "null unless strategy is quantile", Got: fmt.Sprint(s.Subsample)}
	}
	return nil
}

// refuseNaN is checkX for transformers that do not take missing values: it
// names the first NaN and says to impute it.
func refuseNaN(class string, X *mat.Dense, nFeatures int) error {
	hasNaN, err := checkX(class, X, nFeatures, true)
	if err != nil || !hasNaN {
		return err
	}
	r, c := X.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if math.IsNaN(X.At(i, j)) {
				return ml.DataErrorf("X[%d, %d] is NaN: %s does not accept missing values; impute them first (a SimpleImputer step before it)", i, j, class)
			}
		}
	}
	return nil
}

// linspace is numpy.linspace(a, b, num) for num ≥ 2 and a ≠ b: i·step + a,
// with the last value b exactly.
func linspace(a, b float64, num int) []float64 {
	out := make([]float64, num)
	step := (b - a) / float64(num-1)
	for i := range out {
		out[i] = float64(i)*step + a
	}
	out[num-1] = b
	return out
}

// Fit computes the bin edges of every feature. y is ignored.
func (s *KBinsDiscretizer) Fit(ctx context.Context, X *mat.Dense, _ []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(s); err != nil {
		return err
	}
	if err := refuseNaN("KBinsDiscretizer", X, 0); err != nil {
		return err
	}
	data, r, c := rows(X)
	if l := s.NBins.List; l != nil && len(l) != c {
		return &ml.ParamError{Param: "n_bins", Expected: fmt.Sprintf("an integer or a list of %d integers, one per feature of X", c), Got: fmt.Sprintf("a list of %d", len(l))}
	}
	var idx []int // the subsampled rows, nil for all
	if s.Strategy == "quantile" && s.Subsample != 0 && r > s.Subsample {
		idx = nprand.New(uint32(s.RandomState)).Choice(r, s.Subsample)
	}
	progress, every := ml.ProgressFrom(ctx), max(1, c/100)
	nBins := make([]int, c)
	edges := make([][]float64, c)
	col := make([]float64, 0, r)
	for j := 0; j < c; j++ {
		if j%every == 0 {
			progress.Report(ml.Event{Kind: "step", Step: j + 1, Total: c, Message: "binning the features"})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		col = col[:0]
		if idx != nil {
			for _, i := range idx {
				col = append(col, data[i*c+j])
			}
		} else {
			for i := 0; i < r; i++ {
				col = append(col, data[i*c+j])
			}
		}
		lo, hi := slices.Min(col), slices.Max(col)
		nb := s.NBins.N
		if s.NBins.List != nil {
			nb = s.NBins.List[j]
		}
		if lo == hi {
			nBins[j], edges[j] = 1, []float64{math.Inf(-1), math.Inf(1)}
			continue
		}
		var e []float64
		switch s.Strategy {
		case "uniform":
			e = linspace(lo, hi, nb+1)
		case "quantile":
			slices.Sort(col)
			qs := linspace(0, 100, nb+1)
			e = make([]float64, nb+1)
			for t, q := range qs {
				e[t] = percentile(col, q/100)
			}
		case "kmeans":
			if len(col) < nb {
				return ml.DataErrorf("X has %d samples: strategy kmeans needs at least n_bins (%d) samples, one per k-means cluster", len(col), nb)
			}
			u := linspace(lo, hi, nb+1)
			init := make([]float64, nb)
			for t := range init {
				init[t] = (u[t+1] + u[t]) * 0.5
			}
			centers := kmeans1D(col, init)
			slices.Sort(centers)
			e = make([]float64, 0, nb+1)
			e = append(e, lo)
			for t := 1; t < nb; t++ {
				e = append(e, (centers[t]+centers[t-1])*0.5)
			}
			e = append(e, hi)
		}
		if s.Strategy != "uniform" {
			// np.ediff1d(edges, to_begin=np.inf) > 1e-8: each edge is
			// compared with the one before it in the unfiltered list.
			kept := []float64{e[0]}
			for t := 1; t < len(e); t++ {
				if e[t]-e[t-1] > 1e-8 {
					kept = append(kept, e[t])
				}
			}
			e = kept
		}
		nBins[j], edges[j] = len(e)-1, e
	}
	s.nIn, s.nBins, s.edges = c, nBins, edges
	return nil
}

// kmeans1D runs scikit-learn 1.2's KMeans(n_clusters=len(init), init=init,
// n_init=1) (Lloyd's algorithm, max_iter 300, tol 1e-4 times the variance)
// on one feature and returns the centres: the data and the initial centres
// are centred on the mean first, as KMeans.fit does, empty clusters are
// moved to the points farthest from their centres, and the loop stops when
// no label changes or the centres moved by at most tol in all.
func kmeans1D(col, init []float64) []float64 {
	n, k := len(col), len(init)
	x := make([]float64, n)
	tol := npVar(col, x) * 1e-4
	mean := f64.PairwiseSum(col) / float64(n)
	for i, v := range col {
		x[i] = v - mean
	}
	centers := make([]float64, k)
	for t, v := range init {
		centers[t] = v - mean
	}
	next := make([]float64, k)
	w := make([]float64, k)
	labels, old := make([]int, n), make([]int, n)
	for i := range old {
		old[i] = -1
	}
	assign := func() {
		for i, v := range x {
			// ||c||² - 2·x·c, each product rounded (no fused multiply-add).
			best, bd := 0, float64(centers[0]*centers[0])-2*float64(v*centers[0])
			for t := 1; t < k; t++ {
				if d := float64(centers[t]*centers[t]) - 2*float64(v*centers[t]); d < bd {
					best, bd = t, d
				}
			}
			labels[i] = best
		}
	}
	for it := 0; it < 300; it++ {
		assign()
		clear(next)
		clear(w)
		for i, v := range x {
			w[labels[i]]++
			next[labels[i]] += v
		}
		var empty []int
		for t := range w {
			if w[t] == 0 {
				empty = append(empty, t)
			}
		}
		if len(empty) > 0 {
			far := make([]int, n)
			dist := make([]float64, n)
			for i, v := range x {
				far[i] = i
				d := v - centers[labels[i]]
				dist[i] = float64(d * d)
			}
			sort.SliceStable(far, func(a, b int) bool { return dist[far[a]] > dist[far[b]] })
			for e, t := range empty {
				i := far[e]
				next[labels[i]] -= x[i]
				next[t] = x[i]
				w[t] = 1
				w[labels[i]]--
			}
		}
		var shift float64
		for t := range next {
			if w[t] > 0 {
				next[t] *= 1 / w[t]
			}
			d := next[t] - centers[t]
			shift += float64(d * d)
		}
		centers, next = next, centers
		if slices.Equal(labels, old) {
			break
		}
		if shift <= tol {
			break
		}
		copy(old, labels)
	}
	for t := range centers {
		centers[t] += mean
	}
	return centers
}

func (s *KBinsDiscretizer) ready(X *mat.Dense, width int) error {
	if s.nIn == 0 {
		return ml.NotFittedError("KBinsDiscretizer")
	}
	return refuseNaN("KBinsDiscretizer", X, width)
}

// outputs returns the number of columns Transform makes.
func (s *KBinsDiscretizer) outputs() int {
	if s.Encode == "ordinal" {
		return s.nIn
	}
	k := 0
	for _, b := range s.nBins {
		k += b
	}
	return k
}

// bin returns the bin of v in feature j: numpy.searchsorted(edges[1:-1], v,
// side="right").
func (s *KBinsDiscretizer) bin(j int, v float64) int {
	inner := s.edges[j][1 : len(s.edges[j])-1]
	return sort.Search(len(inner), func(t int) bool { return inner[t] > v })
}

// Transform returns the bin indices (encode ordinal) or their one-hot
// columns, feature after feature.
func (s *KBinsDiscretizer) Transform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X, s.nIn); err != nil {
		return nil, err
	}
	data, r, c := rows(X)
	k := s.outputs()
	if int64(r)*int64(k) > 1<<31 {
		return nil, ml.DataErrorf("KBinsDiscretizer would output %d×%d values, more than 2^31", r, k)
	}
	out := make([]float64, r*k)
	forRows(r, k, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst := out[i*k : (i+1)*k]
			off := 0
			for j, v := range data[i*c : (i+1)*c] {
				b := s.bin(j, v)
				if s.Encode == "ordinal" {
					dst[j] = float64(b)
					continue
				}
				dst[off+b] = 1
				off += s.nBins[j]
			}
		}
	})
	return mat.NewDense(r, k, out), nil
}

// InverseTransform maps bin indices (or one-hot columns) back to the
// centres of the bins. A one-hot block of zeros is an error, as in
// scikit-learn; of several ones the first counts. An ordinal index outside
// [0, n_bins_) is an error (scikit-learn's indexing would wrap a negative
// one around).
func (s *KBinsDiscretizer) InverseTransform(X *mat.Dense) (*mat.Dense, error) {
	if err := s.ready(X, s.outputs()); err != nil {
		return nil, err
	}
	data, r, k := rows(X)
	c := s.nIn
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		src := data[i*k : (i+1)*k]
		off := 0
		for j := 0; j < c; j++ {
			nb := s.nBins[j]
			var b int
			if s.Encode == "ordinal" {
				v := src[j]
				if !(v > -1 && v < float64(nb)) {
					return nil, ml.DataErrorf("X[%d, %d] is %v: feature %d has %d bins, expected a bin index in [0, %d)", i, j, v, j, nb, nb)
				}
				b = int(v)
			} else {
				block := src[off : off+nb]
				b = 0
				for t, v := range block {
					if v > block[b] {
						b = t
					}
				}
				var sum float64
				for _, v := range block {
					sum += v
				}
				if sum == 0 {
					return nil, ml.DataErrorf("row %d: the one-hot columns %d to %d of feature %d are all zero and cannot be inverted", i, off, off+nb-1, j)
				}
				off += nb
			}
			e := s.edges[j]
			out[i*c+j] = (e[b+1] + e[b]) * 0.5
		}
	}
	return mat.NewDense(r, c, out), nil
}

// BinEdges returns bin_edges_: the edges of each feature's bins, or nil
// before Fit.
func (s *KBinsDiscretizer) BinEdges() [][]float64 {
	if s.edges == nil {
		return nil
	}
	out := make([][]float64, len(s.edges))
	for j, e := range s.edges {
		out[j] = clone(e)
	}
	return out
}

// NBinsFitted returns n_bins_, the number of bins of each feature, or nil
// before Fit.
func (s *KBinsDiscretizer) NBinsFitted() []int { return slices.Clone(s.nBins) }

// NFeaturesIn returns n_features_in_, or 0 before Fit.
func (s *KBinsDiscretizer) NFeaturesIn() int { return s.nIn }

// MarshalState returns n_features_in_, n_bins_ and bin_edges_ (the edges
// of all features, concatenated).
func (s *KBinsDiscretizer) MarshalState() (*ml.State, error) {
	if s.nIn == 0 {
		return nil, ml.NotFittedError("KBinsDiscretizer")
	}
	st := ml.NewState()
	st.SetAttr("n_features_in_", s.nIn)
	st.SetInts("n_bins_", s.nBins)
	var all []float64
	for _, e := range s.edges {
		all = append(all, e...)
	}
	st.SetFloats("bin_edges_", all)
	return st, nil
}

// UnmarshalState restores state written by MarshalState, checking that
// every feature's edges are ascending and that only a single bin is
// unbounded.
func (s *KBinsDiscretizer) UnmarshalState(st *ml.State) error {
	n, err := nFeatures(st)
	if err != nil {
		return err
	}
	nBins, _, err := st.Ints("n_bins_", 1, 1<<20, n)
	if err != nil {
		return err
	}
	total := 0
	for _, b := range nBins {
		total += b + 1
	}
	all, err := vector(st, "bin_edges_", total)
	if err != nil {
		return err
	}
	edges := make([][]float64, n)
	off := 0
	for j, b := range nBins {
		e := all[off : off+b+1 : off+b+1]
		off += b + 1
		for t, v := range e {
			if math.IsNaN(v) || (math.IsInf(v, 0) && b > 1) || (t > 0 && v < e[t-1]) {
				return fmt.Errorf("state: bin_edges_ of feature %d are %v, expected ascending finite edges (or [-inf, inf] for one bin)", j, e)
			}
		}
		edges[j] = e
	}
	s.nIn, s.nBins, s.edges = n, nBins, edges
	return nil
}

// EstimateMemory bounds Fit's memory (the edges of every feature, a sorted
// copy of one column, the k-means labels) and the output of Transform: n
// rows of n_bins columns per feature with a one-hot encoding, of one per
// feature with ordinal.
func (s *KBinsDiscretizer) EstimateMemory(n, p, k int) int64 {
	N, P := int64(max(n, 1)), int64(max(p, 1))
	width := P
	if s.Encode != "ordinal" {
		width = budget.Mul(P, int64(max(s.NBins.most(), 1)))
	}
	fit := budget.Add(estimateColumns(n, p, max(s.NBins.most(), 1)+1), budget.Mul(24, N))
	return budget.Add(fit, budget.Mul(8, N, width))
}
