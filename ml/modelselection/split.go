// Package modelselection splits data for model selection, like
// scikit-learn's sklearn.model_selection: TrainTestSplit with its test_size
// default, shuffling, random_state and stratification, and the
// cross-validators (KFold, StratifiedKFold, GroupKFold, LeaveOneOut,
// LeavePOut, ShuffleSplit, StratifiedShuffleSplit, RepeatedKFold,
// RepeatedStratifiedKFold, TimeSeriesSplit), registered by their
// scikit-learn names with their parameters declared on package param
// (NewSplitter). The cross-validators draw from numpy's legacy generator
// (internal/nprand), so their folds are scikit-learn 1.2's for the same
// random_state; TrainTestSplit draws from Go's PCG and matches
// scikit-learn's part sizes only. It works on row indices, so that any kind
// of data (a matrix, a table, a folder of images) can be split with it.
package modelselection

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/nprand"
)

// DefaultTestSize is the fraction of rows held out when Split.TestSize is
// 0, as in scikit-learn when test_size and train_size are both None.
const DefaultTestSize = 0.25

// NewRand returns the random generator used for a seed: a PCG from
// math/rand/v2 seeded with (seed, 0). The same seed gives the same split.
func NewRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0))
}

// Split holds the options of TrainTestSplit, named as scikit-learn's.
type Split struct {
	// TestSize in (0, 1) is the fraction of rows in the test part, rounded
	// up: n_test = ceil(TestSize*n) and n_train = n - n_test, as in
	// scikit-learn. A whole TestSize ≥ 1 is the number of test rows. 0
	// means DefaultTestSize.
	TestSize float64
	// NoShuffle keeps the rows in order (shuffle=False): the first n_train
	// rows are the training part, the rest the test part. It cannot be
	// combined with Stratify, as in scikit-learn.
	NoShuffle bool
	// RandomState seeds the shuffle (NewRand).
	RandomState int64
	// Stratify, when not nil (one class label per row), splits each class
	// in proportion.
	Stratify []float64
}

// TrainTestSplit returns the row indices of a training and a test part of n
// rows, like scikit-learn's train_test_split (see Split for the options).
//
// With Stratify, each class is split in proportion, allocating rows per
// class exactly as scikit-learn's StratifiedShuffleSplit does (its
// _approximate_mode), so the per-class counts in each part equal
// scikit-learn's; ties in the rounding are broken at random, as there. Every
// class needs at least two rows, and each part at least one row per class.
// Errors are *event.DataError values (bad input).
func TrainTestSplit(n int, o Split) (train, test []int, err error) {
	testSize, seed, stratify := o.TestSize, o.RandomState, o.Stratify
	if testSize == 0 {
		testSize = DefaultTestSize
	}
	if o.NoShuffle && stratify != nil {
		// scikit-learn 1.2 refuses this combination with the same words
		// (train_test_split raises ValueError): an ordered split cannot
		// be stratified.
		return nil, nil, event.DataErrorf("stratified train/test split is not implemented for shuffle=False")
	}
	if n <= 0 {
		return nil, nil, event.DataErrorf("no rows to split")
	}
	var nTest int
	switch {
	case testSize > 0 && testSize < 1:
		nTest = int(math.Ceil(testSize * float64(n)))
	case testSize >= 1 && testSize == math.Trunc(testSize) && testSize < float64(n):
		nTest = int(testSize)
	default:
		return nil, nil, event.DataErrorf("test_size=%s must be a fraction in (0, 1) or a whole number of rows in [1, %d)", fmtFloat(testSize), n)
	}
	nTrain := n - nTest
	if nTrain <= 0 {
		return nil, nil, event.DataErrorf("with %d rows, test_size=%s leaves the training set empty; use a smaller test_size", n, fmtFloat(testSize))
	}
	if o.NoShuffle {
		return seqFrom(0, nTrain), seqFrom(nTrain, n), nil
	}
	rng := NewRand(seed)
	if stratify == nil {
		perm := rng.Perm(n)
		return perm[nTest:], perm[:nTest], nil
	}
	if len(stratify) != n {
		return nil, nil, event.DataErrorf("stratify has %d labels for %d rows", len(stratify), n)
	}

	// Classes sorted ascending, and each row's class (np.unique).
	classes := make([]float64, 0, 16)
	pos := map[float64]int{}
	for i, v := range stratify {
		if math.IsNaN(v) {
			return nil, nil, event.DataErrorf("cannot stratify: label %d is missing (NaN)", i)
		}
		if _, ok := pos[v]; !ok {
			pos[v] = 0
			classes = append(classes, v)
		}
	}
	sort.Float64s(classes)
	for k, c := range classes {
		pos[c] = k
	}
	nc := len(classes)
	counts := make([]int, nc)
	members := make([][]int, nc) // row indices of each class, ascending
	for i, v := range stratify {
		k := pos[v]
		counts[k]++
		members[k] = append(members[k], i)
	}
	for k, c := range counts {
		if c < 2 {
			return nil, nil, event.DataErrorf("the least populated class (%s) has only 1 member, which is too few: a stratified split needs at least 2 rows in every class", fmtFloat(classes[k]))
		}
	}
	if nTrain < nc {
		return nil, nil, event.DataErrorf("test_size=%s leaves %d training rows for %d classes; a stratified split needs at least one row of each class in each part", fmtFloat(testSize), nTrain, nc)
	}
	if nTest < nc {
		return nil, nil, event.DataErrorf("test_size=%s gives %d test rows for %d classes; a stratified split needs at least one row of each class in each part", fmtFloat(testSize), nTest, nc)
	}

	nI := nprand.ApproximateMode(counts, nTrain, shuffleChoose(rng))
	rest := make([]int, nc)
	for k := range counts {
		rest[k] = counts[k] - nI[k]
	}
	tI := nprand.ApproximateMode(rest, nTest, shuffleChoose(rng))
	train = make([]int, 0, nTrain)
	test = make([]int, 0, nTest)
	for k := range counts {
		perm := rng.Perm(counts[k])
		for p, j := range perm[:nI[k]+tI[k]] {
			if p < nI[k] {
				train = append(train, members[k][j])
			} else {
				test = append(test, members[k][j])
			}
		}
	}
	rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	rng.Shuffle(len(test), func(i, j int) { test[i], test[j] = test[j], test[i] })
	return train, test, nil
}

// shuffleChoose draws k of n indices by shuffling them all with rng (the
// first k of the shuffle), as TrainTestSplit has always drawn its ties.
func shuffleChoose(rng *rand.Rand) func(n, k int) []int {
	return func(n, k int) []int {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		rng.Shuffle(n, func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		return idx[:k]
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// seqFrom returns lo, lo+1, ..., hi-1.
func seqFrom(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}
