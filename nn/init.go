package nn

import (
	"math"
	"math/rand/v2"

	"github.com/mlforge/mlforge/tensor"
)

// Uniform fills t with values drawn uniformly from [lo, hi).
func Uniform(t *tensor.Tensor, lo, hi float64, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
}

// Normal fills t with values drawn from N(mean, std²).
func Normal(t *tensor.Tensor, mean, std float64, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32(mean + std*rng.NormFloat64())
	}
}

// FanIn returns the fan-in of a weight shaped like PyTorch's: shape[1]
// times the receptive field (the product of shape[2:]).
func FanIn(shape []int) int {
	if len(shape) < 2 {
		return 0
	}
	f := shape[1]
	for _, d := range shape[2:] {
		f *= d
	}
	return f
}

// KaimingUniform fills t as PyTorch's kaiming_uniform_(t, a) with
// mode="fan_in" and nonlinearity="leaky_relu": U(-b, b) with
// b = sqrt(6 / ((1 + a²) fan_in)). Linear and Conv layers use a = sqrt(5),
// which gives b = 1/sqrt(fan_in).
func KaimingUniform(t *tensor.Tensor, a float64, rng *rand.Rand) {
	fan := FanIn(t.Shape)
	if fan == 0 {
		return
	}
	gain := math.Sqrt(2 / (1 + a*a))
	b := math.Sqrt(3) * gain / math.Sqrt(float64(fan))
	Uniform(t, -b, b, rng)
}

// initLinearLike applies PyTorch's default initialisation of Linear and
// Conv layers: kaiming_uniform_(a=sqrt(5)) for the weight and
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.
func initLinearLike(w, b *tensor.Tensor, rng *rand.Rand) {
	KaimingUniform(w, math.Sqrt(5), rng)
	if b != nil {
		fan := FanIn(w.Shape)
		if fan > 0 {
			bound := 1 / math.Sqrt(float64(fan))
			Uniform(b, -bound, bound, rng)
		}
	}
}
