package metrics_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/metrics"
)

func ExampleAccuracyScore() {
	acc, err := metrics.AccuracyScore([]float64{0, 1, 2, 2}, []float64{0, 2, 2, 2})
	fmt.Println(acc, err)
	// Output: 0.75 <nil>
}

func ExamplePrecisionRecallF1() {
	yTrue := []float64{0, 1, 2, 0, 1, 2}
	yPred := []float64{0, 2, 1, 0, 0, 1}
	for _, avg := range []string{metrics.Macro, metrics.Micro, metrics.Weighted} {
		p, r, f, _ := metrics.PrecisionRecallF1(yTrue, yPred, nil, avg)
		fmt.Printf("%-8s precision %.4f recall %.4f f1 %.4f\n", avg, p, r, f)
	}
	_, _, _, err := metrics.PrecisionRecallF1(yTrue, yPred, nil, metrics.Binary)
	fmt.Println(err)
	// Output:
	// macro    precision 0.2222 recall 0.3333 f1 0.2667
	// micro    precision 0.3333 recall 0.3333 f1 0.3333
	// weighted precision 0.2222 recall 0.3333 f1 0.2667
	// target is multiclass (3 classes) but average is "binary": choose another average, one of "micro", "macro", "weighted" (in a spec: f1_macro, f1_weighted, precision_macro, ...)
}

func ExampleConfusionMatrix() {
	C, _ := metrics.ConfusionMatrix([]float64{2, 0, 2, 2, 0, 1}, []float64{0, 0, 2, 2, 0, 2}, nil)
	fmt.Println(mat.Formatted(C))
	// Output:
	// ⎡2  0  0⎤
	// ⎢0  0  1⎥
	// ⎣1  0  2⎦
}

func ExampleLogLoss() {
	// scikit-learn's docstring example, with "ham" = 0 and "spam" = 1.
	proba := mat.NewDense(4, 2, []float64{
		0.1, 0.9,
		0.9, 0.1,
		0.8, 0.2,
		0.35, 0.65,
	})
	loss, _ := metrics.LogLoss([]float64{1, 0, 0, 1}, proba, []float64{0, 1})
	fmt.Printf("%.6f\n", loss)
	// Output: 0.216162
}

func ExampleBinaryRocAucScore() {
	// Ties count half: positives {0.35, 0.8}, negatives {0.1, 0.4, 0.35}.
	auc, _ := metrics.BinaryRocAucScore([]float64{0, 0, 1, 1, 0}, []float64{0.1, 0.4, 0.35, 0.8, 0.35}, 1)
	fmt.Printf("%.4f\n", auc)
	// Output: 0.7500
}

func ExampleRocAucScore() {
	yTrue := []float64{0, 1, 2, 2, 1, 0, 2}
	proba := mat.NewDense(7, 3, []float64{
		0.7, 0.2, 0.1,
		0.2, 0.5, 0.3,
		0.1, 0.3, 0.6,
		0.3, 0.3, 0.4,
		0.4, 0.4, 0.2,
		0.3, 0.45, 0.25,
		0.2, 0.2, 0.6,
	})
	macro, _ := metrics.RocAucScore(yTrue, proba, nil, metrics.Macro)
	weighted, _ := metrics.RocAucScore(yTrue, proba, nil, metrics.Weighted)
	fmt.Printf("macro %.4f weighted %.4f\n", macro, weighted)
	// Output: macro 0.9167 weighted 0.9286
}

func ExampleR2Score() {
	yTrue := []float64{3, -0.5, 2, 7}
	yPred := []float64{2.5, 0.0, 2, 8}
	mse, _ := metrics.MeanSquaredError(yTrue, yPred)
	mae, _ := metrics.MeanAbsoluteError(yTrue, yPred)
	r2, _ := metrics.R2Score(yTrue, yPred)
	fmt.Printf("mse %.4f mae %.4f r2 %.4f\n", mse, mae, r2)
	// Output: mse 0.3750 mae 0.5000 r2 0.9486
}

func ExampleScore() {
	in := metrics.Input{
		YTrue:   []float64{0, 1, 1, 0},
		YPred:   []float64{0, 1, 0, 0},
		Classes: []float64{0, 1},
	}
	for _, name := range []string{"accuracy", "f1", "recall", "f1_macro"} {
		v, _ := metrics.Score(name, in)
		fmt.Printf("%s %.4f\n", name, v)
	}
	_, err := metrics.Score("f1_marco", in)
	fmt.Println(err)
	// Output:
	// accuracy 0.7500
	// f1 0.6667
	// recall 0.5000
	// f1_macro 0.7333
	// unknown metric "f1_marco" (did you mean "f1_macro"?)
}

// The example of scikit-learn's roc_curve and precision_recall_curve
// documentation, with the same results.
func ExampleRocCurve() {
	y := []float64{0, 0, 1, 1}
	score := []float64{0.1, 0.4, 0.35, 0.8}
	fpr, tpr, thr, _ := metrics.RocCurve(y, score, 1)
	fmt.Println(fpr, tpr, thr)
	p, r, pthr, _ := metrics.PrecisionRecallCurve(y, score, 1)
	fmt.Printf("%.4f %v %v\n", p, r, pthr)
	ap, _ := metrics.AveragePrecisionScore(y, score, 1)
	fmt.Printf("%.4f\n", ap)
	// Output:
	// [0 0 0.5 0.5 1] [0 0.5 0.5 1 1] [1.8 0.8 0.4 0.35 0.1]
	// [0.5000 0.6667 0.5000 1.0000 1.0000] [1 1 0.5 0.5 0] [0.1 0.35 0.4 0.8]
	// 0.8333
}
