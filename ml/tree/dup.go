package tree

import "math"

// Rows that are equal in every feature, in the target and in the weight
// (a bootstrap's repeated rows, as AdaBoostRegressor fits them) are
// interchangeable: any order of them leaves a node the same sequence of
// values, so the same sums and the same tree. A fast sort whose only ties
// are between such rows therefore gives the result scikit-learn's introsort
// gives, and need not be redone (builder.tiesMatter).

// useRowGroups is cleared by a test to grow the reference trees, whose
// ties all go through introsort.
var useRowGroups = true

// rowGroups returns, per row of the column-major n x d features xc, the
// smallest index of a row with the same features (bit for bit), or the
// row's own index where a hash collision hides it: a row put in a group
// of its own only costs time, never a different tree.
func rowGroups(xc []float32, n, d int, dst []int32) []int32 {
	dst = grown(dst, n)
	first := make(map[uint64]int32, n)
	for i := range n {
		h := uint64(14695981039346656037)
		for f := range d {
			h ^= uint64(math.Float32bits(xc[f*n+i]))
			h *= 1099511628211
		}
		j, ok := first[h]
		if !ok {
			first[h] = int32(i)
			dst[i] = int32(i)
			continue
		}
		same := true
		for f := range d {
			if math.Float32bits(xc[f*n+i]) != math.Float32bits(xc[f*n+int(j)]) {
				same = false
				break
			}
		}
		if same {
			dst[i] = j
		} else {
			dst[i] = int32(i)
		}
	}
	return dst
}

// sameRow reports whether rows i and j are interchangeable: the same
// features (b.groups), target and weight, bit for bit.
func (b *builder) sameRow(i, j int32) bool {
	if b.groups[i] != b.groups[j] {
		return false
	}
	if b.yValues != nil && math.Float64bits(b.yValues[i]) != math.Float64bits(b.yValues[j]) {
		return false
	}
	if b.yClasses != nil && b.yClasses[i] != b.yClasses[j] {
		return false
	}
	return b.weights == nil || math.Float64bits(b.weights[i]) == math.Float64bits(b.weights[j])
}

// tiesMatter reports whether sorted a holds two equal values whose order
// can change the tree: values of rows that are not interchangeable.
func (b *builder) tiesMatter(a []pair) bool {
	if b.groups == nil {
		return hasTies(a)
	}
	for k := 1; k < len(a); k++ {
		if a[k].v == a[k-1].v && !b.sameRow(a[k].i, a[k-1].i) {
			return true
		}
	}
	return false
}
