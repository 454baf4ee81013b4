package f64

import "math"

// expTable[j] = 2^(j/64).
var expTable = func() [64]float64 {
	var t [64]float64
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// Exp returns e^x to within a few units in the last place for
// x ≤ 709.7, and 0 below -708 (no subnormal results). It splits
// x = (64m + j)·ln2/64 + r with |r| ≤ ln2/128, so e^x = 2^m · 2^(j/64) · e^r,
// with e^r from a degree-6 Taylor polynomial (truncation error below 1e-19).
// It is about twice as fast as math.Exp; ml/linear's logistic loss calls it
// once per sample and class in every evaluation, ml/svm's rbf kernel once per
// kernel value.
func Exp(x float64) float64 {
	const (
		invLn2x64 = 64 / math.Ln2
		// ln2/64 split so that k·ln2by64Hi is exact for |k| < 2^20.
		ln2by64Hi = 0.010830424695086549
		ln2by64Lo = 1.162596423439437e-12
		// Adding 1.5·2^52 rounds to an integer held in the low mantissa bits.
		shifter = 0x1.8p52
	)
	if x < -708 {
		return 0
	}
	if x > 709.7 {
		return math.Inf(1)
	}
	t := x*invLn2x64 + shifter
	ki := int64(math.Float64bits(t)) - int64(math.Float64bits(shifter))
	k := t - shifter
	r := (x - k*ln2by64Hi) - k*ln2by64Lo
	m, j := ki>>6, ki&63
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	// 2^m by its bit pattern; m ∈ [-1022, 1023] here, so m+1023 ∈ [1, 2046].
	return p * expTable[j] * math.Float64frombits(uint64(m+1023)<<52)
}
