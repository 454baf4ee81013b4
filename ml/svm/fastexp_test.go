package svm

import (
	"math"
	"testing"
)

func TestFastExp(t *testing.T) {
	// Relative error against math.Exp (itself within 1 ulp) over the range
	// the kernel uses; 4 ulp (8.9e-16) is allowed, observed about 2.
	worst := 0.0
	for i := -700000; i <= 700000; i++ {
		x := float64(i) / 1000 * 1.0001
		got, want := fastExp(x), math.Exp(x)
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	if worst > 8.9e-16 {
		t.Errorf("max relative error %g", worst)
	}
	if fastExp(-800) != 0 || !math.IsInf(fastExp(800), 1) || fastExp(0) != 1 {
		t.Errorf("fastExp(-800, 800, 0) = %v, %v, %v", fastExp(-800), fastExp(800), fastExp(0))
	}
	t.Logf("max relative error %g", worst)
}

func BenchmarkFastExp(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += fastExp(-float64(i&1023) / 100)
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
