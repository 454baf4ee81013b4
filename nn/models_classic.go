package nn

// VGG, AlexNet and LeNet5: features, (avgpool), classifier.

// vggCfg are torchvision's configurations "A" (VGG11) and "D" (VGG16); 0
// is a 2x2 max pool.
var vggCfg = map[string][]int{
	"VGG11": {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0},
	"VGG16": {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0},
}

// vgg is torchvision's VGG: features (Conv2d 3x3 padding 1 with bias,
// [BatchNorm2d,] ReLU; MaxPool2d 2), avgpool (AdaptiveAvgPool2d 7x7),
// classifier (Linear 25088→4096, ReLU, Dropout, Linear 4096→4096, ReLU,
// Dropout, Linear 4096→num_classes: keys "classifier.0", ".3", ".6").
func vgg(typ, cfg string, batchNorm bool, p DropoutArchParams, c *layerCtx) (Module, error) {
	b := newArch(typ, c)
	var features []Module
	for _, v := range vggCfg[cfg] {
		if v == 0 {
			features = append(features, b.leaf(pool("MaxPool2d", 2, 2, 0, false)))
			continue
		}
		s := conv(v, 3, 1, 1, true, 1)
		if len(features) == 0 {
			s = firstConv(p.ArchParams, s)
		}
		features = append(features, b.leaf(s))
		if batchNorm {
			features = append(features, b.leaf(bn2d))
		}
		features = append(features, b.leaf(relu))
	}
	top := []Child{{"features", seq(features...)}, {"avgpool", b.leaf(adaptive(7))}, {"flatten", b.leaf(flatten)}}
	top = append(top, Child{"classifier", seq(
		b.leaf(linear(4096)), b.leaf(relu), b.leaf(dropout(p.Dropout)),
		b.leaf(linear(4096)), b.leaf(relu), b.leaf(dropout(p.Dropout)),
		b.leaf(linear(p.NumClasses)))})
	return b.done(Arch{NewStack(typ, top...), "vgg"}, c)
}

// alexnet is torchvision's AlexNet (the "one weird trick" variant, 61.1M
// parameters): features (Conv2d 64 11x11 stride 4 padding 2, ReLU, MaxPool
// 3/2, Conv2d 192 5x5 padding 2, ReLU, MaxPool 3/2, Conv2d 384, ReLU,
// Conv2d 256, ReLU, Conv2d 256 (3x3 padding 1), ReLU, MaxPool 3/2), avgpool
// 6x6, classifier (Dropout, Linear 9216→4096, ReLU, Dropout, Linear
// 4096→4096, ReLU, Linear 4096→num_classes: keys "classifier.1", ".4",
// ".6"). It needs inputs of at least 63x63, as torchvision does.
func alexnet(p DropoutArchParams, c *layerCtx) (Module, error) {
	b := newArch("AlexNet", c)
	features := seq(
		b.leaf(firstConv(p.ArchParams, conv(64, 11, 4, 2, true, 1))), b.leaf(relu), b.leaf(pool("MaxPool2d", 3, 2, 0, false)),
		b.leaf(conv(192, 5, 1, 2, true, 1)), b.leaf(relu), b.leaf(pool("MaxPool2d", 3, 2, 0, false)),
		b.leaf(conv(384, 3, 1, 1, true, 1)), b.leaf(relu),
		b.leaf(conv(256, 3, 1, 1, true, 1)), b.leaf(relu),
		b.leaf(conv(256, 3, 1, 1, true, 1)), b.leaf(relu), b.leaf(pool("MaxPool2d", 3, 2, 0, false)))
	top := []Child{{"features", features}, {"avgpool", b.leaf(adaptive(6))}, {"flatten", b.leaf(flatten)}}
	top = append(top, Child{"classifier", seq(
		b.leaf(dropout(p.Dropout)), b.leaf(linear(4096)), b.leaf(relu),
		b.leaf(dropout(p.Dropout)), b.leaf(linear(4096)), b.leaf(relu),
		b.leaf(linear(p.NumClasses)))})
	return b.done(Arch{NewStack("AlexNet", top...), ""}, c)
}

// lenet5 is LeCun et al.'s LeNet-5 (1998) with its tanh activations and
// average-pooling subsampling; torchvision has none. Its structure, and so
// its state_dict keys (the fixture script defines the same PyTorch module):
//
//	features:   0 Conv2d(in, 6, 5)  1 Tanh  2 AvgPool2d(2)
//	            3 Conv2d(6, 16, 5)  4 Tanh  5 AvgPool2d(2)
//	flatten
//	classifier: 0 Linear(16·5·5, 120)  1 Tanh  2 Linear(120, 84)  3 Tanh
//	            4 Linear(84, num_classes)
//
// For the classic 32x32 input the first Linear has 400 inputs (61,706
// parameters for 10 classes); for other sizes (MNIST's 28x28: 256) it
// takes what the features give.
func lenet5(p ArchParams, c *layerCtx) (Module, error) {
	b := newArch("LeNet5", c)
	tanh := spec("Tanh")
	features := seq(
		b.leaf(firstConv(p, conv(6, 5, 1, 0, true, 1))), b.leaf(tanh), b.leaf(pool("AvgPool2d", 2, 2, 0, false)),
		b.leaf(conv(16, 5, 1, 0, true, 1)), b.leaf(tanh), b.leaf(pool("AvgPool2d", 2, 2, 0, false)))
	top := []Child{{"features", features}, {"flatten", b.leaf(flatten)}}
	top = append(top, Child{"classifier", seq(
		b.leaf(linear(120)), b.leaf(tanh), b.leaf(linear(84)), b.leaf(tanh), b.leaf(linear(p.NumClasses)))})
	return b.done(Arch{NewStack("LeNet5", top...), ""}, c)
}

func defaultDropoutArch() DropoutArchParams {
	return DropoutArchParams{ArchParams: defaultArch(), Dropout: 0.5}
}

func init() {
	for _, v := range []struct {
		name, cfg string
		bn        bool
		doc       string
	}{
		{"VGG11", "VGG11", false, "torchvision's vgg11 (configuration A), 132.9M parameters for 1000 classes"},
		{"VGG11_BN", "VGG11", true, "torchvision's vgg11_bn: VGG11 with BatchNorm2d after every convolution"},
		{"VGG16", "VGG16", false, "torchvision's vgg16 (configuration D), 138.4M parameters for 1000 classes"},
		{"VGG16_BN", "VGG16", true, "torchvision's vgg16_bn: VGG16 with BatchNorm2d after every convolution"},
	} {
		registerArch(v.name, v.doc, defaultDropoutArch,
			func(p DropoutArchParams, c *layerCtx) (Module, error) { return vgg(v.name, v.cfg, v.bn, p, c) })
	}
	registerArch("AlexNet", "torchvision's alexnet, 61.1M parameters for 1000 classes; inputs of at least 63x63", defaultDropoutArch, alexnet)
	registerArch("LeNet5", "LeCun's LeNet-5 with tanh and average pooling (32x32 inputs classically; any of at least 16x16)",
		func() ArchParams { return ArchParams{NumClasses: 10} }, lenet5)
}
