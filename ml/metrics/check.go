package metrics

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// checkPair checks that yTrue and yPred are non-empty, of equal length and
// finite.
func checkPair(yTrue, yPred []float64) error {
	if len(yTrue) == 0 {
		return ml.DataErrorf("y_true is empty: expected at least one sample")
	}
	if len(yPred) != len(yTrue) {
		return ml.DataErrorf("y_true has %d values but y_pred has %d: expected the same length", len(yTrue), len(yPred))
	}
	if err := checkFinite("y_true", yTrue); err != nil {
		return err
	}
	return checkFinite("y_pred", yPred)
}

// checkFinite returns a *ml.DataError naming the first NaN or infinite value.
func checkFinite(name string, y []float64) error {
	if allFinite(y) {
		return nil
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ml.DataErrorf("%s[%d] is %v: expected a finite number", name, i, v)
		}
	}
	return nil
}

// allFinite reports whether y holds no NaN or infinity, branch-free: v*0 is
// ±0 for a finite v and NaN otherwise, and NaN stays in a sum.
func allFinite(y []float64) bool {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(y); i += 4 {
		s0 += y[i] * 0
		s1 += y[i+1] * 0
		s2 += y[i+2] * 0
		s3 += y[i+3] * 0
	}
	for ; i < len(y); i++ {
		s0 += y[i] * 0
	}
	return s0+s1+s2+s3 == 0
}

// checkScores checks a score or probability matrix against yTrue.
func checkScores(yTrue []float64, proba *mat.Dense) error {
	if len(yTrue) == 0 {
		return ml.DataErrorf("y_true is empty: expected at least one sample")
	}
	if err := checkFinite("y_true", yTrue); err != nil {
		return err
	}
	if proba == nil || proba.IsEmpty() {
		return ml.DataErrorf("y_score is empty: expected one row of scores per sample")
	}
	r, c := proba.Dims()
	if r != len(yTrue) {
		return ml.DataErrorf("y_true has %d values but y_score has %d rows: expected the same length", len(yTrue), r)
	}
	raw := proba.RawMatrix()
	for i := 0; i < r; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ml.DataErrorf("y_score[%d, %d] is %v: expected a finite number", i, j, v)
			}
		}
	}
	return nil
}

// checkSortedClasses checks that classes are strictly increasing, the order
// in which Classes() returns them and in which probability columns are laid
// out.
func checkSortedClasses(classes []float64) error {
	if err := checkFinite("classes", classes); err != nil {
		return err
	}
	for i := 1; i < len(classes); i++ {
		if !(classes[i] > classes[i-1]) {
			return ml.DataErrorf("classes must be sorted ascending without duplicates (as Classes() returns them), got %v", classes)
		}
	}
	return nil
}

// smallIntLimit bounds the label values handled by the table fast paths.
const smallIntLimit = 1 << 16

func isSmallInt(v float64) bool {
	return v >= 0 && v < smallIntLimit && v == math.Trunc(v)
}

// uniqueLabels returns the sorted distinct values of all the slices, like
// sklearn's unique_labels.
func uniqueLabels(ys ...[]float64) []float64 {
	var seen []bool
	var other map[float64]struct{}
	for _, y := range ys {
		for _, v := range y {
			if isSmallInt(v) {
				k := int(v)
				if k >= len(seen) {
					seen = append(seen, make([]bool, k+1-len(seen))...)
				}
				seen[k] = true
				continue
			}
			if other == nil {
				other = map[float64]struct{}{}
			}
			other[v] = struct{}{}
		}
	}
	out := make([]float64, 0, len(other)+8)
	for k, s := range seen {
		if s {
			out = append(out, float64(k))
		}
	}
	for v := range other {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// labelIndexer maps label values to their position in a label list; values
// not in the list map to -1.
type labelIndexer struct {
	table  []int32 // for small non-negative integer labels, -1 when absent
	sorted []float64
	pos    []int
	n      int
}

func newLabelIndexer(labels []float64) *labelIndexer {
	li := &labelIndexer{n: len(labels)}
	small := true
	hi := 0
	for _, v := range labels {
		if !isSmallInt(v) {
			small = false
			break
		}
		hi = max(hi, int(v))
	}
	if small {
		li.table = make([]int32, hi+1)
		for i := range li.table {
			li.table[i] = -1
		}
		for i, v := range labels {
			if li.table[int(v)] < 0 {
				li.table[int(v)] = int32(i)
			}
		}
		return li
	}
	idx := make([]int, len(labels))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case labels[a] < labels[b]:
			return -1
		case labels[a] > labels[b]:
			return 1
		}
		return 0
	})
	li.pos = idx
	li.sorted = make([]float64, len(labels))
	for i, k := range idx {
		li.sorted[i] = labels[k]
	}
	return li
}

// index returns the position of v in the label list, or -1.
func (li *labelIndexer) index(v float64) int {
	if li.table != nil {
		if v >= 0 && v < float64(len(li.table)) && v == math.Trunc(v) {
			return int(li.table[int(v)])
		}
		return -1
	}
	i, found := slices.BinarySearch(li.sorted, v)
	if !found {
		return -1
	}
	return li.pos[i]
}

// pairwiseSum adds x the way numpy's add.reduce does for a contiguous array
// (blocks of 128 summed with eight accumulators, halves added recursively),
// so that means agree with numpy's to the last bit or nearly.
func pairwiseSum(x []float64) float64 {
	n := len(x)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range x {
			s += v
		}
		return s
	case n <= 128:
		r0, r1, r2, r3 := x[0], x[1], x[2], x[3]
		r4, r5, r6, r7 := x[4], x[5], x[6], x[7]
		i := 8
		for ; i < n-n%8; i += 8 {
			r0 += x[i]
			r1 += x[i+1]
			r2 += x[i+2]
			r3 += x[i+3]
			r4 += x[i+4]
			r5 += x[i+5]
			r6 += x[i+6]
			r7 += x[i+7]
		}
		s := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
		for ; i < n; i++ {
			s += x[i]
		}
		return s
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(x[:n2]) + pairwiseSum(x[n2:])
}

// pairwiseBlocks sums the n terms lo, lo+1, ... in numpy's pairwise order
// (the order of pairwiseSum): fill writes the terms starting at lo into dst,
// at most 128 at a time, so the per-term work stays in fill's tight loop.
func pairwiseBlocks(lo, n int, fill func(lo int, dst []float64)) float64 {
	var buf [128]float64
	return pairwiseBlocksBuf(lo, n, fill, buf[:])
}

func pairwiseBlocksBuf(lo, n int, fill func(lo int, dst []float64), buf []float64) float64 {
	if n <= 128 {
		b := buf[:n]
		fill(lo, b)
		return pairwiseSum(b)
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseBlocksBuf(lo, n2, fill, buf) + pairwiseBlocksBuf(lo+n2, n-n2, fill, buf)
}
