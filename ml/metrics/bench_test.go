package metrics

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchN is the sample count of the benchmarks, as in
// testdata/bench.py, which times scikit-learn on the same sizes.
const benchN = 1_000_000

type benchData struct {
	yTrue, yPred []float64 // 3 classes
	yBin, sBin   []float64 // binary labels and scores
	proba        *mat.Dense
	rTrue, rPred []float64
}

var bench *benchData

func benchInputs() *benchData {
	if bench != nil {
		return bench
	}
	rng := rand.New(rand.NewPCG(1, 2))
	d := &benchData{
		yTrue: make([]float64, benchN), yPred: make([]float64, benchN),
		yBin: make([]float64, benchN), sBin: make([]float64, benchN),
		proba: mat.NewDense(benchN, 3, nil),
		rTrue: make([]float64, benchN), rPred: make([]float64, benchN),
	}
	for i := 0; i < benchN; i++ {
		d.yTrue[i] = float64(rng.IntN(3))
		d.yPred[i] = d.yTrue[i]
		if rng.Float64() < 0.3 {
			d.yPred[i] = float64(rng.IntN(3))
		}
		d.yBin[i] = float64(rng.IntN(2))
		d.sBin[i] = 0.3*d.yBin[i] + 0.7*rng.Float64()
		a, b, c := rng.Float64(), rng.Float64(), rng.Float64()
		a += float64(int(d.yTrue[i]) % 3)
		s := a + b + c
		d.proba.SetRow(i, []float64{a / s, b / s, c / s})
		d.rTrue[i] = rng.NormFloat64()
		d.rPred[i] = d.rTrue[i] + 0.1*rng.NormFloat64()
	}
	bench = d
	return d
}

func BenchmarkAccuracy(b *testing.B) {
	d := benchInputs()
	for b.Loop() {
		AccuracyScore(d.yTrue, d.yPred)
	}
}

func BenchmarkF1Macro(b *testing.B) {
	d := benchInputs()
	for b.Loop() {
		F1Score(d.yTrue, d.yPred, nil, Macro)
	}
}

func BenchmarkConfusionMatrix(b *testing.B) {
	d := benchInputs()
	for b.Loop() {
		ConfusionMatrix(d.yTrue, d.yPred, nil)
	}
}

func BenchmarkLogLoss(b *testing.B) {
	d := benchInputs()
	classes := []float64{0, 1, 2}
	for b.Loop() {
		LogLoss(d.yTrue, d.proba, classes)
	}
}

func BenchmarkRocAucBinary(b *testing.B) {
	d := benchInputs()
	for b.Loop() {
		BinaryRocAucScore(d.yBin, d.sBin, 1)
	}
}

func BenchmarkRocAucOvr(b *testing.B) {
	d := benchInputs()
	classes := []float64{0, 1, 2}
	for b.Loop() {
		RocAucScore(d.yTrue, d.proba, classes, Macro)
	}
}

func BenchmarkMeanSquaredError(b *testing.B) {
	d := benchInputs()
	for b.Loop() {
		MeanSquaredError(d.rTrue, d.rPred)
	}
}

func BenchmarkR2(b *testing.B) {
	d := benchInputs()
	for b.Loop() {
		R2Score(d.rTrue, d.rPred)
	}
}
