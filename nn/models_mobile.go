package nn

// MobileNetV2 and SqueezeNet1_1, as torchvision 0.14 builds them.

// convBNAct is torchvision's Conv2dNormActivation (Conv2d without bias,
// padding (k-1)/2; BatchNorm2d; activation): keys ".0", ".1".
func convBNAct(b *archBuilder, first LayerSpec, act LayerSpec) *Stack {
	return seq(b.leaf(first), b.leaf(bn2d), b.leaf(act))
}

// mobilenetV2 is torchvision's MobileNetV2 (width 1.0, 3.5M parameters):
// features.0 a Conv2dNormActivation (32, stride 2, ReLU6), features.1-17
// InvertedResidual blocks ("features.2.conv.0.0.weight": expansion 1x1,
// depthwise 3x3, projection 1x1 and its BatchNorm2d; added to the input when
// the stride is 1 and the channels stay), features.18 a 1x1
// Conv2dNormActivation to 1280, an adaptive average pool to 1x1, classifier
// (Dropout, Linear 1280→num_classes: key "classifier.1").
func mobilenetV2(p DropoutArchParams, c *layerCtx) (Module, error) {
	b := newArch("MobileNetV2", c)
	relu6 := spec("ReLU6")
	features := []Module{convBNAct(b, firstConv(p.ArchParams, conv(32, 3, 2, 1, false, 1)), relu6)}
	in := 32
	for _, s := range [][4]int{{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}} {
		t, out, n, stride := s[0], s[1], s[2], s[3]
		for i := range n {
			st := 1
			if i == 0 {
				st = stride
			}
			start := b.shape
			hidden := in * t
			var layers []Module
			if t != 1 {
				layers = append(layers, convBNAct(b, conv(hidden, 1, 1, 0, false, 1), relu6))
			}
			layers = append(layers,
				convBNAct(b, conv(hidden, 3, st, 1, false, hidden), relu6),
				b.leaf(conv(out, 1, 1, 0, false, 1)), b.leaf(bn2d))
			block := NewStack("InvertedResidual", Child{"conv", seq(layers...)})
			if st == 1 && in == out {
				features = append(features, b.join(&Residual{Body: block, Type: "InvertedResidual"}, start))
			} else {
				features = append(features, block)
			}
			in = out
		}
	}
	features = append(features, convBNAct(b, conv(1280, 1, 1, 0, false, 1), relu6))
	top := []Child{{"features", seq(features...)}, {"avgpool", b.leaf(adaptive(1))}, {"flatten", b.leaf(flatten)},
		{"classifier", seq(b.leaf(dropout(p.Dropout)), b.leaf(linear(p.NumClasses)))}}
	return b.done(Arch{NewStack("MobileNetV2", top...), "mobilenet"}, c)
}

// fire is SqueezeNet's Fire module: squeeze (1x1) and its ReLU, then the
// 1x1 and 3x3 expansions (each with a ReLU) concatenated over channels.
func fire(b *archBuilder, squeeze, e1, e3 int) Module {
	head := []Child{{"squeeze", b.leaf(conv(squeeze, 1, 1, 0, true, 1))}, {"squeeze_activation", b.leaf(relu)}}
	in := b.shape
	x1 := NewStack("Sequential", Child{"expand1x1", b.leaf(conv(e1, 1, 1, 0, true, 1))}, Child{"expand1x1_activation", b.leaf(relu)})
	b.shape = in
	x3 := NewStack("Sequential", Child{"expand3x3", b.leaf(conv(e3, 3, 1, 1, true, 1))}, Child{"expand3x3_activation", b.leaf(relu)})
	cat := b.join(&Branches{Branches: []Module{x1, x3}, Names: []string{"", ""}, Concat: true, Dim: 1, Type: "Concat"}, in)
	return NewStack("Fire", append(head, Child{"", cat})...)
}

// squeezenet11 is torchvision's squeezenet1_1 (1.2M parameters): features
// (Conv2d 64 3x3 stride 2, ReLU, MaxPool 3/2 ceil, Fire x2, MaxPool, Fire
// x2, MaxPool, Fire x4; keys "features.3.squeeze.weight",
// "features.3.expand3x3.bias"), classifier (Dropout, Conv2d 512→num_classes
// 1x1: "classifier.1", ReLU, AdaptiveAvgPool2d 1x1), flattened.
func squeezenet11(p DropoutArchParams, c *layerCtx) (Module, error) {
	b := newArch("SqueezeNet1_1", c)
	mp := pool("MaxPool2d", 3, 2, 0, true)
	features := seq(
		b.leaf(firstConv(p.ArchParams, conv(64, 3, 2, 0, true, 1))), b.leaf(relu), b.leaf(mp),
		fire(b, 16, 64, 64), fire(b, 16, 64, 64), b.leaf(mp),
		fire(b, 32, 128, 128), fire(b, 32, 128, 128), b.leaf(mp),
		fire(b, 48, 192, 192), fire(b, 48, 192, 192), fire(b, 64, 256, 256), fire(b, 64, 256, 256))
	classifier := seq(b.leaf(dropout(p.Dropout)), b.leaf(conv(p.NumClasses, 1, 1, 0, true, 1)), b.leaf(relu), b.leaf(adaptive(1)))
	top := []Child{{"features", features}, {"classifier", classifier}, {"flatten", b.leaf(flatten)}}
	return b.done(Arch{NewStack("SqueezeNet1_1", top...), "squeezenet"}, c)
}

func init() {
	registerArch("MobileNetV2", "torchvision's mobilenet_v2 (width 1.0), 3.5M parameters for 1000 classes",
		func() DropoutArchParams { return DropoutArchParams{ArchParams: defaultArch(), Dropout: 0.2} }, mobilenetV2)
	registerArch("SqueezeNet1_1", "torchvision's squeezenet1_1, 1.2M parameters for 1000 classes", defaultDropoutArch, squeezenet11)
}
