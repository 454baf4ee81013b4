package images

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The automatic augmentations (AutoAugment, RandAugment, TrivialAugmentWide,
// AugMix) pick operations and magnitudes at random and apply them as
// torchvision's _apply_op does on PIL images; each operation is one of the
// functions of this package (Affine, RotateInterp, AdjustBrightness, ...),
// checked against torchvision. They take 8-bit images, as torchvision takes
// PIL images and uint8 tensors.

// AugmentOp is the name of one operation of the automatic augmentations,
// as torchvision's _apply_op names them.
type AugmentOp string

// linspace32 is torch.linspace(start, end, n) in float32 exactly as torch
// 1.13's CPU kernel computes it (checked against it in the tests): blocks
// of 16 values are two vectors of 8 whose lanes are base + k*step, the rest
// is computed one by one; each base or single value is start + step*i in
// the first half and end - step*(n-1-i) in the second, with a fused
// multiply-add (as the kernel is compiled).
func linspace32(start, end float64, n int) []float32 {
	out := make([]float32, n)
	if n == 1 {
		out[0] = float32(start)
		return out
	}
	s, e := float32(start), float32(end)
	step := (e - s) / float32(n-1)
	half := n / 2
	at := func(i int) float32 {
		if i < half {
			return float32(math.FMA(float64(step), float64(i), float64(s)))
		}
		return float32(math.FMA(-float64(step), float64(n-1-i), float64(e)))
	}
	i := 0
	for ; i+16 <= n; i += 8 {
		base := at(i)
		for k := range 8 {
			out[i+k] = base + float32(float32(k)*step)
		}
	}
	for ; i < n; i++ {
		out[i] = at(i)
	}
	return out
}

// posterizeBins is torchvision's top - (arange(n) / ((n-1)/div)).round().int().
func posterizeBins(top, div float64, n int) []float32 {
	out := make([]float32, n)
	d := float32(float64(n-1) / div)
	for i := range out {
		out[i] = float32(top) - float32(math.RoundToEven(float64(float32(i)/d)))
	}
	return out
}

// augmentOp is an operation with its magnitudes (nil: it takes none) and
// whether the magnitude's sign is drawn.
type augmentOp struct {
	name   AugmentOp
	bins   []float32
	signed bool
}

// autoAugmentSpace is the augmentation space of AutoAugment (RandAugment
// is the same with Identity first and no Invert): n bins for an image of
// w x h pixels.
func autoAugmentSpace(n, w, h int, identity, invert bool) []augmentOp {
	var s []augmentOp
	if identity {
		s = append(s, augmentOp{"Identity", nil, false})
	}
	s = append(s,
		augmentOp{"ShearX", linspace32(0, 0.3, n), true},
		augmentOp{"ShearY", linspace32(0, 0.3, n), true},
		augmentOp{"TranslateX", linspace32(0, 150.0/331.0*float64(w), n), true},
		augmentOp{"TranslateY", linspace32(0, 150.0/331.0*float64(h), n), true},
		augmentOp{"Rotate", linspace32(0, 30, n), true},
		augmentOp{"Brightness", linspace32(0, 0.9, n), true},
		augmentOp{"Color", linspace32(0, 0.9, n), true},
		augmentOp{"Contrast", linspace32(0, 0.9, n), true},
		augmentOp{"Sharpness", linspace32(0, 0.9, n), true},
		augmentOp{"Posterize", posterizeBins(8, 4, n), false},
		augmentOp{"Solarize", linspace32(255, 0, n), false},
		augmentOp{"AutoContrast", nil, false},
		augmentOp{"Equalize", nil, false},
	)
	if invert {
		s = append(s, augmentOp{"Invert", nil, false})
	}
	return s
}

// trivialSpace is TrivialAugmentWide's augmentation space.
func trivialSpace(n int) []augmentOp {
	return []augmentOp{
		{"Identity", nil, false},
		{"ShearX", linspace32(0, 0.99, n), true},
		{"ShearY", linspace32(0, 0.99, n), true},
		{"TranslateX", linspace32(0, 32, n), true},
		{"TranslateY", linspace32(0, 32, n), true},
		{"Rotate", linspace32(0, 135, n), true},
		{"Brightness", linspace32(0, 0.99, n), true},
		{"Color", linspace32(0, 0.99, n), true},
		{"Contrast", linspace32(0, 0.99, n), true},
		{"Sharpness", linspace32(0, 0.99, n), true},
		{"Posterize", posterizeBins(8, 6, n), false},
		{"Solarize", linspace32(255, 0, n), false},
		{"AutoContrast", nil, false},
		{"Equalize", nil, false},
	}
}

// augMixSpace is AugMix's augmentation space (the colour operations only
// with allOps).
func augMixSpace(n, w, h int, allOps bool) []augmentOp {
	s := []augmentOp{
		{"ShearX", linspace32(0, 0.3, n), true},
		{"ShearY", linspace32(0, 0.3, n), true},
		{"TranslateX", linspace32(0, float64(w)/3.0, n), true},
		{"TranslateY", linspace32(0, float64(h)/3.0, n), true},
		{"Rotate", linspace32(0, 30, n), true},
		{"Posterize", posterizeBins(4, 4, n), false},
		{"Solarize", linspace32(255, 0, n), false},
		{"AutoContrast", nil, false},
		{"Equalize", nil, false},
	}
	if allOps {
		s = append(s,
			augmentOp{"Brightness", linspace32(0, 0.9, n), true},
			augmentOp{"Color", linspace32(0, 0.9, n), true},
			augmentOp{"Contrast", linspace32(0, 0.9, n), true},
			augmentOp{"Sharpness", linspace32(0, 0.9, n), true},
		)
	}
	return s
}

// ApplyAugmentOp applies one operation with magnitude as torchvision's
// _apply_op does on a PIL image.
func ApplyAugmentOp(v Value, op AugmentOp, magnitude float64, interp Interpolation, fill Fill) (Value, error) {
	if v.Image == nil {
		return Value{}, fmt.Errorf("%s: the automatic augmentations work on 8-bit images, got a tensor (put them before ToTensor)", op)
	}
	deg := func(x float64) float64 { return x * (180 / math.Pi) } // Python's math.degrees
	switch op {
	case "ShearX":
		return Affine(v, 0, []float64{0, 0}, 1, []float64{deg(atanR(magnitude)), 0}, interp, fill, []float64{0, 0})
	case "ShearY":
		return Affine(v, 0, []float64{0, 0}, 1, []float64{0, deg(atanR(magnitude))}, interp, fill, []float64{0, 0})
	case "TranslateX":
		return Affine(v, 0, []float64{math.Trunc(magnitude), 0}, 1, []float64{0, 0}, interp, fill, nil)
	case "TranslateY":
		return Affine(v, 0, []float64{0, math.Trunc(magnitude)}, 1, []float64{0, 0}, interp, fill, nil)
	case "Rotate":
		return RotateInterp(v, magnitude, false, nil, interp, fill)
	case "Brightness":
		return AdjustBrightness(v, 1+magnitude)
	case "Color":
		return AdjustSaturation(v, 1+magnitude)
	case "Contrast":
		return AdjustContrast(v, 1+magnitude)
	case "Sharpness":
		return AdjustSharpness(v, 1+magnitude)
	case "Posterize":
		return Posterize(v, int(magnitude))
	case "Solarize":
		return Solarize(v, magnitude)
	case "AutoContrast":
		return Autocontrast(v)
	case "Equalize":
		return Equalize(v)
	case "Invert":
		return Invert(v)
	case "Identity":
		return maybeFlip(v, false, false)
	}
	return Value{}, fmt.Errorf("unknown augmentation operation %q", op)
}

// AugmentStep is one drawn operation of an automatic augmentation.
type AugmentStep struct {
	Op        AugmentOp
	Magnitude float64
}

func applySteps(v Value, steps []AugmentStep, interp Interpolation, fill Fill) (Value, error) {
	out := v
	var err error
	for _, s := range steps {
		if out, err = ApplyAugmentOp(out, s.Op, s.Magnitude, interp, fill); err != nil {
			return Value{}, err
		}
	}
	return copyValue(out, v)
}

func augmentInput(name string, v Value, rng *rand.Rand) (w, h int, err error) {
	w, h, _, err = v.Size()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", name, err)
	}
	if v.Image == nil {
		return 0, 0, fmt.Errorf("%s: works on 8-bit images (PIL images in torchvision), got a float tensor (put it before ToTensor)", name)
	}
	if rng == nil {
		return 0, 0, fmt.Errorf("%s: %w", name, errNoRand)
	}
	return w, h, nil
}

func checkAugment(interp Interpolation, fill Fill) error {
	if err := checkInterp("interpolation", interp); err != nil {
		return err
	}
	return fill.check("fill")
}

type subPolicy struct {
	op  AugmentOp
	p   float64
	mag int // -1: none
}

// autoAugmentPolicies are torchvision 0.14's learned policies.
var autoAugmentPolicies = map[string][][2]subPolicy{
	"imagenet": {
		{{"Posterize", 0.4, 8}, {"Rotate", 0.6, 9}},
		{{"Solarize", 0.6, 5}, {"AutoContrast", 0.6, -1}},
		{{"Equalize", 0.8, -1}, {"Equalize", 0.6, -1}},
		{{"Posterize", 0.6, 7}, {"Posterize", 0.6, 6}},
		{{"Equalize", 0.4, -1}, {"Solarize", 0.2, 4}},
		{{"Equalize", 0.4, -1}, {"Rotate", 0.8, 8}},
		{{"Solarize", 0.6, 3}, {"Equalize", 0.6, -1}},
		{{"Posterize", 0.8, 5}, {"Equalize", 1.0, -1}},
		{{"Rotate", 0.2, 3}, {"Solarize", 0.6, 8}},
		{{"Equalize", 0.6, -1}, {"Posterize", 0.4, 6}},
		{{"Rotate", 0.8, 8}, {"Color", 0.4, 0}},
		{{"Rotate", 0.4, 9}, {"Equalize", 0.6, -1}},
		{{"Equalize", 0.0, -1}, {"Equalize", 0.8, -1}},
		{{"Invert", 0.6, -1}, {"Equalize", 1.0, -1}},
		{{"Color", 0.6, 4}, {"Contrast", 1.0, 8}},
		{{"Rotate", 0.8, 8}, {"Color", 1.0, 2}},
		{{"Color", 0.8, 8}, {"Solarize", 0.8, 7}},
		{{"Sharpness", 0.4, 7}, {"Invert", 0.6, -1}},
		{{"ShearX", 0.6, 5}, {"Equalize", 1.0, -1}},
		{{"Color", 0.4, 0}, {"Equalize", 0.6, -1}},
		{{"Equalize", 0.4, -1}, {"Solarize", 0.2, 4}},
		{{"Solarize", 0.6, 5}, {"AutoContrast", 0.6, -1}},
		{{"Invert", 0.6, -1}, {"Equalize", 1.0, -1}},
		{{"Color", 0.6, 4}, {"Contrast", 1.0, 8}},
		{{"Equalize", 0.8, -1}, {"Equalize", 0.6, -1}},
	},
	"cifar10": {
		{{"Invert", 0.1, -1}, {"Contrast", 0.2, 6}},
		{{"Rotate", 0.7, 2}, {"TranslateX", 0.3, 9}},
		{{"Sharpness", 0.8, 1}, {"Sharpness", 0.9, 3}},
		{{"ShearY", 0.5, 8}, {"TranslateY", 0.7, 9}},
		{{"AutoContrast", 0.5, -1}, {"Equalize", 0.9, -1}},
		{{"ShearY", 0.2, 7}, {"Posterize", 0.3, 7}},
		{{"Color", 0.4, 3}, {"Brightness", 0.6, 7}},
		{{"Sharpness", 0.3, 9}, {"Brightness", 0.7, 9}},
		{{"Equalize", 0.6, -1}, {"Equalize", 0.5, -1}},
		{{"Contrast", 0.6, 7}, {"Sharpness", 0.6, 5}},
		{{"Color", 0.7, 7}, {"TranslateX", 0.5, 8}},
		{{"Equalize", 0.3, -1}, {"AutoContrast", 0.4, -1}},
		{{"TranslateY", 0.4, 3}, {"Sharpness", 0.2, 6}},
		{{"Brightness", 0.9, 6}, {"Color", 0.2, 8}},
		{{"Solarize", 0.5, 2}, {"Invert", 0.0, -1}},
		{{"Equalize", 0.2, -1}, {"AutoContrast", 0.6, -1}},
		{{"Equalize", 0.2, -1}, {"Equalize", 0.6, -1}},
		{{"Color", 0.9, 9}, {"Equalize", 0.6, -1}},
		{{"AutoContrast", 0.8, -1}, {"Solarize", 0.2, 8}},
		{{"Brightness", 0.1, 3}, {"Color", 0.7, 0}},
		{{"Solarize", 0.4, 5}, {"AutoContrast", 0.9, -1}},
		{{"TranslateY", 0.9, 9}, {"TranslateY", 0.7, 9}},
		{{"AutoContrast", 0.9, -1}, {"Solarize", 0.8, 3}},
		{{"Equalize", 0.8, -1}, {"Invert", 0.1, -1}},
		{{"TranslateY", 0.7, 9}, {"AutoContrast", 0.9, -1}},
	},
	"svhn": {
		{{"ShearX", 0.9, 4}, {"Invert", 0.2, -1}},
		{{"ShearY", 0.9, 8}, {"Invert", 0.7, -1}},
		{{"Equalize", 0.6, -1}, {"Solarize", 0.6, 6}},
		{{"Invert", 0.9, -1}, {"Equalize", 0.6, -1}},
		{{"Equalize", 0.6, -1}, {"Rotate", 0.9, 3}},
		{{"ShearX", 0.9, 4}, {"AutoContrast", 0.8, -1}},
		{{"ShearY", 0.9, 8}, {"Invert", 0.4, -1}},
		{{"ShearY", 0.9, 5}, {"Solarize", 0.2, 6}},
		{{"Invert", 0.9, -1}, {"AutoContrast", 0.8, -1}},
		{{"Equalize", 0.6, -1}, {"Rotate", 0.9, 3}},
		{{"ShearX", 0.9, 4}, {"Solarize", 0.3, 3}},
		{{"ShearY", 0.8, 8}, {"Invert", 0.7, -1}},
		{{"Equalize", 0.9, -1}, {"TranslateY", 0.6, 6}},
		{{"Invert", 0.9, -1}, {"Equalize", 0.6, -1}},
		{{"Contrast", 0.3, 3}, {"Rotate", 0.8, 4}},
		{{"Invert", 0.8, -1}, {"TranslateY", 0.0, 2}},
		{{"ShearY", 0.7, 6}, {"Solarize", 0.4, 8}},
		{{"Invert", 0.6, -1}, {"Rotate", 0.8, 4}},
		{{"ShearY", 0.3, 7}, {"TranslateX", 0.9, 3}},
		{{"ShearX", 0.1, 6}, {"Invert", 0.6, -1}},
		{{"Solarize", 0.7, 2}, {"TranslateY", 0.6, 7}},
		{{"ShearY", 0.8, 4}, {"Invert", 0.8, -1}},
		{{"ShearX", 0.7, 9}, {"TranslateY", 0.8, 3}},
		{{"ShearY", 0.8, 5}, {"AutoContrast", 0.7, -1}},
		{{"ShearX", 0.7, 2}, {"Invert", 0.1, -1}},
	},
}

func init() {
	registerTransform("AutoAugment", "a learned policy (imagenet, cifar10 or svhn) of two random operations", func() *AutoAugment {
		return &AutoAugment{Policy: "imagenet", Interpolation: Nearest}
	})
	registerTransform("RandAugment", "num_ops random operations of a fixed magnitude", func() *RandAugment {
		return &RandAugment{NumOps: 2, Magnitude: 9, NumMagnitudeBins: 31, Interpolation: Nearest}
	})
	registerTransform("TrivialAugmentWide", "one random operation of a random magnitude", func() *TrivialAugmentWide {
		return &TrivialAugmentWide{NumMagnitudeBins: 31, Interpolation: Nearest}
	})
	registerTransform("AugMix", "a Dirichlet-weighted mix of the image and random chains of operations", func() *AugMix {
		return &AugMix{Severity: 3, MixtureWidth: 3, ChainDepth: -1, Alpha: 1, AllOps: true, Interpolation: Bilinear}
	})
}

// AutoAugment applies one of a policy's sub-policies, drawn at random: two
// operations, each with its probability and magnitude, like torchvision's
// AutoAugment.
type AutoAugment struct {
	Policy        AutoAugmentPolicy `json:"policy" enum:"imagenet,cifar10,svhn" help:"the learned policy (AutoAugmentPolicy)"`
	Interpolation Interpolation     `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter of the geometric operations"`
	Fill          Fill              `json:"fill" nullable:"true" help:"value outside transformed images (0-255), one number or one per channel"`
}

func (a *AutoAugment) validate() error {
	if _, ok := autoAugmentPolicies[string(a.Policy)]; !ok {
		return paramError("policy", fmt.Sprintf("unknown value %q (want imagenet, cifar10 or svhn)", a.Policy))
	}
	return checkAugment(a.Interpolation, a.Fill)
}

// Steps draws the operations for an image of w x h pixels as torchvision's
// forward does: a sub-policy, two probabilities, two signs.
func (a *AutoAugment) Steps(rng *rand.Rand, w, h int) []AugmentStep {
	pol := autoAugmentPolicies[string(a.Policy)]
	id := rng.IntN(len(pol))
	probs := [2]float64{rng.Float64(), rng.Float64()}
	signs := [2]int{rng.IntN(2), rng.IntN(2)}
	space := map[AugmentOp]augmentOp{}
	for _, op := range autoAugmentSpace(10, w, h, false, true) {
		space[op.name] = op
	}
	var steps []AugmentStep
	for i, sp := range pol[id] {
		if probs[i] > sp.p {
			continue
		}
		op := space[sp.op]
		mag := 0.0
		if sp.mag >= 0 {
			mag = float64(op.bins[sp.mag])
		}
		if op.signed && signs[i] == 0 {
			mag = -mag
		}
		steps = append(steps, AugmentStep{sp.op, mag})
	}
	return steps
}

// Apply augments v.
func (a *AutoAugment) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := a.validate(); err != nil {
		return Value{}, fmt.Errorf("AutoAugment: %w", err)
	}
	w, h, err := augmentInput("AutoAugment", v, rng)
	if err != nil {
		return Value{}, err
	}
	out, err := applySteps(v, a.Steps(rng, w, h), a.Interpolation, a.Fill)
	if err != nil {
		return Value{}, fmt.Errorf("AutoAugment: %w", err)
	}
	return out, nil
}

// RandAugment applies NumOps operations drawn uniformly, each with the
// magnitude of bin Magnitude of NumMagnitudeBins and a random sign, like
// torchvision's RandAugment.
type RandAugment struct {
	NumOps           int           `json:"num_ops" min:"0" max:"100" help:"number of operations applied"`
	Magnitude        int           `json:"magnitude" min:"0" help:"magnitude bin (below num_magnitude_bins)"`
	NumMagnitudeBins int           `json:"num_magnitude_bins" min:"2" max:"100000" help:"number of magnitude bins"`
	Interpolation    Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter of the geometric operations"`
	Fill             Fill          `json:"fill" nullable:"true" help:"value outside transformed images (0-255), one number or one per channel"`
}

func (a *RandAugment) validate() error {
	if a.NumOps < 0 || a.NumOps > 100 {
		return paramError("num_ops", fmt.Sprintf("must be in [0, 100], got %d", a.NumOps))
	}
	if a.NumMagnitudeBins < 2 || a.NumMagnitudeBins > 100000 {
		return paramError("num_magnitude_bins", fmt.Sprintf("must be in [2, 100000], got %d", a.NumMagnitudeBins))
	}
	if a.Magnitude < 0 || a.Magnitude >= a.NumMagnitudeBins {
		return paramError("magnitude", fmt.Sprintf("must be in [0, num_magnitude_bins) = [0, %d), got %d", a.NumMagnitudeBins, a.Magnitude))
	}
	return checkAugment(a.Interpolation, a.Fill)
}

// Steps draws the operations as torchvision's forward does.
func (a *RandAugment) Steps(rng *rand.Rand, w, h int) []AugmentStep {
	space := autoAugmentSpace(a.NumMagnitudeBins, w, h, true, false)
	steps := make([]AugmentStep, 0, a.NumOps)
	for range a.NumOps {
		op := space[rng.IntN(len(space))]
		mag := 0.0
		if op.bins != nil {
			mag = float64(op.bins[a.Magnitude])
		}
		if op.signed && rng.IntN(2) == 1 {
			mag = -mag
		}
		steps = append(steps, AugmentStep{op.name, mag})
	}
	return steps
}

// Apply augments v.
func (a *RandAugment) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := a.validate(); err != nil {
		return Value{}, fmt.Errorf("RandAugment: %w", err)
	}
	w, h, err := augmentInput("RandAugment", v, rng)
	if err != nil {
		return Value{}, err
	}
	out, err := applySteps(v, a.Steps(rng, w, h), a.Interpolation, a.Fill)
	if err != nil {
		return Value{}, fmt.Errorf("RandAugment: %w", err)
	}
	return out, nil
}

// TrivialAugmentWide applies one operation drawn uniformly with a magnitude
// bin drawn uniformly and a random sign, like torchvision's.
type TrivialAugmentWide struct {
	NumMagnitudeBins int           `json:"num_magnitude_bins" min:"2" max:"100000" help:"number of magnitude bins"`
	Interpolation    Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter of the geometric operations"`
	Fill             Fill          `json:"fill" nullable:"true" help:"value outside transformed images (0-255), one number or one per channel"`
}

func (a *TrivialAugmentWide) validate() error {
	if a.NumMagnitudeBins < 2 || a.NumMagnitudeBins > 100000 {
		return paramError("num_magnitude_bins", fmt.Sprintf("must be in [2, 100000], got %d", a.NumMagnitudeBins))
	}
	return checkAugment(a.Interpolation, a.Fill)
}

// Steps draws the operation as torchvision's forward does.
func (a *TrivialAugmentWide) Steps(rng *rand.Rand) []AugmentStep {
	space := trivialSpace(a.NumMagnitudeBins)
	op := space[rng.IntN(len(space))]
	mag := 0.0
	if op.bins != nil {
		mag = float64(op.bins[rng.IntN(len(op.bins))])
	}
	if op.signed && rng.IntN(2) == 1 {
		mag = -mag
	}
	return []AugmentStep{{op.name, mag}}
}

// Apply augments v.
func (a *TrivialAugmentWide) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := a.validate(); err != nil {
		return Value{}, fmt.Errorf("TrivialAugmentWide: %w", err)
	}
	if _, _, err := augmentInput("TrivialAugmentWide", v, rng); err != nil {
		return Value{}, err
	}
	out, err := applySteps(v, a.Steps(rng), a.Interpolation, a.Fill)
	if err != nil {
		return Value{}, fmt.Errorf("TrivialAugmentWide: %w", err)
	}
	return out, nil
}

// AugMix mixes the image with MixtureWidth chains of 1-3 (or ChainDepth)
// random operations, with Dirichlet(Alpha) weights, like torchvision's
// AugMix: mix = m0*image + m1*sum(w_i * chain_i), truncated to 8 bits.
// torchvision runs the operations of a PIL image on its uint8 tensor (the
// tensor implementations, which differ from PIL's by rounding and
// sampling); here they are the PIL ones, as the other automatic
// augmentations use; the draws follow torchvision's.
type AugMix struct {
	Severity      int           `json:"severity" min:"1" max:"10" help:"the largest magnitude bin of the operations (1-10)"`
	MixtureWidth  int           `json:"mixture_width" min:"1" max:"100" help:"number of chains mixed"`
	ChainDepth    int           `json:"chain_depth" max:"100" help:"operations per chain (-1 or 0: 1 to 3 at random)"`
	Alpha         float64       `json:"alpha" gt:"0" help:"Dirichlet concentration of the mixing weights"`
	AllOps        bool          `json:"all_ops" help:"also use brightness, color, contrast and sharpness"`
	Interpolation Interpolation `json:"interpolation" enum:"nearest,bilinear,bicubic" help:"resampling filter of the geometric operations"`
	Fill          Fill          `json:"fill" nullable:"true" help:"value outside transformed images (0-255), one number or one per channel"`
}

func (a *AugMix) validate() error {
	if a.Severity < 1 || a.Severity > 10 {
		return paramError("severity", fmt.Sprintf("must be in [1, 10], got %d", a.Severity))
	}
	if a.MixtureWidth < 1 || a.MixtureWidth > 100 {
		return paramError("mixture_width", fmt.Sprintf("must be in [1, 100], got %d", a.MixtureWidth))
	}
	if a.ChainDepth > 100 {
		return paramError("chain_depth", fmt.Sprintf("must be at most 100, got %d", a.ChainDepth))
	}
	if !(a.Alpha > 0) || math.IsInf(a.Alpha, 0) {
		return paramError("alpha", fmt.Sprintf("must be positive, got %v", a.Alpha))
	}
	return checkAugment(a.Interpolation, a.Fill)
}

// gamma draws from Gamma(alpha, 1) (Marsaglia and Tsang; boosted for alpha
// below 1).
func gamma(rng *rand.Rand, alpha float64) float64 {
	if alpha < 1 {
		return gamma(rng, alpha+1) * math.Pow(rng.Float64(), 1/alpha)
	}
	d := alpha - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// dirichlet draws n weights from Dirichlet(alpha, ..., alpha).
func dirichlet(rng *rand.Rand, alpha float64, n int) []float64 {
	w := make([]float64, n)
	var s float64
	for i := range w {
		w[i] = gamma(rng, alpha)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// AugMixDraw is one AugMix draw: the weight of the image, the weights of
// the chains and the chains' operations.
type AugMixDraw struct {
	ImageWeight  float64
	ChainWeights []float64
	Chains       [][]AugmentStep
}

// Draw draws the weights and chains for an image of w x h pixels in
// torchvision's order.
func (a *AugMix) Draw(rng *rand.Rand, w, h int) AugMixDraw {
	m := dirichlet(rng, a.Alpha, 2)
	cw := dirichlet(rng, a.Alpha, a.MixtureWidth)
	for i := range cw {
		cw[i] = float64(float32(cw[i]) * float32(m[1]))
	}
	d := AugMixDraw{ImageWeight: float64(float32(m[0])), ChainWeights: cw}
	space := augMixSpace(10, w, h, a.AllOps)
	for range a.MixtureWidth {
		depth := a.ChainDepth
		if depth <= 0 {
			depth = 1 + rng.IntN(3)
		}
		var chain []AugmentStep
		for range depth {
			op := space[rng.IntN(len(space))]
			mag := 0.0
			if op.bins != nil {
				mag = float64(op.bins[rng.IntN(a.Severity)])
			}
			if op.signed && rng.IntN(2) == 1 {
				mag = -mag
			}
			chain = append(chain, AugmentStep{op.name, mag})
		}
		d.Chains = append(d.Chains, chain)
	}
	return d
}

// ApplyDraw mixes v with the chains of d, in float32 as torchvision does.
func (d AugMixDraw) ApplyDraw(v Value, interp Interpolation, fill Fill) (Value, error) {
	m := v.Image
	mix := make([]float32, len(m.Pix))
	iw := float32(d.ImageWeight)
	for i, p := range m.Pix {
		mix[i] = iw * float32(p)
	}
	for k, chain := range d.Chains {
		aug := v
		var err error
		for _, s := range chain {
			if aug, err = ApplyAugmentOp(aug, s.Op, s.Magnitude, interp, fill); err != nil {
				return Value{}, err
			}
		}
		w := float32(d.ChainWeights[k])
		for i, p := range aug.Image.Pix {
			mix[i] += w * float32(p)
		}
	}
	out := NewImage(m.W, m.H, m.C)
	for i, x := range mix {
		out.Pix[i] = toBytes(x)
	}
	return Value{Image: out}, nil
}

// Apply augments v.
func (a *AugMix) Apply(v Value, rng *rand.Rand) (Value, error) {
	if err := a.validate(); err != nil {
		return Value{}, fmt.Errorf("AugMix: %w", err)
	}
	w, h, err := augmentInput("AugMix", v, rng)
	if err != nil {
		return Value{}, err
	}
	out, err := a.Draw(rng, w, h).ApplyDraw(v, a.Interpolation, a.Fill)
	if err != nil {
		return Value{}, fmt.Errorf("AugMix: %w", err)
	}
	return out, nil
}

// AutoAugmentPolicy is torchvision's AutoAugmentPolicy: "imagenet",
// "cifar10" or "svhn".
type AutoAugmentPolicy string

// UnmarshalJSON reads a policy's value ("cifar10") or its enum name as
// Python code writes it ("AutoAugmentPolicy.CIFAR10", quoted or not).
func (p *AutoAugmentPolicy) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf(`want a policy such as "imagenet" or "AutoAugmentPolicy.IMAGENET", got %s`, abbrev(b))
	}
	k := strings.Trim(s, "'\" ")
	if j := strings.LastIndex(k, "."); j >= 0 && strings.Contains(k[:j], "AutoAugmentPolicy") {
		k = strings.ToLower(k[j+1:])
	} else if strings.ToUpper(k) == k {
		k = strings.ToLower(k)
	}
	*p = AutoAugmentPolicy(k)
	return nil
}

// ParamType names the type in the catalogue: a string.
func (AutoAugmentPolicy) ParamType() (string, string) {
	return "string", `an AutoAugmentPolicy: "imagenet", "cifar10" or "svhn" (or "AutoAugmentPolicy.CIFAR10")`
}
