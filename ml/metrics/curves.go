package metrics

import (
	"math"
	"slices"
)

// binaryClfCurve is scikit-learn's _binary_clf_curve without sample
// weights: the scores sorted in decreasing order, and at each distinct
// score (a threshold, highest first) the false and true positives counted
// among the samples scoring at least that much. yTrue == pos marks the
// positives.
func binaryClfCurve(yTrue, score []float64, pos float64) (fps, tps, thresholds []float64, err error) {
	if err := checkPair(yTrue, score); err != nil {
		return nil, nil, nil, err
	}
	n := len(score)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	// Ties may come in any order: the counts are read only where the score
	// changes.
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	tp := 0.0
	for k, i := range idx {
		if yTrue[i] == pos {
			tp++
		}
		if k == n-1 || score[idx[k+1]] != score[i] {
			tps = append(tps, tp)
			fps = append(fps, float64(k+1)-tp)
			thresholds = append(thresholds, score[i])
		}
	}
	return fps, tps, thresholds, nil
}

// RocCurve returns the receiver operating characteristic of score for the
// binary problem "yTrue == posLabel", like sklearn.metrics.roc_curve
// (scikit-learn 1.2, drop_intermediate=True): false and true positive rates
// at decreasing thresholds, starting at (0, 0) with the threshold
// max(score)+1, with the points collinear with their neighbours on a
// horizontal or vertical run dropped. With no negative (positive) sample
// fpr (tpr) is all NaN, as scikit-learn's is (it warns).
func RocCurve(yTrue, score []float64, posLabel float64) (fpr, tpr, thresholds []float64, err error) {
	fps, tps, thr, err := binaryClfCurve(yTrue, score, posLabel)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(fps) > 2 {
		// Keep the ends and every point where fps or tps has a non-zero
		// second difference (a corner).
		k := 1
		for i := 1; i < len(fps)-1; i++ {
			if fps[i+1]-2*fps[i]+fps[i-1] != 0 || tps[i+1]-2*tps[i]+tps[i-1] != 0 {
				fps[k], tps[k], thr[k] = fps[i], tps[i], thr[i]
				k++
			}
		}
		last := len(fps) - 1
		fps[k], tps[k], thr[k] = fps[last], tps[last], thr[last]
		fps, tps, thr = fps[:k+1], tps[:k+1], thr[:k+1]
	}
	m := len(fps) + 1
	fpr, tpr, thresholds = make([]float64, m), make([]float64, m), make([]float64, m)
	thresholds[0] = thr[0] + 1
	copy(thresholds[1:], thr)
	nf, nt := fps[len(fps)-1], tps[len(tps)-1]
	for i := 1; i < m; i++ {
		fpr[i] = rate(fps[i-1], nf)
		tpr[i] = rate(tps[i-1], nt)
	}
	fpr[0], tpr[0] = rate(0, nf), rate(0, nt)
	return fpr, tpr, thresholds, nil
}

// rate is v/total, NaN when total is 0 (no sample of that kind).
func rate(v, total float64) float64 {
	if total <= 0 {
		return math.NaN()
	}
	return v / total
}

// PrecisionRecallCurve returns the precision-recall pairs of score for the
// binary problem "yTrue == posLabel", like
// sklearn.metrics.precision_recall_curve (scikit-learn 1.2): one pair per
// distinct score in increasing order of threshold, then the final point
// (precision 1, recall 0), which has no threshold. Precision is 0 where no
// sample is predicted positive; with no positive sample recall is 1
// everywhere (scikit-learn warns).
func PrecisionRecallCurve(yTrue, score []float64, posLabel float64) (precision, recall, thresholds []float64, err error) {
	fps, tps, thr, err := binaryClfCurve(yTrue, score, posLabel)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(tps)
	precision, recall, thresholds = make([]float64, n+1), make([]float64, n+1), make([]float64, n)
	total := tps[n-1]
	for i := 0; i < n; i++ {
		j := n - 1 - i // reversed: recall decreases
		if ps := tps[j] + fps[j]; ps != 0 {
			precision[i] = tps[j] / ps
		}
		if total == 0 {
			recall[i] = 1
		} else {
			recall[i] = tps[j] / total
		}
		thresholds[i] = thr[j]
	}
	precision[n], recall[n] = 1, 0
	return precision, recall, thresholds, nil
}

// AveragePrecisionScore returns the average precision of score for the
// binary problem "yTrue == posLabel", like
// sklearn.metrics.average_precision_score: the step-function integral
// Σ (R_n − R_{n−1}) P_n of the precision-recall curve (no interpolation),
// summed in numpy's pairwise order. With no positive sample it is 0
// (scikit-learn warns).
func AveragePrecisionScore(yTrue, score []float64, posLabel float64) (float64, error) {
	p, r, _, err := PrecisionRecallCurve(yTrue, score, posLabel)
	if err != nil {
		return 0, err
	}
	terms := make([]float64, len(r)-1)
	for i := range terms {
		terms[i] = (r[i+1] - r[i]) * p[i]
	}
	return -pairwiseSum(terms), nil
}
