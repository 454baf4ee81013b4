package nn

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// OutputSize is an adaptive pooling's output_size: an integer (every
// dimension), or a list with one integer or null (None: the input's size)
// per dimension. Nulls are stored as 0.
type OutputSize []int

// UnmarshalJSON reads 3, [3, 5] or [null, 4].
func (o *OutputSize) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		if n < 1 {
			return fmt.Errorf("is %d, expected a positive size", n)
		}
		*o = OutputSize{n}
		return nil
	}
	var l []*int
	if err := json.Unmarshal(b, &l); err != nil || len(l) == 0 {
		return fmt.Errorf("expected an integer or a list of integers or nulls, got %s", abbrev(b))
	}
	out := make(OutputSize, len(l))
	for i, v := range l {
		if v != nil {
			if *v < 1 {
				return fmt.Errorf("is %s, expected positive sizes or nulls (entry %d is %d)", abbrev(b), i, *v)
			}
			out[i] = *v
		}
	}
	*o = out
	return nil
}

// MarshalJSON writes one integer or a list (null for 0).
func (o OutputSize) MarshalJSON() ([]byte, error) {
	if len(o) == 1 {
		return json.Marshal(o[0])
	}
	b := []byte{'['}
	for i, v := range o {
		if i > 0 {
			b = append(b, ',')
		}
		if v == 0 {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	return append(b, ']'), nil
}

// ParamType names the type "[]int" in the catalogue.
func (OutputSize) ParamType() (string, string) { return "[]int", "" }

// ParamNumbers returns the sizes given, which the bounds apply to.
func (o OutputSize) ParamNumbers() []float64 {
	var out []float64
	for _, v := range o {
		if v != 0 {
			out = append(out, float64(v))
		}
	}
	return out
}

// MaxPoolNdParams are torch.nn.MaxPool1d's and MaxPool3d's keyword
// arguments.
type MaxPoolNdParams struct {
	KernelSize    IntList  `json:"kernel_size" required:"true" min:"1" help:"window size: an int, or one per spatial dimension"`
	Stride        *IntList `json:"stride" nullable:"true" type:"[]int" min:"1" help:"step of the window (default: kernel_size)"`
	Padding       IntList  `json:"padding" min:"0" help:"implicit -inf padding on both sides"`
	Dilation      IntList  `json:"dilation" min:"1" help:"spacing between kernel elements"`
	ReturnIndices bool     `json:"return_indices" help:"keep the positions of the maxima for a following MaxUnpool"`
	CeilMode      bool     `json:"ceil_mode" help:"round the output size up"`
}

// AvgPool1dParams are torch.nn.AvgPool1d's keyword arguments.
type AvgPool1dParams struct {
	KernelSize      IntList  `json:"kernel_size" required:"true" min:"1" help:"window size: an int or a list of one"`
	Stride          *IntList `json:"stride" nullable:"true" type:"[]int" min:"1" help:"step of the window (default: kernel_size)"`
	Padding         IntList  `json:"padding" min:"0" help:"implicit zero padding on both sides"`
	CeilMode        bool     `json:"ceil_mode" help:"round the output size up"`
	CountIncludePad bool     `json:"count_include_pad" help:"count the zero padding in the average"`
}

// AvgPool3dParams are torch.nn.AvgPool3d's keyword arguments.
type AvgPool3dParams struct {
	KernelSize      IntList  `json:"kernel_size" required:"true" min:"1" help:"window size: an int or a list of three"`
	Stride          *IntList `json:"stride" nullable:"true" type:"[]int" min:"1" help:"step of the window (default: kernel_size)"`
	Padding         IntList  `json:"padding" min:"0" help:"implicit zero padding on both sides"`
	CeilMode        bool     `json:"ceil_mode" help:"round the output size up"`
	CountIncludePad bool     `json:"count_include_pad" help:"count the zero padding in the average"`
	DivisorOverride *int     `json:"divisor_override" nullable:"true" type:"int" min:"1" help:"divide every window sum by this instead (default: the window size)"`
}

// LPPoolParams are torch.nn.LPPool1d's and LPPool2d's keyword arguments.
type LPPoolParams struct {
	NormType   float64  `json:"norm_type" required:"true" gt:"0" help:"the power p of the norm"`
	KernelSize IntList  `json:"kernel_size" required:"true" min:"1" help:"window size: an int, or one per spatial dimension"`
	Stride     *IntList `json:"stride" nullable:"true" type:"[]int" min:"1" help:"step of the window (default: kernel_size)"`
	CeilMode   bool     `json:"ceil_mode" help:"round the output size up"`
}

// AdaptiveMaxPoolParams are torch.nn.AdaptiveMaxPool1d/2d/3d's keyword
// arguments.
type AdaptiveMaxPoolParams struct {
	OutputSize    OutputSize `json:"output_size" required:"true" min:"1" help:"output size: an int, or one per spatial dimension (null keeps the input's)"`
	ReturnIndices bool       `json:"return_indices" help:"keep the positions of the maxima for a following MaxUnpool"`
}

// AdaptiveAvgPoolParams are torch.nn.AdaptiveAvgPool1d/3d's keyword
// arguments.
type AdaptiveAvgPoolParams struct {
	OutputSize OutputSize `json:"output_size" required:"true" min:"1" help:"output size: an int, or one per spatial dimension (null keeps the input's)"`
}

// MaxUnpoolParams are torch.nn.MaxUnpool1d/2d/3d's keyword arguments.
type MaxUnpoolParams struct {
	KernelSize IntList  `json:"kernel_size" required:"true" min:"1" help:"window size of the pooling it inverts"`
	Stride     *IntList `json:"stride" nullable:"true" type:"[]int" min:"1" help:"step of the window (default: kernel_size)"`
	Padding    IntList  `json:"padding" min:"0" help:"padding of the pooling it inverts"`
}

// poolGeometry expands kernel_size, stride (default: kernel_size),
// padding and dilation to dims values each.
func poolGeometry(dims int, kernel IntList, stride *IntList, padding, dilation IntList) (k, s, p, d []int, err error) {
	if k, err = expand("kernel_size", kernel, dims, 1); err != nil {
		return
	}
	s = k
	if stride != nil && len(*stride) > 0 {
		if s, err = expand("stride", *stride, dims, 1); err != nil {
			return
		}
	}
	if p, err = expand("padding", padding, dims, 0); err != nil {
		return
	}
	d, err = expand("dilation", dilation, dims, 1)
	return
}

func newPoolNd(p *PoolNd, k, s, pad, d []int) (Module, error) {
	p.KernelSize, p.Stride, p.Padding, p.Dilation = k, s, pad, d
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

func buildMaxPoolNd(dims int, p MaxPoolNdParams) (Module, error) {
	k, s, pad, d, err := poolGeometry(dims, p.KernelSize, p.Stride, p.Padding, p.Dilation)
	if err != nil {
		return nil, err
	}
	return newPoolNd(&PoolNd{Kind: "max", Dims: dims, CeilMode: p.CeilMode, ReturnIndices: p.ReturnIndices}, k, s, pad, d)
}

func buildAvgPoolNd(dims int, p AvgPool3dParams) (Module, error) {
	k, s, pad, d, err := poolGeometry(dims, p.KernelSize, p.Stride, p.Padding, nil)
	if err != nil {
		return nil, err
	}
	pl := &PoolNd{Kind: "avg", Dims: dims, CeilMode: p.CeilMode, CountIncludePad: p.CountIncludePad}
	if p.DivisorOverride != nil {
		pl.DivisorOverride = *p.DivisorOverride
	}
	return newPoolNd(pl, k, s, pad, d)
}

func buildAdaptive(kind string, dims int, size OutputSize, ret bool) (Module, error) {
	out := []int(size)
	if len(size) == 1 {
		out = make([]int, dims)
		for i := range out {
			out[i] = size[0]
		}
	}
	if len(out) != dims {
		return nil, fmt.Errorf("output_size %v, expected an integer or a list of %d sizes", []int(size), dims)
	}
	return &AdaptivePool{Kind: kind, Dims: dims, OutputSize: out, ReturnIndices: ret}, nil
}

// unpoolSource returns the nearest layer before a MaxUnpool of dims that
// keeps its indices, or an error naming the layer. A MaxUnpool built alone
// (NewLayer, not in a layer list) has no source until one is set.
func unpoolSource(dims int, c *layerCtx) (indexSource, error) {
	if c.prev == nil {
		return nil, nil
	}
	for i := len(c.prev) - 1; i >= 0; i-- {
		if s, ok := c.prev[i].(indexSource); ok && s.indexDims() == dims {
			return s, nil
		}
	}
	return nil, fmt.Errorf("MaxUnpool%dd: no MaxPool%dd with \"return_indices\": true before it in the same layer list, expected one to take the positions of the maxima from", dims, dims)
}

func init() {
	for _, dims := range []int{1, 3} {
		registerLayer(fmt.Sprintf("MaxPool%dd", dims), fmt.Sprintf("%d-D max pooling over %s", dims, spatialWords(dims)),
			func() MaxPoolNdParams { return MaxPoolNdParams{Padding: IntList{0}, Dilation: IntList{1}} },
			func(p MaxPoolNdParams, _ *layerCtx) (Module, error) { return buildMaxPoolNd(dims, p) })
		registerLayer(fmt.Sprintf("AdaptiveAvgPool%dd", dims), fmt.Sprintf("%d-D average pooling to a fixed output size", dims),
			func() AdaptiveAvgPoolParams { return AdaptiveAvgPoolParams{} },
			func(p AdaptiveAvgPoolParams, _ *layerCtx) (Module, error) {
				return buildAdaptive("avg", dims, p.OutputSize, false)
			})
	}
	registerLayer("AvgPool1d", "1-D average pooling over (N, C, L)",
		func() AvgPool1dParams { return AvgPool1dParams{Padding: IntList{0}, CountIncludePad: true} },
		func(p AvgPool1dParams, _ *layerCtx) (Module, error) {
			return buildAvgPoolNd(1, AvgPool3dParams{KernelSize: p.KernelSize, Stride: p.Stride, Padding: p.Padding, CeilMode: p.CeilMode, CountIncludePad: p.CountIncludePad})
		})
	registerLayer("AvgPool3d", "3-D average pooling over (N, C, D, H, W)",
		func() AvgPool3dParams { return AvgPool3dParams{Padding: IntList{0}, CountIncludePad: true} },
		func(p AvgPool3dParams, _ *layerCtx) (Module, error) { return buildAvgPoolNd(3, p) })
	for _, dims := range []int{1, 2} {
		registerLayer(fmt.Sprintf("LPPool%dd", dims), fmt.Sprintf("%d-D power-average pooling: (sum of x^p over the window)^(1/p)", dims),
			func() LPPoolParams { return LPPoolParams{} },
			func(p LPPoolParams, _ *layerCtx) (Module, error) {
				k, s, pad, d, err := poolGeometry(dims, p.KernelSize, p.Stride, nil, nil)
				if err != nil {
					return nil, err
				}
				return newPoolNd(&PoolNd{Kind: "lp", Dims: dims, CeilMode: p.CeilMode, CountIncludePad: true, NormType: p.NormType}, k, s, pad, d)
			})
	}
	for _, dims := range []int{1, 2, 3} {
		registerLayer(fmt.Sprintf("AdaptiveMaxPool%dd", dims), fmt.Sprintf("%d-D max pooling to a fixed output size", dims),
			func() AdaptiveMaxPoolParams { return AdaptiveMaxPoolParams{} },
			func(p AdaptiveMaxPoolParams, _ *layerCtx) (Module, error) {
				return buildAdaptive("max", dims, p.OutputSize, p.ReturnIndices)
			})
		registerLayer(fmt.Sprintf("MaxUnpool%dd", dims), fmt.Sprintf("%d-D partial inverse of the max pooling before it (with return_indices)", dims),
			func() MaxUnpoolParams { return MaxUnpoolParams{Padding: IntList{0}} },
			func(p MaxUnpoolParams, c *layerCtx) (Module, error) {
				src, err := unpoolSource(dims, c)
				if err != nil {
					return nil, err
				}
				k, s, pad, _, err := poolGeometry(dims, p.KernelSize, p.Stride, p.Padding, nil)
				if err != nil {
					return nil, err
				}
				return &MaxUnpool{Dims: dims, KernelSize: k, Stride: s, Padding: pad, Source: src}, nil
			})
	}
}
