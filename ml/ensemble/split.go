package ensemble

import (
	"math"
	"slices"

	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/tree"
	"gonum.org/v1/gonum/mat"
)

// permutation is RandomState.permutation(n): a Fisher-Yates shuffle of
// 0..n-1 from the end, as numpy's legacy shuffle.
func permutation(n int, r *tree.RandomState) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i >= 1; i-- {
		j := r.Randint(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// splitSizes is scikit-learn's _validate_shuffle_split for a float
// test_size: ceil(test·n) test rows, the others for training.
func splitSizes(n int, test float64) (int, int, error) {
	nTest := int(math.Ceil(test * float64(n)))
	nTrain := n - nTest
	if nTrain < 1 || nTest < 1 {
		return 0, 0, ml.DataErrorf("validation_fraction %v of %d rows leaves %d training and %d validation rows: early stopping needs at least one of each", test, n, nTrain, nTest)
	}
	return nTrain, nTest, nil
}

// shuffleSplit is train_test_split(..., test_size=test,
// random_state=seed): a permutation whose first ceil(test·n) rows are the
// test rows.
func shuffleSplit(n int, test float64, seed uint32) (train, val []int, err error) {
	nTrain, nTest, err := splitSizes(n, test)
	if err != nil {
		return nil, nil, err
	}
	p := permutation(n, tree.NewRandomState(seed))
	return p[nTest : nTest+nTrain], p[:nTest], nil
}

// stratifiedSplit is train_test_split with stratify=y:
// StratifiedShuffleSplit's first split, draw for draw.
func stratifiedSplit(y []int, test float64, seed uint32) (train, val []int, err error) {
	n := len(y)
	nTrain, nTest, err := splitSizes(n, test)
	if err != nil {
		return nil, nil, err
	}
	nc := slices.Max(y) + 1
	counts := make([]int, nc)
	for _, c := range y {
		counts[c]++
	}
	classes := 0
	for _, c := range counts {
		if c == 1 {
			return nil, nil, ml.DataErrorf("a class has a single sample: early stopping's stratified validation split needs at least 2 per class")
		}
		if c > 0 {
			classes++
		}
	}
	if nTrain < classes || nTest < classes {
		return nil, nil, ml.DataErrorf("validation_fraction %v gives %d training and %d validation rows for %d classes: each needs at least one row per class", test, nTrain, nTest, classes)
	}
	// Only classes present take part (np.unique).
	var present []int
	var pc []int
	for c, k := range counts {
		if k > 0 {
			present = append(present, c)
			pc = append(pc, k)
		}
	}
	byClass := make([][]int, len(present))
	pos := make(map[int]int, len(present))
	for i, c := range present {
		pos[c] = i
	}
	for i, c := range y {
		byClass[pos[c]] = append(byClass[pos[c]], i)
	}
	r := tree.NewRandomState(seed)
	choice := func(n, k int) []int { return permutation(n, r)[:k] }
	ni := nprand.ApproximateMode(pc, nTrain, choice)
	rem := make([]int, len(pc))
	for i := range pc {
		rem[i] = pc[i] - ni[i]
	}
	ti := nprand.ApproximateMode(rem, nTest, choice)
	var tr, te []int
	for i := range present {
		perm := permutation(pc[i], r)
		for j, q := range perm {
			switch {
			case j < ni[i]:
				tr = append(tr, byClass[i][q])
			case j < ni[i]+ti[i]:
				te = append(te, byClass[i][q])
			}
		}
	}
	trp := permutation(len(tr), r)
	tep := permutation(len(te), r)
	train, val = make([]int, len(tr)), make([]int, len(te))
	for i, q := range trp {
		train[i] = tr[q]
	}
	for i, q := range tep {
		val[i] = te[q]
	}
	return train, val, nil
}

func takeRows(X *mat.Dense, idx []int) *mat.Dense {
	_, c := X.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for i, r := range idx {
		out.SetRow(i, X.RawRowView(r))
	}
	return out
}

func take(v []float64, idx []int) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(idx))
	for i, r := range idx {
		out[i] = v[r]
	}
	return out
}

func takeInts(v []int, idx []int) []int {
	out := make([]int, len(idx))
	for i, r := range idx {
		out[i] = v[r]
	}
	return out
}
