package nn

import "strconv"

// denseNet121 is torchvision's densenet121 (growth 32, blocks [6, 12, 24,
// 16], 64 initial features, bn_size 4, drop_rate 0; 8.0M parameters):
// features (conv0 7x7 stride 2, norm0, relu0, pool0 3/2; denseblockN of
// denselayerM, each norm1, relu1, conv1 1x1 to 128, norm2, relu2, conv2 3x3
// to 32 whose output is concatenated to its input; transitionN: norm, relu,
// conv 1x1 halving the channels, pool 2x2 average; norm5), a ReLU, an
// adaptive average pool to 1x1 and classifier. Keys such as
// "features.denseblock2.denselayer3.conv1.weight",
// "features.transition1.norm.running_var".
func denseNet121(p ArchParams, c *layerCtx) (Module, error) {
	b := newArch("DenseNet121", c)
	features := []Child{
		{"conv0", b.leaf(firstConv(p, conv(64, 7, 2, 3, false, 1)))},
		{"norm0", b.leaf(bn2d)},
		{"relu0", b.leaf(relu)},
		{"pool0", b.leaf(pool("MaxPool2d", 3, 2, 1, false))},
	}
	const growth, bnSize = 32, 4
	channels := 64
	for i, n := range []int{6, 12, 24, 16} {
		var block []Child
		for j := range n {
			in := b.shape
			layer := NewStack("_DenseLayer",
				Child{"norm1", b.leaf(bn2d)}, Child{"relu1", b.leaf(relu)},
				Child{"conv1", b.leaf(conv(bnSize*growth, 1, 1, 0, false, 1))},
				Child{"norm2", b.leaf(bn2d)}, Child{"relu2", b.leaf(relu)},
				Child{"conv2", b.leaf(conv(growth, 3, 1, 1, false, 1))})
			cat := b.join(&Branches{Branches: []Module{nil, layer}, Names: []string{"", ""}, Concat: true, Dim: 1, Type: "_DenseLayer"}, in)
			block = append(block, Child{"denselayer" + strconv.Itoa(j+1), cat})
			channels += growth
		}
		features = append(features, Child{"denseblock" + strconv.Itoa(i+1), NewStack("_DenseBlock", block...)})
		if i < 3 {
			channels /= 2
			features = append(features, Child{"transition" + strconv.Itoa(i+1), NewStack("_Transition",
				Child{"norm", b.leaf(bn2d)}, Child{"relu", b.leaf(relu)},
				Child{"conv", b.leaf(conv(channels, 1, 1, 0, false, 1))},
				Child{"pool", b.leaf(pool("AvgPool2d", 2, 2, 0, false))})})
		}
	}
	features = append(features, Child{"norm5", b.leaf(bn2d)})
	top := []Child{{"features", NewStack("Sequential", features...)}, {"relu", b.leaf(relu)}, {"avgpool", b.leaf(adaptive(1))},
		{"flatten", b.leaf(flatten)}, {"classifier", b.leaf(linear(p.NumClasses))}}
	return b.done(Arch{NewStack("DenseNet121", top...), "densenet"}, c)
}

func init() {
	registerArch("DenseNet121", "torchvision's densenet121, 8.0M parameters for 1000 classes", defaultArch, denseNet121)
}
