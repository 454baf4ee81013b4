package modelselection

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/param"
)

// Fold is one split of a cross-validator: the row indices of its training
// and test parts.
type Fold struct {
	Train, Test []int
}

// Splitter is a cross-validator of scikit-learn's sklearn.model_selection:
// it splits n rows into folds. y holds one class label per row (the
// stratified splitters need it; others ignore it) and groups one group
// label per row (GroupKFold needs it). Folds are those scikit-learn 1.2
// makes for the same parameters and seed, indices in the same order.
// Errors about the data are *event.DataError values.
type Splitter interface {
	Split(n int, y, groups []float64) ([]Fold, error)
	// NSplits returns the number of folds Split makes for n rows
	// (get_n_splits), or an error when that number exceeds MaxFolds.
	NSplits(n int) (int, error)
}

// MaxFolds is the largest number of folds a splitter makes: more (a
// LeavePOut of many rows, for instance) is refused before any fold is made.
const MaxFolds = 100000

// SplitterClass is a registered cross-validator.
type SplitterClass = param.Class[func() Splitter]

var splitters = param.Registry[func() Splitter]{Kind: "cross-validator"}

func registerSplitter(name, doc string, newFn func() Splitter) {
	splitters.Register(param.Class[func() Splitter]{Name: name, Doc: doc, Params: func() any { return newFn() }, New: newFn})
}

// SplitterNames returns the names of the registered cross-validators.
func SplitterNames() []string { return splitters.Names() }

// Splitters returns the catalogue of cross-validators with their parameters.
func Splitters() []param.Entry { return splitters.Catalogue() }

// NewSplitter returns the cross-validator registered as name (its
// scikit-learn class name) with the parameters in raw (a JSON object;
// nil means the defaults), strictly decoded and validated. Errors are
// *param.Error (naming the parameter) or *param.LookupError.
func NewSplitter(name string, raw json.RawMessage) (Splitter, error) {
	c, err := splitters.Lookup(name)
	if err != nil {
		return nil, err
	}
	s := c.New()
	if err := param.Decode(raw, s, param.Options{Owner: name}); err != nil {
		return nil, err
	}
	if v, ok := s.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// IsStratified reports whether s splits by class labels.
func IsStratified(s Splitter) bool {
	switch s.(type) {
	case *StratifiedKFold, *StratifiedShuffleSplit, *RepeatedStratifiedKFold:
		return true
	}
	return false
}

// NeedsGroups reports whether s needs a group label per row.
func NeedsGroups(s Splitter) bool {
	_, ok := s.(*GroupKFold)
	return ok
}

func init() {
	registerSplitter("KFold", "k folds of consecutive rows, optionally shuffled", func() Splitter { return NewKFold() })
	registerSplitter("StratifiedKFold", "k folds that keep the class proportions", func() Splitter { return NewStratifiedKFold() })
	registerSplitter("GroupKFold", "k folds that keep each group in one fold", func() Splitter { return &GroupKFold{Splits: 5} })
	registerSplitter("LeaveOneOut", "each row is the test set once", func() Splitter { return &LeaveOneOut{} })
	registerSplitter("LeavePOut", "every set of p rows is the test set once", func() Splitter { return &LeavePOut{P: 2} })
	registerSplitter("ShuffleSplit", "random train/test splits", func() Splitter { return &ShuffleSplit{Splits: 10} })
	registerSplitter("StratifiedShuffleSplit", "random train/test splits that keep the class proportions", func() Splitter { return &StratifiedShuffleSplit{Splits: 10} })
	registerSplitter("RepeatedKFold", "KFold repeated with a different shuffle each time", func() Splitter { return &RepeatedKFold{Splits: 5, NRepeats: 10} })
	registerSplitter("RepeatedStratifiedKFold", "StratifiedKFold repeated with a different shuffle each time", func() Splitter { return &RepeatedStratifiedKFold{Splits: 5, NRepeats: 10} })
	registerSplitter("TimeSeriesSplit", "growing training windows, each followed by its test window", func() Splitter { return &TimeSeriesSplit{Splits: 5} })
}

// seedOf returns the generator of a random_state: RandomState(seed), and
// RandomState(0) for null (mlforge is always seeded).
func seedOf(rs *int64) *nprand.RandomState {
	if rs == nil {
		return nprand.New(0)
	}
	return nprand.New(uint32(*rs))
}

// KFold is sklearn.model_selection.KFold.
type KFold struct {
	Splits      int    `json:"n_splits" min:"2" help:"number of folds"`
	Shuffle     bool   `json:"shuffle" help:"shuffle the rows before splitting them into folds"`
	RandomState *int64 `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed of the shuffle; null means 0 (mlforge is always seeded); must be null without shuffle"`

	rng *nprand.RandomState // set by the repeated splitters
}

// NewKFold returns KFold with scikit-learn's defaults (5 folds, no shuffle).
func NewKFold() *KFold { return &KFold{Splits: 5} }

// Validate refuses a random_state without shuffle, as scikit-learn does.
func (k *KFold) Validate() error { return checkShuffleSeed(k.Shuffle, k.RandomState) }

func checkShuffleSeed(shuffle bool, rs *int64) error {
	if !shuffle && rs != nil {
		return &param.Error{Param: "random_state", Msg: "setting a random_state has no effect since shuffle is false; leave random_state null or set shuffle to true"}
	}
	return nil
}

// NSplits returns n_splits.
func (k *KFold) NSplits(int) (int, error) { return k.Splits, nil }

func checkSplits(nSplits, n int) error {
	if n <= 0 {
		return event.DataErrorf("no rows to split")
	}
	if nSplits > n {
		return event.DataErrorf("cannot have n_splits=%d greater than the number of rows: %d", nSplits, n)
	}
	return nil
}

// Split returns KFold's folds: the rows (shuffled with shuffle) cut into
// n_splits consecutive folds, the first n % n_splits one row larger; each
// fold's indices ascending.
func (k *KFold) Split(n int, _, _ []float64) ([]Fold, error) {
	if err := checkSplits(k.Splits, n); err != nil {
		return nil, err
	}
	idx := seqFrom(0, n)
	if k.Shuffle {
		rng := k.rng
		if rng == nil {
			rng = seedOf(k.RandomState)
		}
		rng.Shuffle(idx)
	}
	fold := make([]int, n)
	cur := 0
	for f := 0; f < k.Splits; f++ {
		size := n / k.Splits
		if f < n%k.Splits {
			size++
		}
		for _, i := range idx[cur : cur+size] {
			fold[i] = f
		}
		cur += size
	}
	return foldsOf(fold, k.Splits), nil
}

// foldsOf makes the folds of a test-fold assignment, train and test
// ascending as scikit-learn's masks give them.
func foldsOf(fold []int, k int) []Fold {
	out := make([]Fold, k)
	for f := range out {
		for i, g := range fold {
			if g == f {
				out[f].Test = append(out[f].Test, i)
			} else {
				out[f].Train = append(out[f].Train, i)
			}
		}
	}
	return out
}

// StratifiedKFold is sklearn.model_selection.StratifiedKFold.
type StratifiedKFold struct {
	Splits      int    `json:"n_splits" min:"2" help:"number of folds"`
	Shuffle     bool   `json:"shuffle" help:"shuffle each class's rows before splitting them into folds"`
	RandomState *int64 `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed of the shuffle; null means 0 (mlforge is always seeded); must be null without shuffle"`

	rng *nprand.RandomState
}

// NewStratifiedKFold returns StratifiedKFold with scikit-learn's defaults.
func NewStratifiedKFold() *StratifiedKFold { return &StratifiedKFold{Splits: 5} }

// Validate refuses a random_state without shuffle, as scikit-learn does.
func (k *StratifiedKFold) Validate() error { return checkShuffleSeed(k.Shuffle, k.RandomState) }

// NSplits returns n_splits.
func (k *StratifiedKFold) NSplits(int) (int, error) { return k.Splits, nil }

// Split returns StratifiedKFold's folds. Classes are numbered in order of
// first appearance; the rows of each class, sorted by that number, are
// dealt round robin to the folds to size them, then each class's fold
// numbers are laid out in blocks (shuffled with shuffle), as
// scikit-learn 1.2 does. Like scikit-learn it refuses n_splits greater
// than every class's size.
func (k *StratifiedKFold) Split(n int, y, _ []float64) ([]Fold, error) {
	if err := checkSplits(k.Splits, n); err != nil {
		return nil, err
	}
	enc, counts, err := encodeByAppearance(y, n)
	if err != nil {
		return nil, err
	}
	nc := len(counts)
	all := true
	for _, c := range counts {
		all = all && k.Splits > c
	}
	if all {
		return nil, event.DataErrorf("n_splits=%d cannot be greater than the number of rows in each class", k.Splits)
	}
	// y_order = sort(y_encoded); allocation[f][c] = bincount(y_order[f::k]).
	order := make([]int, 0, n)
	for c, cnt := range counts {
		for range cnt {
			order = append(order, c)
		}
	}
	alloc := make([][]int, k.Splits)
	for f := range alloc {
		alloc[f] = make([]int, nc)
		for i := f; i < n; i += k.Splits {
			alloc[f][order[i]]++
		}
	}
	rng := k.rng
	if k.Shuffle && rng == nil {
		rng = seedOf(k.RandomState)
	}
	fold := make([]int, n)
	for c := 0; c < nc; c++ {
		ff := make([]int, 0, counts[c])
		for f := 0; f < k.Splits; f++ {
			for range alloc[f][c] {
				ff = append(ff, f)
			}
		}
		if k.Shuffle {
			rng.Shuffle(ff)
		}
		j := 0
		for i, e := range enc {
			if e == c {
				fold[i] = ff[j]
				j++
			}
		}
	}
	return foldsOf(fold, k.Splits), nil
}

// encodeByAppearance numbers the classes of y in order of first
// appearance and counts them.
func encodeByAppearance(y []float64, n int) (enc, counts []int, err error) {
	if len(y) != n {
		return nil, nil, event.DataErrorf("stratified splitting needs one class label per row: %d labels for %d rows", len(y), n)
	}
	pos := map[float64]int{}
	enc = make([]int, n)
	for i, v := range y {
		if math.IsNaN(v) {
			return nil, nil, event.DataErrorf("cannot stratify: label %d is missing (NaN)", i)
		}
		c, ok := pos[v]
		if !ok {
			c = len(pos)
			pos[v] = c
			counts = append(counts, 0)
		}
		enc[i] = c
		counts[c]++
	}
	return enc, counts, nil
}

// GroupKFold is sklearn.model_selection.GroupKFold (scikit-learn 1.2: no
// shuffle).
type GroupKFold struct {
	Splits int `json:"n_splits" min:"2" help:"number of folds"`
}

// NSplits returns n_splits.
func (k *GroupKFold) NSplits(int) (int, error) { return k.Splits, nil }

// Split returns GroupKFold's folds: groups sorted by size, largest first
// (numpy's argsort, reversed), each added to the fold with the fewest rows
// so far.
func (k *GroupKFold) Split(n int, _, groups []float64) ([]Fold, error) {
	if err := checkSplits(k.Splits, n); err != nil {
		return nil, err
	}
	if groups == nil {
		return nil, event.DataErrorf("GroupKFold needs a group label per row (the groups column)")
	}
	if len(groups) != n {
		return nil, event.DataErrorf("GroupKFold: %d group labels for %d rows", len(groups), n)
	}
	// np.unique(groups, return_inverse=True)
	uniq := make([]float64, 0)
	seen := map[float64]bool{}
	for i, g := range groups {
		if math.IsNaN(g) {
			return nil, event.DataErrorf("GroupKFold: the group of row %d is missing (NaN)", i)
		}
		if !seen[g] {
			seen[g] = true
			uniq = append(uniq, g)
		}
	}
	sort.Float64s(uniq)
	if k.Splits > len(uniq) {
		return nil, event.DataErrorf("cannot have n_splits=%d greater than the number of groups: %d", k.Splits, len(uniq))
	}
	id := make(map[float64]int, len(uniq))
	for i, g := range uniq {
		id[g] = i
	}
	perGroup := make([]int64, len(uniq))
	for _, g := range groups {
		perGroup[id[g]]++
	}
	order := nprand.Argsort(perGroup)
	perFold := make([]int64, k.Splits)
	groupFold := make([]int, len(uniq))
	for i := len(order) - 1; i >= 0; i-- {
		g := order[i]
		light := 0
		for f, w := range perFold {
			if w < perFold[light] {
				light = f
			}
		}
		perFold[light] += perGroup[g]
		groupFold[g] = light
	}
	fold := make([]int, n)
	for i, g := range groups {
		fold[i] = groupFold[id[g]]
	}
	return foldsOf(fold, k.Splits), nil
}

// LeaveOneOut is sklearn.model_selection.LeaveOneOut.
type LeaveOneOut struct{}

// NSplits returns n.
func (LeaveOneOut) NSplits(n int) (int, error) {
	if n > MaxFolds {
		return 0, event.DataErrorf("LeaveOneOut on %d rows makes %d folds; at most %d are allowed", n, n, MaxFolds)
	}
	return n, nil
}

// Split makes one fold per row, that row the test set.
func (l LeaveOneOut) Split(n int, _, _ []float64) ([]Fold, error) {
	if n <= 1 {
		return nil, event.DataErrorf("cannot perform LeaveOneOut with n_samples=%d", n)
	}
	if _, err := l.NSplits(n); err != nil {
		return nil, err
	}
	fold := seqFrom(0, n)
	return foldsOf(fold, n), nil
}

// LeavePOut is sklearn.model_selection.LeavePOut.
type LeavePOut struct {
	P int `json:"p" min:"1" required:"true" help:"size of the test sets"`
}

// NSplits returns C(n, p), or an error beyond MaxFolds.
func (l *LeavePOut) NSplits(n int) (int, error) {
	c := new(big.Int).Binomial(int64(n), int64(l.P))
	if !c.IsInt64() || c.Int64() > MaxFolds {
		return 0, event.DataErrorf("LeavePOut with p=%d on %d rows makes %s folds; at most %d are allowed", l.P, n, c.String(), MaxFolds)
	}
	return int(c.Int64()), nil
}

// Split makes one fold per set of p rows, in lexicographic order
// (itertools.combinations).
func (l *LeavePOut) Split(n int, _, _ []float64) ([]Fold, error) {
	if n <= l.P {
		return nil, event.DataErrorf("p=%d must be strictly less than the number of rows=%d", l.P, n)
	}
	k, err := l.NSplits(n)
	if err != nil {
		return nil, err
	}
	out := make([]Fold, 0, k)
	comb := seqFrom(0, l.P)
	for {
		in := make([]bool, n)
		test := append([]int(nil), comb...)
		for _, i := range comb {
			in[i] = true
		}
		train := make([]int, 0, n-l.P)
		for i := range n {
			if !in[i] {
				train = append(train, i)
			}
		}
		out = append(out, Fold{Train: train, Test: test})
		i := l.P - 1
		for i >= 0 && comb[i] == i+n-l.P {
			i--
		}
		if i < 0 {
			return out, nil
		}
		comb[i]++
		for j := i + 1; j < l.P; j++ {
			comb[j] = comb[j-1] + 1
		}
	}
}

// ShuffleSplit is sklearn.model_selection.ShuffleSplit.
type ShuffleSplit struct {
	Splits      int      `json:"n_splits" min:"1" help:"number of splits"`
	TestSize    *float64 `json:"test_size" nullable:"true" gt:"0" expect:"a fraction in (0, 1), a whole number of rows, or null" help:"test rows: a fraction, or a number of rows; null means the complement of train_size, or 0.1"`
	TrainSize   *float64 `json:"train_size" nullable:"true" gt:"0" expect:"a fraction in (0, 1), a whole number of rows, or null" help:"training rows: a fraction, or a number of rows; null means the complement of test_size"`
	RandomState *int64   `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed; null means 0 (mlforge is always seeded)"`
}

// Validate checks the sizes that do not depend on the number of rows.
func (s *ShuffleSplit) Validate() error { return validateSizes(s.TestSize, s.TrainSize) }

// NSplits returns n_splits.
func (s *ShuffleSplit) NSplits(int) (int, error) { return s.Splits, nil }

func validateSizes(test, train *float64) error {
	for _, p := range []struct {
		name string
		v    *float64
	}{{"test_size", test}, {"train_size", train}} {
		if p.v != nil && *p.v >= 1 && *p.v != math.Trunc(*p.v) {
			return &param.Error{Param: p.name, Msg: fmt.Sprintf("expected a fraction in (0, 1) or a whole number of rows, got %s", fmtFloat(*p.v))}
		}
	}
	if test != nil && train != nil && *test < 1 && *train < 1 && *test+*train > 1 {
		return &param.Error{Param: "test_size", Msg: fmt.Sprintf("the sum of test_size and train_size = %s should be in the (0, 1) range; reduce test_size and/or train_size", fmtFloat(*test+*train))}
	}
	return nil
}

// shuffleSizes is scikit-learn's _validate_shuffle_split: a fraction
// rounds the test part up and the training part down.
func shuffleSizes(n int, test, train *float64, defTest float64) (nTrain, nTest int, err error) {
	if test == nil && train == nil {
		test = &defTest
	}
	for _, p := range []struct {
		name string
		v    *float64
	}{{"test_size", test}, {"train_size", train}} {
		if p.v != nil && *p.v >= 1 && *p.v >= float64(n) {
			return 0, 0, event.DataErrorf("%s=%s should be either positive and smaller than the number of rows %d or a fraction in (0, 1)", p.name, fmtFloat(*p.v), n)
		}
	}
	if test != nil {
		if *test < 1 {
			nTest = int(math.Ceil(*test * float64(n)))
		} else {
			nTest = int(*test)
		}
	}
	if train != nil {
		if *train < 1 {
			nTrain = int(math.Floor(*train * float64(n)))
		} else {
			nTrain = int(*train)
		}
	}
	if train == nil {
		nTrain = n - nTest
	} else if test == nil {
		nTest = n - nTrain
	}
	if nTrain+nTest > n {
		return 0, 0, event.DataErrorf("the sum of train_size and test_size = %d should be smaller than the number of rows %d; reduce test_size and/or train_size", nTrain+nTest, n)
	}
	if nTrain == 0 {
		return 0, 0, event.DataErrorf("with %d rows, test_size=%s and train_size=%s, the training set is empty", n, sizeStr(test), sizeStr(train))
	}
	return nTrain, nTest, nil
}

func sizeStr(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmtFloat(*v)
}

// Split draws n_splits permutations of the rows: the first n_test are the
// test part, the next n_train the training part.
func (s *ShuffleSplit) Split(n int, _, _ []float64) ([]Fold, error) {
	if n <= 0 {
		return nil, event.DataErrorf("no rows to split")
	}
	nTrain, nTest, err := shuffleSizes(n, s.TestSize, s.TrainSize, 0.1)
	if err != nil {
		return nil, err
	}
	rng := seedOf(s.RandomState)
	out := make([]Fold, s.Splits)
	for i := range out {
		p := rng.Permutation(n)
		out[i] = Fold{Train: p[nTest : nTest+nTrain], Test: p[:nTest]}
	}
	return out, nil
}

// StratifiedShuffleSplit is sklearn.model_selection.StratifiedShuffleSplit.
type StratifiedShuffleSplit struct {
	Splits      int      `json:"n_splits" min:"1" help:"number of splits"`
	TestSize    *float64 `json:"test_size" nullable:"true" gt:"0" expect:"a fraction in (0, 1), a whole number of rows, or null" help:"test rows: a fraction, or a number of rows; null means the complement of train_size, or 0.1"`
	TrainSize   *float64 `json:"train_size" nullable:"true" gt:"0" expect:"a fraction in (0, 1), a whole number of rows, or null" help:"training rows: a fraction, or a number of rows; null means the complement of test_size"`
	RandomState *int64   `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed; null means 0 (mlforge is always seeded)"`
}

// Validate checks the sizes that do not depend on the number of rows.
func (s *StratifiedShuffleSplit) Validate() error { return validateSizes(s.TestSize, s.TrainSize) }

// NSplits returns n_splits.
func (s *StratifiedShuffleSplit) NSplits(int) (int, error) { return s.Splits, nil }

// Split draws, n_splits times, the per-class counts of each part
// (_approximate_mode) and a permutation of each class, as scikit-learn 1.2.
func (s *StratifiedShuffleSplit) Split(n int, y, _ []float64) ([]Fold, error) {
	if n <= 0 {
		return nil, event.DataErrorf("no rows to split")
	}
	nTrain, nTest, err := shuffleSizes(n, s.TestSize, s.TrainSize, 0.1)
	if err != nil {
		return nil, err
	}
	if len(y) != n {
		return nil, event.DataErrorf("stratified splitting needs one class label per row: %d labels for %d rows", len(y), n)
	}
	classes := make([]float64, 0, 16)
	seen := map[float64]bool{}
	for i, v := range y {
		if math.IsNaN(v) {
			return nil, event.DataErrorf("cannot stratify: label %d is missing (NaN)", i)
		}
		if !seen[v] {
			seen[v] = true
			classes = append(classes, v)
		}
	}
	sort.Float64s(classes)
	pos := make(map[float64]int, len(classes))
	for k, c := range classes {
		pos[c] = k
	}
	nc := len(classes)
	counts := make([]int, nc)
	members := make([][]int, nc)
	for i, v := range y {
		k := pos[v]
		counts[k]++
		members[k] = append(members[k], i)
	}
	for _, c := range counts {
		if c < 2 {
			return nil, event.DataErrorf("the least populated class in y has only 1 member, which is too few: the minimum number of rows in any class cannot be less than 2")
		}
	}
	if nTrain < nc {
		return nil, event.DataErrorf("the train_size = %d should be greater or equal to the number of classes = %d", nTrain, nc)
	}
	if nTest < nc {
		return nil, event.DataErrorf("the test_size = %d should be greater or equal to the number of classes = %d", nTest, nc)
	}
	rng := seedOf(s.RandomState)
	out := make([]Fold, s.Splits)
	for f := range out {
		nI := nprand.ApproximateMode(counts, nTrain, rng.Choice)
		rest := make([]int, nc)
		for k := range counts {
			rest[k] = counts[k] - nI[k]
		}
		tI := nprand.ApproximateMode(rest, nTest, rng.Choice)
		var train, test []int
		for k := range counts {
			perm := rng.Permutation(counts[k])
			for p, j := range perm[:nI[k]+tI[k]] {
				if p < nI[k] {
					train = append(train, members[k][j])
				} else {
					test = append(test, members[k][j])
				}
			}
		}
		out[f] = Fold{Train: rng.PermuteSlice(train), Test: rng.PermuteSlice(test)}
	}
	return out, nil
}

// RepeatedKFold is sklearn.model_selection.RepeatedKFold: n_repeats
// shuffled KFolds drawing from one generator.
type RepeatedKFold struct {
	Splits      int    `json:"n_splits" min:"2" help:"number of folds"`
	NRepeats    int    `json:"n_repeats" min:"1" help:"number of times KFold is repeated"`
	RandomState *int64 `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed; null means 0 (mlforge is always seeded)"`
}

// NSplits returns n_splits * n_repeats.
func (r *RepeatedKFold) NSplits(int) (int, error) { return repeatedSplits(r.Splits, r.NRepeats) }

func repeatedSplits(k, rep int) (int, error) {
	if k*rep > MaxFolds || rep > MaxFolds {
		return 0, event.DataErrorf("n_splits=%d times n_repeats=%d is more than %d folds", k, rep, MaxFolds)
	}
	return k * rep, nil
}

// Split returns the folds of each repetition in turn.
func (r *RepeatedKFold) Split(n int, y, g []float64) ([]Fold, error) {
	if _, err := r.NSplits(n); err != nil {
		return nil, err
	}
	rng := seedOf(r.RandomState)
	var out []Fold
	for range r.NRepeats {
		f, err := (&KFold{Splits: r.Splits, Shuffle: true, rng: rng}).Split(n, y, g)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// RepeatedStratifiedKFold is
// sklearn.model_selection.RepeatedStratifiedKFold.
type RepeatedStratifiedKFold struct {
	Splits      int    `json:"n_splits" min:"2" help:"number of folds"`
	NRepeats    int    `json:"n_repeats" min:"1" help:"number of times StratifiedKFold is repeated"`
	RandomState *int64 `json:"random_state" nullable:"true" min:"0" max:"4294967295" help:"seed; null means 0 (mlforge is always seeded)"`
}

// NSplits returns n_splits * n_repeats.
func (r *RepeatedStratifiedKFold) NSplits(int) (int, error) {
	return repeatedSplits(r.Splits, r.NRepeats)
}

// Split returns the folds of each repetition in turn.
func (r *RepeatedStratifiedKFold) Split(n int, y, g []float64) ([]Fold, error) {
	if _, err := r.NSplits(n); err != nil {
		return nil, err
	}
	rng := seedOf(r.RandomState)
	var out []Fold
	for range r.NRepeats {
		f, err := (&StratifiedKFold{Splits: r.Splits, Shuffle: true, rng: rng}).Split(n, y, g)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// TimeSeriesSplit is sklearn.model_selection.TimeSeriesSplit.
type TimeSeriesSplit struct {
	Splits       int `json:"n_splits" min:"2" help:"number of splits"`
	MaxTrainSize int `json:"max_train_size" nullable:"true" min:"1" help:"largest training window; null means no limit"`
	TestSize     int `json:"test_size" nullable:"true" min:"1" help:"rows in each test window; null means n_samples // (n_splits + 1)"`
	Gap          int `json:"gap" min:"0" help:"rows left out between each training window and its test window"`
}

// NSplits returns n_splits.
func (t *TimeSeriesSplit) NSplits(int) (int, error) { return t.Splits, nil }

// Split returns windows in order: the k-th test window starts at
// n - (n_splits-k)*test_size, its training window ends gap rows before.
func (t *TimeSeriesSplit) Split(n int, _, _ []float64) ([]Fold, error) {
	folds := t.Splits + 1
	testSize := t.TestSize
	if testSize == 0 {
		testSize = n / folds
	}
	if folds > n {
		return nil, event.DataErrorf("cannot have number of folds=%d greater than the number of rows=%d", folds, n)
	}
	if n-t.Gap-testSize*t.Splits <= 0 {
		return nil, event.DataErrorf("too many splits=%d for %d rows with test_size=%d and gap=%d", t.Splits, n, testSize, t.Gap)
	}
	out := make([]Fold, 0, t.Splits)
	for start := n - t.Splits*testSize; start < n; start += testSize {
		end := start - t.Gap
		lo := 0
		if t.MaxTrainSize > 0 && t.MaxTrainSize < end {
			lo = end - t.MaxTrainSize
		}
		out = append(out, Fold{Train: seqFrom(lo, end), Test: seqFrom(start, min(start+testSize, n))})
	}
	return out, nil
}

// DescribeSplitter writes s as scikit-learn would construct it, e.g.
// KFold(n_splits=5, shuffle=True, random_state=0), for messages.
func DescribeSplitter(name string, s Splitter) string {
	raw, err := param.Encode(s)
	if err != nil {
		return name
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	var parts []string
	for _, k := range param.Names(s) {
		b, _ := json.Marshal(m[k])
		parts = append(parts, k+"="+string(b))
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}
