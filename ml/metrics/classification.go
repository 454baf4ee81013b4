package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// The averages accepted by PrecisionRecallF1 and its wrappers, as in
// scikit-learn's average parameter.
const (
	Binary   = "binary"   // the score of the positive class, classes[1]
	Micro    = "micro"    // from the total true positives, false negatives and false positives
	Macro    = "macro"    // the unweighted mean of the per-class scores
	Weighted = "weighted" // the per-class scores weighted by their support (true count)
)

// AccuracyScore returns the fraction of samples whose prediction equals the
// true value, like sklearn.metrics.accuracy_score.
func AccuracyScore(yTrue, yPred []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	n := 0
	for i, v := range yTrue {
		if v == yPred[i] {
			n++
		}
	}
	return float64(n) / float64(len(yTrue)), nil
}

// BalancedAccuracyScore returns the mean recall over the classes present in
// yTrue, like sklearn.metrics.balanced_accuracy_score (adjusted=False).
// Classes that occur only in yPred are left out of the mean, as scikit-learn
// does (it warns).
func BalancedAccuracyScore(yTrue, yPred []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	labels := uniqueLabels(yTrue, yPred)
	tp, _, trueSum := countLabels(yTrue, yPred, labels)
	var recalls []float64
	for k := range labels {
		if trueSum[k] > 0 {
			recalls = append(recalls, tp[k]/trueSum[k])
		}
	}
	return pairwiseSum(recalls) / float64(len(recalls)), nil
}

// countLabels returns, for each label, the true positives, the number of
// predictions of it and the number of true samples of it. Values outside
// labels count for no label, as in scikit-learn's multilabel_confusion_matrix.
func countLabels(yTrue, yPred, labels []float64) (tp, predSum, trueSum []float64) {
	li := newLabelIndexer(labels)
	k := len(labels)
	tpi := make([]int, k)
	pi := make([]int, k)
	ti := make([]int, k)
	for i, t := range yTrue {
		a := li.index(t)
		b := li.index(yPred[i])
		if a >= 0 {
			ti[a]++
			if a == b {
				tpi[a]++
			}
		}
		if b >= 0 {
			pi[b]++
		}
	}
	tp, predSum, trueSum = make([]float64, k), make([]float64, k), make([]float64, k)
	for j := 0; j < k; j++ {
		tp[j], predSum[j], trueSum[j] = float64(tpi[j]), float64(pi[j]), float64(ti[j])
	}
	return tp, predSum, trueSum
}

// safeDiv returns a/b, or 0 when b is 0: scikit-learn 1.2's default
// zero_division="warn" gives 0 (with a warning).
func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// fScore combines precision and recall as scikit-learn 1.2 does:
// 2·p·r/(p+r), 0 when p+r is 0.
func fScore(p, r float64) float64 {
	d := p + r
	if d == 0 {
		d = 1
	}
	return 2 * p * r / d
}

// PrecisionRecallFSupport returns precision, recall, F1 and support (the
// number of true samples) for each label, in the order of labels, like
// sklearn.metrics.precision_recall_fscore_support(average=None). Labels nil
// means the sorted distinct values of yTrue and yPred. A zero denominator
// gives 0, scikit-learn 1.2's default (where it also warns).
func PrecisionRecallFSupport(yTrue, yPred, labels []float64) (precision, recall, f1 []float64, support []int, err error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return nil, nil, nil, nil, err
	}
	if labels == nil {
		labels = uniqueLabels(yTrue, yPred)
	} else if err := checkLabels(labels); err != nil {
		return nil, nil, nil, nil, err
	}
	tp, predSum, trueSum := countLabels(yTrue, yPred, labels)
	k := len(labels)
	precision, recall, f1, support = make([]float64, k), make([]float64, k), make([]float64, k), make([]int, k)
	for j := range labels {
		precision[j] = safeDiv(tp[j], predSum[j])
		recall[j] = safeDiv(tp[j], trueSum[j])
		f1[j] = fScore(precision[j], recall[j])
		support[j] = int(trueSum[j])
	}
	return precision, recall, f1, support, nil
}

func checkLabels(labels []float64) error {
	if len(labels) == 0 {
		return ml.DataErrorf("labels is empty: expected at least one label")
	}
	if err := checkFinite("labels", labels); err != nil {
		return err
	}
	seen := make(map[float64]bool, len(labels))
	for _, v := range labels {
		if seen[v] {
			return ml.DataErrorf("labels holds %v twice: expected distinct labels", v)
		}
		seen[v] = true
	}
	return nil
}

// PrecisionRecallF1 returns precision, recall and F1 averaged as average
// says: Binary, Micro, Macro or Weighted, as
// sklearn.metrics.precision_recall_fscore_support does.
//
// For Binary, classes must hold exactly two values (nil means the distinct
// values of yTrue and yPred) and the positive class is classes[1]; every
// value of yTrue and yPred must be one of them. On a multiclass problem
// Binary is an error that suggests the other averages, as in scikit-learn.
// For the other averages, classes selects the labels to average over (nil:
// all labels present in yTrue or yPred). A zero denominator gives 0,
// scikit-learn 1.2's default.
func PrecisionRecallF1(yTrue, yPred, classes []float64, average string) (precision, recall, f1 float64, err error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, 0, 0, err
	}
	switch average {
	case Binary:
		pos, err := positiveLabel(yTrue, yPred, classes)
		if err != nil {
			return 0, 0, 0, err
		}
		p, r, f, _, err := PrecisionRecallFSupport(yTrue, yPred, []float64{pos})
		if err != nil {
			return 0, 0, 0, err
		}
		return p[0], r[0], f[0], nil
	case Micro:
		labels := classes
		if labels == nil {
			labels = uniqueLabels(yTrue, yPred)
		} else if err := checkLabels(labels); err != nil {
			return 0, 0, 0, err
		}
		tp, predSum, trueSum := countLabels(yTrue, yPred, labels)
		var t, ps, ts float64
		for j := range labels {
			t, ps, ts = t+tp[j], ps+predSum[j], ts+trueSum[j]
		}
		p, r := safeDiv(t, ps), safeDiv(t, ts)
		return p, r, fScore(p, r), nil
	case Macro, Weighted:
		p, r, f, sup, err := PrecisionRecallFSupport(yTrue, yPred, classes)
		if err != nil {
			return 0, 0, 0, err
		}
		if average == Macro {
			n := float64(len(p))
			return pairwiseSum(p) / n, pairwiseSum(r) / n, pairwiseSum(f) / n, nil
		}
		total := 0
		for _, s := range sup {
			total += s
		}
		if total == 0 {
			// scikit-learn returns zero_division (0 by default) when no
			// selected label occurs in y_true.
			return 0, 0, 0, nil
		}
		w := make([]float64, len(sup))
		for j, s := range sup {
			w[j] = float64(s)
		}
		return weightedMean(p, w), weightedMean(r, w), weightedMean(f, w), nil
	}
	return 0, 0, 0, &ml.ParamError{Param: "average", Expected: `one of "binary", "micro", "macro", "weighted"`, Got: fmt.Sprintf("%q", average)}
}

// weightedMean is numpy's average(x, weights=w): sum(x*w)/sum(w).
func weightedMean(x, w []float64) float64 {
	xw := make([]float64, len(x))
	for i := range x {
		xw[i] = x[i] * w[i]
	}
	return pairwiseSum(xw) / pairwiseSum(w)
}

// positiveLabel returns classes[1] after checking that the problem is binary.
func positiveLabel(yTrue, yPred, classes []float64) (float64, error) {
	present := uniqueLabels(yTrue, yPred)
	if classes == nil {
		if len(present) > 2 {
			return 0, multiclassBinaryError(len(present))
		}
		if len(present) < 2 {
			return 0, ml.DataErrorf("y_true and y_pred hold only the value %v: pass the two classes so that the positive one (classes[1]) is known", present[0])
		}
		return present[1], nil
	}
	if err := checkSortedClasses(classes); err != nil {
		return 0, err
	}
	if len(classes) != 2 {
		return 0, multiclassBinaryError(len(classes))
	}
	for _, v := range present {
		if v != classes[0] && v != classes[1] {
			return 0, ml.DataErrorf("target is multiclass (it holds %v, not one of the classes %v) but average is \"binary\": choose another average, one of \"micro\", \"macro\", \"weighted\"", v, classes)
		}
	}
	return classes[1], nil
}

func multiclassBinaryError(k int) error {
	return ml.DataErrorf("target is multiclass (%d classes) but average is \"binary\": choose another average, one of \"micro\", \"macro\", \"weighted\" (in a spec: f1_macro, f1_weighted, precision_macro, ...)", k)
}

// PrecisionScore is the precision of PrecisionRecallF1, like
// sklearn.metrics.precision_score.
func PrecisionScore(yTrue, yPred, classes []float64, average string) (float64, error) {
	p, _, _, err := PrecisionRecallF1(yTrue, yPred, classes, average)
	return p, err
}

// RecallScore is the recall of PrecisionRecallF1, like
// sklearn.metrics.recall_score.
func RecallScore(yTrue, yPred, classes []float64, average string) (float64, error) {
	_, r, _, err := PrecisionRecallF1(yTrue, yPred, classes, average)
	return r, err
}

// F1Score is the F1 of PrecisionRecallF1, like sklearn.metrics.f1_score.
func F1Score(yTrue, yPred, classes []float64, average string) (float64, error) {
	_, _, f, err := PrecisionRecallF1(yTrue, yPred, classes, average)
	return f, err
}

// ConfusionMatrix returns C where C[i, j] counts the samples whose true value
// is labels[i] and whose prediction is labels[j], like
// sklearn.metrics.confusion_matrix. Labels nil means the sorted distinct
// values of yTrue and yPred. Samples whose true or predicted value is not in
// labels are left out; it is an error if no true value is in labels.
func ConfusionMatrix(yTrue, yPred, labels []float64) (*mat.Dense, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return nil, err
	}
	if labels == nil {
		labels = uniqueLabels(yTrue, yPred)
	} else if err := checkLabels(labels); err != nil {
		return nil, err
	}
	k := len(labels)
	li := newLabelIndexer(labels)
	counts := make([]int, k*k)
	anyTrue := false
	for i, t := range yTrue {
		a := li.index(t)
		if a < 0 {
			continue
		}
		anyTrue = true
		if b := li.index(yPred[i]); b >= 0 {
			counts[a*k+b]++
		}
	}
	if !anyTrue {
		return nil, ml.DataErrorf("none of the labels %v occurs in y_true: at least one label must", labels)
	}
	data := make([]float64, k*k)
	for i, c := range counts {
		data[i] = float64(c)
	}
	return mat.NewDense(k, k, data), nil
}

// LogLossEps is the clipping bound of LogLoss: probabilities are clipped to
// [LogLossEps, 1-LogLossEps]. It is float64's machine epsilon, scikit-learn
// 1.2's default eps="auto" for float64 input (earlier versions used 1e-15).
const LogLossEps = 2.220446049250313e-16

// LogLoss returns the mean negative log-likelihood of the true classes, like
// sklearn.metrics.log_loss(y_true, proba, labels=classes). Proba has one
// column per class in the order of classes (sorted ascending; nil means the
// distinct values of yTrue), or a single column holding the probability of
// classes[1] for a binary problem. Each probability is clipped to
// [LogLossEps, 1-LogLossEps] and each row renormalised to sum to 1, as
// scikit-learn does. A value of yTrue that is not one of classes is an error
// (scikit-learn silently scores such a row as 0).
func LogLoss(yTrue []float64, proba *mat.Dense, classes []float64) (float64, error) {
	return logLoss(yTrue, proba, classes, nil)
}

// WeightedLogLoss is log_loss(y_true, proba, labels=classes,
// sample_weight=w): the per-sample losses averaged with weights w.
func WeightedLogLoss(yTrue []float64, proba *mat.Dense, classes, w []float64) (float64, error) {
	if err := checkWeights(w, len(yTrue)); err != nil {
		return 0, err
	}
	return logLoss(yTrue, proba, classes, w)
}

func logLoss(yTrue []float64, proba *mat.Dense, classes, w []float64) (float64, error) {
	if err := checkScores(yTrue, proba); err != nil {
		return 0, err
	}
	if classes == nil {
		classes = uniqueLabels(yTrue)
		if len(classes) < 2 {
			return 0, ml.DataErrorf("y_true holds only the label %v: pass the classes explicitly", classes[0])
		}
	} else if err := checkSortedClasses(classes); err != nil {
		return 0, err
	}
	if len(classes) < 2 {
		return 0, ml.DataErrorf("log_loss needs at least two classes, got %v", classes)
	}
	_, c := proba.Dims()
	if c != len(classes) && !(c == 1 && len(classes) == 2) {
		return 0, ml.DataErrorf("y_score has %d columns but there are %d classes %v: expected one column per class", c, len(classes), classes)
	}
	li := newLabelIndexer(classes)
	idx := make([]int, len(yTrue))
	for i, t := range yTrue {
		if idx[i] = li.index(t); idx[i] < 0 {
			return 0, ml.DataErrorf("y_true[%d] is %v, which is not one of the classes %v", i, t, classes)
		}
	}
	clip := func(p float64) float64 { return min(max(p, LogLossEps), 1-LogLossEps) }
	raw := proba.RawMatrix()
	sum := pairwiseBlocks(0, len(yTrue), func(lo int, dst []float64) {
		for d := range dst {
			i := lo + d
			row := raw.Data[i*raw.Stride : i*raw.Stride+c]
			var s, pt float64
			if c == 1 {
				p1 := clip(row[0])
				p0 := 1 - p1 // scikit-learn appends 1-p after clipping
				s = p0 + p1
				pt = p0
				if idx[i] == 1 {
					pt = p1
				}
			} else {
				for _, p := range row {
					s += clip(p)
				}
				pt = clip(row[idx[i]])
			}
			dst[d] = -math.Log(pt / s)
			if w != nil {
				dst[d] *= w[i]
			}
		}
	})
	if w != nil {
		return sum / pairwiseSum(w), nil
	}
	return sum / float64(len(yTrue)), nil
}
