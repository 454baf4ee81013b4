package f64

import (
	"math"
	"testing"
)

func TestExp(t *testing.T) {
	// Relative error against math.Exp (itself within 1 ulp) over the range
	// the logistic loss and rbf kernel use; 4 ulp (8.9e-16) is allowed, observed about 2.
	worst := 0.0
	for i := -700000; i <= 700000; i++ {
		x := float64(i) / 1000 * 1.0001
		got, want := Exp(x), math.Exp(x)
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 8.9e-16 {
		t.Errorf("max relative error %g", worst)
	}
	if Exp(-800) != 0 || !math.IsInf(Exp(800), 1) || Exp(0) != 1 {
		t.Errorf("Exp(-800, 800, 0) = %v, %v, %v", Exp(-800), Exp(800), Exp(0))
	}
	t.Logf("max relative error %g", worst)
}

func BenchmarkExp(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += Exp(-float64(i&1023) / 100)
	}
	_ = s
}

func BenchmarkMathExp(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += math.Exp(-float64(i&1023) / 100)
	}
	_ = s
}
