package images

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
)

// Range is a parameter that is one number or [min, max], as torchvision's
// ColorJitter and GaussianBlur take; how one number becomes a range depends
// on the parameter. The zero value is "not given".
type Range []float64

// UnmarshalJSON accepts 0.4 or [0.6, 1.4].
func (r *Range) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		*r = Range{f}
		return nil
	}
	var l []float64
	if err := json.Unmarshal(b, &l); err != nil || len(l) == 0 || len(l) > 4 {
		return fmt.Errorf("want a number or [min, max], got %s", abbrev(b))
	}
	*r = l // the length is checked by each transform (RandomAffine's shear takes 4)
	return nil
}

// ParamType names the type "range" in the catalogue.
func (Range) ParamType() (string, string) { return "range", "a number or [min, max]" }

// jitter turns r into torchvision's ColorJitter range: a number x means
// [max(center-x, 0), center+x] (no clipping for hue); nil means off (also
// when the range is [center, center]).
func (r Range) jitter(name string, center, lo, hi float64, clipZero bool) ([]float64, error) {
	var v []float64
	switch len(r) {
	case 0:
		return nil, nil
	case 1:
		if !(r[0] >= 0) || math.IsInf(r[0], 0) {
			return nil, paramError(name, fmt.Sprintf("a single number must be non-negative and finite, got %v", r[0]))
		}
		v = []float64{center - r[0], center + r[0]}
		if clipZero {
			v[0] = max(v[0], 0)
		}
		if !(lo <= v[0] && v[1] <= hi) {
			return nil, paramError(name, fmt.Sprintf("values should be between %v and %v, got %v", lo, hi, v))
		}
	case 2:
		v = []float64(r)
		if !(lo <= v[0] && v[0] <= v[1] && v[1] <= hi) {
			return nil, paramError(name, fmt.Sprintf("want [min, max] with %v <= min <= max <= %v, got %v", lo, hi, v))
		}
	default:
		return nil, paramError(name, "want a number or [min, max]")
	}
	if v[0] == center && v[1] == center {
		return nil, nil
	}
	return v, nil
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }

func init() {
	registerTransform("ColorJitter", "randomly change brightness, contrast, saturation and hue, in random order", func() *ColorJitter { return &ColorJitter{} })
}

// ColorJitter changes brightness, contrast, saturation and hue by factors
// drawn uniformly from their ranges, in an order drawn at random, like
// torchvision's ColorJitter.
type ColorJitter struct {
	Brightness Range `json:"brightness" help:"b for factors in [max(0, 1-b), 1+b], or [min, max]"`
	Contrast   Range `json:"contrast" help:"c for factors in [max(0, 1-c), 1+c], or [min, max]"`
	Saturation Range `json:"saturation" help:"s for factors in [max(0, 1-s), 1+s], or [min, max]"`
	Hue        Range `json:"hue" help:"h (at most 0.5) for hue shifts in [-h, h], or [min, max] within [-0.5, 0.5]"`
}

func (j *ColorJitter) ranges() (b, c, s, h []float64, err error) {
	inf := math.Inf(1)
	if b, err = j.Brightness.jitter("brightness", 1, 0, inf, true); err != nil {
		return
	}
	if c, err = j.Contrast.jitter("contrast", 1, 0, inf, true); err != nil {
		return
	}
	if s, err = j.Saturation.jitter("saturation", 1, 0, inf, true); err != nil {
		return
	}
	h, err = j.Hue.jitter("hue", 0, -0.5, 0.5, false)
	return
}

func (j *ColorJitter) validate() error {
	_, _, _, _, err := j.ranges()
	return err
}

// JitterParams are the draws of one ColorJitter call: the order of the four
// adjustments (0 brightness, 1 contrast, 2 saturation, 3 hue) and their
// factors (NaN for those switched off).
type JitterParams struct {
	Order                                 [4]int
	Brightness, Contrast, Saturation, Hue float64
}

// Params draws the order and factors as torchvision's get_params does.
func (j *ColorJitter) Params(rng *rand.Rand) (JitterParams, error) {
	b, c, s, h, err := j.ranges()
	if err != nil {
		return JitterParams{}, err
	}
	var p JitterParams
	copy(p.Order[:], rng.Perm(4))
	draw := func(r []float64) float64 {
		if r == nil {
			return math.NaN()
		}
		return uniform(rng, r[0], r[1])
	}
	p.Brightness, p.Contrast, p.Saturation, p.Hue = draw(b), draw(c), draw(s), draw(h)
	return p, nil
}

// ApplyParams applies the adjustments of p in its order.
func (p JitterParams) ApplyParams(v Value) (Value, error) {
	out := v
	var err error
	for _, k := range p.Order {
		switch {
		case k == 0 && !math.IsNaN(p.Brightness):
			out, err = AdjustBrightness(out, p.Brightness)
		case k == 1 && !math.IsNaN(p.Contrast):
			out, err = AdjustContrast(out, p.Contrast)
		case k == 2 && !math.IsNaN(p.Saturation):
			out, err = AdjustSaturation(out, p.Saturation)
		case k == 3 && !math.IsNaN(p.Hue):
			out, err = AdjustHue(out, p.Hue)
		}
		if err != nil {
			return Value{}, err
		}
	}
	return copyValue(out, v)
}

// copyValue returns out, or a copy of it when it is in (transforms never
// return their input).
func copyValue(out, in Value) (Value, error) {
	if (out.Image != nil && out.Image == in.Image) || (out.Tensor != nil && out.Tensor == in.Tensor) {
		return maybeFlip(in, false, false)
	}
	return out, nil
}

// Apply jitters v.
func (j *ColorJitter) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := j.validate(); err != nil {
		return Value{}, fmt.Errorf("ColorJitter: %w", err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("ColorJitter: %w", errNoRand)
	}
	p, err := j.Params(rng)
	if err != nil {
		return Value{}, fmt.Errorf("ColorJitter: %w", err)
	}
	out, err := p.ApplyParams(v)
	if err != nil {
		return Value{}, fmt.Errorf("ColorJitter: %w", err)
	}
	return out, nil
}

// randomP applies f with probability p (a copy of v otherwise), drawing
// one number from rng as torchvision's torch.rand(1) < p.
func randomP(name string, p float64, v Value, rng *rand.Rand, f func(Value) (Value, error)) (Value, error) {
	if err := checkP(p); err != nil {
		return Value{}, fmt.Errorf("%s: %w", name, err)
	}
	if _, _, _, err := v.Size(); err != nil {
		return Value{}, fmt.Errorf("%s: %w", name, err)
	}
	if rng == nil {
		return Value{}, fmt.Errorf("%s: %w", name, errNoRand)
	}
	if rng.Float64() < p {
		out, err := f(v)
		if err != nil {
			return Value{}, fmt.Errorf("%s: %w", name, err)
		}
		return copyValue(out, v)
	}
	return maybeFlip(v, false, false)
}

func init() {
	registerTransform("RandomGrayscale", "convert to gray with probability p (keeping the channel count)", func() *RandomGrayscale { return &RandomGrayscale{P: 0.1} })
	registerTransform("RandomInvert", "invert the colors with probability p", func() *RandomInvert { return &RandomInvert{P: 0.5} })
	registerTransform("RandomPosterize", "keep the top bits of each value with probability p", func() *RandomPosterize { return &RandomPosterize{P: 0.5} })
	registerTransform("RandomSolarize", "invert values at or above a threshold with probability p", func() *RandomSolarize { return &RandomSolarize{P: 0.5} })
	registerTransform("RandomAdjustSharpness", "sharpen (or blur) by a factor with probability p", func() *RandomAdjustSharpness { return &RandomAdjustSharpness{P: 0.5} })
	registerTransform("RandomAutocontrast", "stretch each channel to the full range with probability p", func() *RandomAutocontrast { return &RandomAutocontrast{P: 0.5} })
	registerTransform("RandomEqualize", "equalize the histogram with probability p", func() *RandomEqualize { return &RandomEqualize{P: 0.5} })
	registerTransform("GaussianBlur", "blur with a Gaussian kernel whose sigma is drawn from a range", func() *GaussianBlur { return &GaussianBlur{Sigma: Range{0.1, 2}} })
}

// RandomGrayscale converts to gray with probability P, keeping the number
// of channels (gray replicated for RGB), like torchvision's.
type RandomGrayscale struct {
	P float64 `json:"p" min:"0" max:"1" help:"probability of converting"`
}

func (g *RandomGrayscale) validate() error { return checkP(g.P) }

// Apply converts v with probability P.
func (g *RandomGrayscale) Apply(v Value, rng *rand.Rand) (Value, error) {
	return randomP("RandomGrayscale", g.P, v, rng, func(v Value) (Value, error) {
		_, _, c, _ := v.Size()
		n := 1
		if c == 3 {
			n = 3
		}
		return (&Grayscale{NumOutputChannels: n}).Apply(v, nil)
	})
}

// RandomInvert inverts with probability P, like torchvision's.
type RandomInvert struct {
	P float64 `json:"p" min:"0" max:"1" help:"probability of inverting"`
}

func (g *RandomInvert) validate() error { return checkP(g.P) }

// Apply inverts v with probability P.
func (g *RandomInvert) Apply(v Value, rng *rand.Rand) (Value, error) {
	return randomP("RandomInvert", g.P, v, rng, Invert)
}

// RandomPosterize keeps the top Bits bits with probability P, like
// torchvision's (8-bit images only, as torchvision takes only uint8).
type RandomPosterize struct {
	Bits int     `json:"bits" required:"true" min:"0" max:"8" help:"number of bits to keep"`
	P    float64 `json:"p" min:"0" max:"1" help:"probability of posterizing"`
}

func (g *RandomPosterize) validate() error {
	if g.Bits < 0 || g.Bits > 8 {
		return paramError("bits", fmt.Sprintf("must be in [0, 8], got %d", g.Bits))
	}
	return checkP(g.P)
}

// Apply posterizes v with probability P.
func (g *RandomPosterize) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := g.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomPosterize: %w", err)
	}
	return randomP("RandomPosterize", g.P, v, rng, func(v Value) (Value, error) { return Posterize(v, g.Bits) })
}

// RandomSolarize inverts the values at or above Threshold with probability
// P, like torchvision's (the threshold is 0-255 for images, 0-1 for
// tensors).
type RandomSolarize struct {
	Threshold float64 `json:"threshold" required:"true" help:"values at or above it are inverted (0-255 for images, 0-1 for tensors)"`
	P         float64 `json:"p" min:"0" max:"1" help:"probability of solarizing"`
}

func (g *RandomSolarize) validate() error {
	if math.IsNaN(g.Threshold) || math.IsInf(g.Threshold, 0) {
		return paramError("threshold", fmt.Sprintf("must be finite, got %v", g.Threshold))
	}
	return checkP(g.P)
}

// Apply solarizes v with probability P.
func (g *RandomSolarize) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := g.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomSolarize: %w", err)
	}
	if v.Tensor != nil && g.Threshold > 1 {
		return Value{}, fmt.Errorf("RandomSolarize: threshold %v is above 1, the largest value of a float tensor (as torchvision refuses)", g.Threshold)
	}
	return randomP("RandomSolarize", g.P, v, rng, func(v Value) (Value, error) { return Solarize(v, g.Threshold) })
}

// RandomAdjustSharpness sharpens by SharpnessFactor with probability P,
// like torchvision's (0 blurs, 1 keeps the image, 2 doubles the sharpness).
type RandomAdjustSharpness struct {
	SharpnessFactor float64 `json:"sharpness_factor" required:"true" min:"0" help:"0 blurs, 1 keeps, 2 sharpens twice"`
	P               float64 `json:"p" min:"0" max:"1" help:"probability of adjusting"`
}

func (g *RandomAdjustSharpness) validate() error {
	if err := checkFactor("sharpness_factor", g.SharpnessFactor); err != nil {
		return paramError("sharpness_factor", err.Error())
	}
	return checkP(g.P)
}

// Apply adjusts v with probability P.
func (g *RandomAdjustSharpness) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := g.validate(); err != nil {
		return Value{}, fmt.Errorf("RandomAdjustSharpness: %w", err)
	}
	return randomP("RandomAdjustSharpness", g.P, v, rng, func(v Value) (Value, error) { return AdjustSharpness(v, g.SharpnessFactor) })
}

// RandomAutocontrast stretches each channel with probability P, like
// torchvision's.
type RandomAutocontrast struct {
	P float64 `json:"p" min:"0" max:"1" help:"probability of stretching"`
}

func (g *RandomAutocontrast) validate() error { return checkP(g.P) }

// Apply stretches v with probability P.
func (g *RandomAutocontrast) Apply(v Value, rng *rand.Rand) (Value, error) {
	return randomP("RandomAutocontrast", g.P, v, rng, Autocontrast)
}

// RandomEqualize equalizes with probability P, like torchvision's (8-bit
// images only, as torchvision takes only uint8).
type RandomEqualize struct {
	P float64 `json:"p" min:"0" max:"1" help:"probability of equalizing"`
}

func (g *RandomEqualize) validate() error { return checkP(g.P) }

// Apply equalizes v with probability P.
func (g *RandomEqualize) Apply(v Value, rng *rand.Rand) (Value, error) {
	return randomP("RandomEqualize", g.P, v, rng, Equalize)
}

// GaussianBlur blurs with a Gaussian kernel of KernelSize ([x, y], or one
// odd number for both) and a sigma drawn uniformly from Sigma (one number s
// means exactly s), like torchvision's GaussianBlur.
type GaussianBlur struct {
	KernelSize Size  `json:"kernel_size" required:"true" expect:"an odd positive integer or [x, y] of them" help:"kernel width and height"`
	Sigma      Range `json:"sigma" help:"standard deviation, or [min, max] to draw it from"`
}

func (g *GaussianBlur) validate() error {
	if err := g.KernelSize.check("kernel_size"); err != nil {
		return err
	}
	for _, k := range g.KernelSize {
		if k%2 == 0 {
			return paramError("kernel_size", fmt.Sprintf("values must be odd and positive, got %v", []int(g.KernelSize)))
		}
	}
	switch len(g.Sigma) {
	case 1:
		if !(g.Sigma[0] > 0) || math.IsInf(g.Sigma[0], 0) {
			return paramError("sigma", fmt.Sprintf("a single number must be positive, got %v", g.Sigma[0]))
		}
	case 2:
		if !(g.Sigma[0] > 0 && g.Sigma[0] <= g.Sigma[1]) || math.IsInf(g.Sigma[1], 0) {
			return paramError("sigma", fmt.Sprintf("want [min, max] with 0 < min <= max, got %v", []float64(g.Sigma)))
		}
	default:
		return paramError("sigma", "want a positive number or [min, max]")
	}
	return nil
}

// Apply blurs v with a sigma drawn from rng.
func (g *GaussianBlur) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := g.validate(); err != nil {
		return Value{}, fmt.Errorf("GaussianBlur: %w", err)
	}
	lo, hi := g.Sigma[0], g.Sigma[len(g.Sigma)-1]
	s := lo
	if lo != hi {
		if rng == nil {
			return Value{}, fmt.Errorf("GaussianBlur: %w", errNoRand)
		}
		s = uniform(rng, lo, hi)
	}
	kx, ky := g.KernelSize[0], g.KernelSize[len(g.KernelSize)-1]
	out, err := GaussianBlurValue(v, kx, ky, s, s)
	if err != nil {
		return Value{}, fmt.Errorf("GaussianBlur: %w", err)
	}
	return out, nil
}
