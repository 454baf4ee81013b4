package ensemble

import (
	"fmt"
	"math"
	"slices"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

// binSubsample is _BinMapper's subsample: the thresholds are computed on
// at most this many rows.
const binSubsample = 200000

// almostInf is ALMOST_INF, the upper clip of the thresholds.
const almostInf = 1e300

// binMapper is scikit-learn's _BinMapper for numerical features: per
// feature the increasing thresholds that separate its bins (value x is in
// bin i when thresholds[i-1] < x ≤ thresholds[i]); NaN goes to the last
// bin, missingBin.
type binMapper struct {
	thresholds [][]float64
	// nBinsNonMissing is len(thresholds[j])+1.
	nBinsNonMissing []int
	missingBin      int
	// cat marks the categorical features, whose thresholds are their
	// categories; an unknown category bins as missing.
	cat []bool
}

// fitBinMapper is _BinMapper.fit: thresholds from the rows of X, or from
// binSubsample rows drawn by RandomState(seed).choice(n, binSubsample,
// replace=False) when X has more.
func fitBinMapper(X *mat.Dense, maxBins int, seed uint32, categories [][]float64) *binMapper {
	bm := fitBinMapperSub(X, maxBins, binSubsample, seed)
	if categories != nil {
		bm.cat = make([]bool, len(categories))
	}
	for j, c := range categories {
		if c != nil {
			bm.cat[j] = true
			bm.thresholds[j] = c
			bm.nBinsNonMissing[j] = len(c)
		}
	}
	return bm
}

// checkCategories is _check_categories: the sorted distinct values of
// each categorical feature (nil for the others), which must be integers in
// [0, max_bins), NaN for missing.
func checkCategories(X *mat.Dense, idx []int, maxBins int) ([][]float64, error) {
	if idx == nil {
		return nil, nil
	}
	n, nf := X.Dims()
	out := make([][]float64, nf)
	for _, j := range idx {
		if j < 0 || j >= nf {
			return nil, &ml.ParamError{Param: "categorical_features", Msg: fmt.Sprintf("index %d is not a feature of X, which has %d", j, nf)}
		}
		if out[j] != nil {
			return nil, &ml.ParamError{Param: "categorical_features", Msg: fmt.Sprintf("index %d is given twice", j)}
		}
		c := make([]float64, 0, n)
		for i := range n {
			v := X.At(i, j)
			if math.IsNaN(v) {
				continue
			}
			if v < 0 || v >= float64(maxBins) || v != math.Trunc(v) {
				return nil, ml.DataErrorf("X[%d, %d] is %v: categorical feature %d must be encoded as integers in [0, max_bins) = [0, %d), NaN for missing", i, j, v, j, maxBins)
			}
			c = append(c, v)
		}
		slices.Sort(c)
		out[j] = slices.Clip(slices.Compact(c))
	}
	return out, nil
}

// fitBinMapperSub is fitBinMapper with another subsample size.
func fitBinMapperSub(X *mat.Dense, maxBins, subsample int, seed uint32) *binMapper {
	n, nf := X.Dims()
	rows := []int(nil)
	if n > subsample {
		rows = choiceNoReplace(n, subsample, tree.NewRandomState(seed))
	}
	bm := &binMapper{thresholds: make([][]float64, nf), nBinsNonMissing: make([]int, nf), missingBin: maxBins}
	raw := X.RawMatrix()
	parallelBlocks(nf, min(runtimeProcs(), nf), func(j int) {
		var col []float64
		if rows == nil {
			col = make([]float64, 0, n)
			for i := range n {
				if v := raw.Data[i*raw.Stride+j]; !math.IsNaN(v) {
					col = append(col, v)
				}
			}
		} else {
			col = make([]float64, 0, len(rows))
			for _, i := range rows {
				if v := raw.Data[i*raw.Stride+j]; !math.IsNaN(v) {
					col = append(col, v)
				}
			}
		}
		t := binThresholds(col, maxBins)
		bm.thresholds[j] = t
		bm.nBinsNonMissing[j] = len(t) + 1
	})
	return bm
}

// binThresholds is _find_binning_thresholds: midpoints between distinct
// values when there are at most maxBins of them, otherwise the
// percentiles linspace(0, 100, maxBins+1)[1:-1] by numpy's "midpoint"
// method. col is sorted in place.
func binThresholds(col []float64, maxBins int) []float64 {
	slices.Sort(col)
	distinct := slices.Compact(slices.Clone(col))
	var mid []float64
	if len(distinct) <= maxBins {
		mid = make([]float64, max(len(distinct)-1, 0))
		for i := range mid {
			mid[i] = (distinct[i] + distinct[i+1]) * 0.5
		}
	} else {
		mid = make([]float64, maxBins-1)
		n := len(col)
		step := 100 / float64(maxBins)
		for i := range mid {
			q := float64(i+1) * step / 100
			vi := float64(n-1) * q
			lo, hi := math.Floor(vi), math.Ceil(vi)
			v := 0.5 * (lo + hi)
			prev := math.Floor(v)
			next := min(prev+1, float64(n-1))
			a, b := col[int(prev)], col[int(next)]
			if v == math.Trunc(v) {
				// gamma 0: a + (b-a)·0.
				mid[i] = a + (b-a)*0
			} else {
				mid[i] = b - (b-a)*0.5
			}
		}
	}
	for i, v := range mid {
		mid[i] = min(v, almostInf)
	}
	return mid
}

// choiceNoReplace is RandomState.choice(n, size, replace=False): the first
// size entries of permutation(n).
func choiceNoReplace(n, size int, rng *tree.RandomState) []int {
	return permutation(n, rng)[:size]
}

// bin maps one value to its bin (_map_to_bins): the number of
// thresholds below it, NaN to the missing bin.
func (bm *binMapper) bin(j int, v float64) uint8 {
	if math.IsNaN(v) {
		return uint8(bm.missingBin)
	}
	t := bm.thresholds[j]
	lo, hi := 0, len(t)
	for lo < hi {
		mid := lo + (hi-lo-1)/2
		if v <= t[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if bm.cat != nil && bm.cat[j] && (lo == len(t) || t[lo] != v) {
		return uint8(bm.missingBin)
	}
	return uint8(lo)
}

// transform returns X binned, feature-major: column j's bins are
// out[j*n : (j+1)*n].
func (bm *binMapper) transform(X *mat.Dense) []uint8 {
	n, nf := X.Dims()
	out := make([]uint8, n*nf)
	raw := X.RawMatrix()
	parallelBlocks(nf, min(runtimeProcs(), nf), func(j int) {
		col := out[j*n : (j+1)*n]
		for i := range n {
			col[i] = bm.bin(j, raw.Data[i*raw.Stride+j])
		}
	})
	return out
}
