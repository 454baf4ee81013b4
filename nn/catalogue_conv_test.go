package nn

// catalogueExtra gives parameters TestLayerCatalogue sets besides the
// required ones: one of several optional parameters a layer needs
// (FractionalMaxPool: output_size or output_ratio; Upsample: size or
// scale_factor), or a value that fits the others (Fold's kernel_size).
var catalogueExtra = map[string]map[string]string{
	"FractionalMaxPool2d": {"output_size": "2"}, "FractionalMaxPool3d": {"output_size": "2"},
	"Upsample": {"scale_factor": "2"}, "UpsamplingNearest2d": {"scale_factor": "2"}, "UpsamplingBilinear2d": {"scale_factor": "2"},
	"Fold": {"kernel_size": "1"},
}

// The input shapes TestLayerCatalogue builds the convolution, pooling and
// resampling layers with.
func init() {
	catalogueRequired["norm_type"] = "2"
	catalogueRequired["in1_features"] = "6"
	catalogueRequired["in2_features"] = "6"
	catalogueInputs["Fold"] = []int{2, 3, 4}
	d1, d2, d3 := []int{2, 3, 8}, []int{2, 3, 8, 8}, []int{2, 3, 6, 6, 6}
	for _, n := range []string{"Conv1d", "ConvTranspose1d", "LazyConv1d", "LazyConvTranspose1d", "MaxPool1d", "AvgPool1d", "LPPool1d",
		"AdaptiveMaxPool1d", "AdaptiveAvgPool1d", "MaxUnpool1d"} {
		catalogueInputs[n] = d1
	}
	for _, n := range []string{"LazyConv2d", "LazyConvTranspose2d", "LPPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d", "FractionalMaxPool2d",
		"Unfold", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"} {
		catalogueInputs[n] = d2
	}
	for _, n := range []string{"Conv3d", "ConvTranspose3d", "LazyConv3d", "LazyConvTranspose3d", "MaxPool3d", "AvgPool3d",
		"AdaptiveMaxPool3d", "AdaptiveAvgPool3d", "MaxUnpool3d", "FractionalMaxPool3d"} {
		catalogueInputs[n] = d3
	}
}
