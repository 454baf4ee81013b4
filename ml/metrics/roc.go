package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// BinaryRocAucScore returns the area under the ROC curve of score for the
// binary problem "yTrue == posLabel", like sklearn.metrics.roc_auc_score on a
// binary target. Ties in score are handled exactly: the result is the
// trapezoidal area over the distinct thresholds, computed as the equivalent
// Mann-Whitney count 2U = Σ over negatives of (2·#positives scoring higher +
// #positives scoring the same), an integer held exactly in a float64, divided
// once by 2·P·N. It is an error if yTrue holds only one of the two classes,
// with scikit-learn's message.
func BinaryRocAucScore(yTrue, score []float64, posLabel float64) (float64, error) {
	if err := checkPair(yTrue, score); err != nil {
		return 0, err
	}
	return binaryAuc(yTrue, posLabel, len(yTrue), func(i int) float64 { return score[i] })
}

// binaryAuc computes the AUC of score(i) for the samples i < n with
// yTrue[i] == pos as positives.
func binaryAuc(yTrue []float64, pos float64, n int, score func(i int) float64) (float64, error) {
	var ps, ns []float64
	np := 0
	for _, t := range yTrue {
		if t == pos {
			np++
		}
	}
	if np == 0 || np == n {
		return 0, ml.DataErrorf("only one class present in y_true: ROC AUC score is not defined in that case")
	}
	ps = make([]float64, 0, np)
	ns = make([]float64, 0, n-np)
	for i, t := range yTrue {
		if t == pos {
			ps = append(ps, score(i))
		} else {
			ns = append(ns, score(i))
		}
	}
	sortFloats(ps)
	sortFloats(ns)
	// Walk the negatives in ascending order; above counts the positives
	// scoring strictly higher than the current negative score.
	var twoU float64
	i := 0 // positives scoring lower than the current value
	for j := 0; j < len(ns); {
		v := ns[j]
		k := j
		for k < len(ns) && ns[k] == v {
			k++
		}
		for i < len(ps) && ps[i] < v {
			i++
		}
		e := i
		for e < len(ps) && ps[e] == v {
			e++
		}
		above := len(ps) - e
		twoU += float64(k-j) * float64(2*above+(e-i))
		j = k
	}
	return twoU / (2 * float64(len(ps)) * float64(len(ns))), nil
}

// RocAucScore returns the ROC AUC of class scores, like
// sklearn.metrics.roc_auc_score(y_true, proba, multi_class="ovr",
// average=average, labels=classes).
//
// Classes are the sorted class values (nil: the distinct values of yTrue)
// and proba has one column per class. With two classes the result is the
// binary AUC of the column of classes[1] (proba may also have that single
// column) and average is ignored. With more, it is the one-vs-rest AUC of
// each class averaged as average says: Macro (unweighted) or Weighted (by the
// number of true samples of each class); the rows of proba must then sum to 1
// (within numpy's allclose tolerance), as scikit-learn requires.
func RocAucScore(yTrue []float64, proba *mat.Dense, classes []float64, average string) (float64, error) {
	if err := checkScores(yTrue, proba); err != nil {
		return 0, err
	}
	if classes == nil {
		classes = uniqueLabels(yTrue)
	} else if err := checkSortedClasses(classes); err != nil {
		return 0, err
	}
	r, c := proba.Dims()
	li := newLabelIndexer(classes)
	for i, t := range yTrue {
		if li.index(t) < 0 {
			return 0, ml.DataErrorf("y_true[%d] is %v, which is not one of the classes %v", i, t, classes)
		}
	}
	if len(classes) < 2 {
		return 0, ml.DataErrorf("only one class present in y_true: ROC AUC score is not defined in that case")
	}
	raw := proba.RawMatrix()
	col := func(j int) func(i int) float64 {
		return func(i int) float64 { return raw.Data[i*raw.Stride+j] }
	}
	if len(classes) == 2 {
		switch c {
		case 1:
			return binaryAuc(yTrue, classes[1], r, col(0))
		case 2:
			return binaryAuc(yTrue, classes[1], r, col(1))
		}
		return 0, ml.DataErrorf("y_score has %d columns for the 2 classes %v: expected 2 (or 1, the score of %v)", c, classes, classes[1])
	}
	if average != Macro && average != Weighted {
		return 0, &ml.ParamError{Param: "average", Expected: `"macro" or "weighted" for a multiclass ROC AUC`, Got: fmt.Sprintf("%q", average)}
	}
	if c != len(classes) {
		return 0, ml.DataErrorf("y_score has %d columns but there are %d classes %v: expected one column per class", c, len(classes), classes)
	}
	for i := 0; i < r; i++ {
		s := 0.0
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			s += v
		}
		if math.Abs(s-1) > 1e-8+1e-5*math.Abs(s) {
			return 0, ml.DataErrorf("row %d of y_score sums to %v: target scores need to be probabilities for multiclass roc_auc, i.e. they should sum up to 1.0 over classes", i, s)
		}
	}
	aucs := make([]float64, c)
	weights := make([]float64, c)
	for j := range classes {
		a, err := binaryAuc(yTrue, classes[j], r, col(j))
		if err != nil {
			return 0, fmt.Errorf("class %v: %w", classes[j], err)
		}
		aucs[j] = a
		for _, t := range yTrue {
			if t == classes[j] {
				weights[j]++
			}
		}
	}
	if average == Macro {
		return pairwiseSum(aucs) / float64(c), nil
	}
	return weightedMean(aucs, weights), nil
}
