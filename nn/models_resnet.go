package nn

// ResNets as torchvision 0.14 builds them (resnet18, resnet34: BasicBlock;
// resnet50: Bottleneck with the stride on its 3x3 convolution, "ResNet
// v1.5"): conv1 (7x7, stride 2), bn1, relu, maxpool (3x3, stride 2),
// layer1..layer4 of blocks ("layer2.0.conv1.weight",
// "layer2.0.downsample.0.weight" for the 1x1 convolution and
// "layer2.0.downsample.1.*" for the BatchNorm2d of a shortcut that changes
// the shape), an adaptive average pool to 1x1 and fc. Any input of at least
// 1x1 after the stem works, as in torchvision (3x32x32 gives 1x1 maps in
// layer4).

func resnet(typ string, bottleneck bool, blocks [4]int, p ArchParams, c *layerCtx) (Module, error) {
	b := newArch(typ, c)
	expansion := 1
	if bottleneck {
		expansion = 4
	}
	top := []Child{
		{"conv1", b.leaf(firstConv(p, conv(64, 7, 2, 3, false, 1)))},
		{"bn1", b.leaf(bn2d)},
		{"relu", b.leaf(relu)},
		{"maxpool", b.leaf(pool("MaxPool2d", 3, 2, 1, false))},
	}
	inplanes := 64
	for i, planes := range []int{64, 128, 256, 512} {
		stride := 2
		if i == 0 {
			stride = 1
		}
		var layer []Module
		for j := range blocks[i] {
			s := 1
			if j == 0 {
				s = stride
			}
			layer = append(layer, resBlock(b, inplanes, planes, s, bottleneck))
			inplanes = planes * expansion
		}
		top = append(top, Child{"layer" + string(rune('1'+i)), seq(layer...)})
	}
	top = append(top,
		Child{"avgpool", b.leaf(adaptive(1))},
		Child{"flatten", b.leaf(flatten)},
		Child{"fc", b.leaf(linear(p.NumClasses))})
	return b.done(Arch{NewStack(typ, top...), "resnet"}, c)
}

// resBlock is a BasicBlock (conv1 3x3, bn1, relu, conv2 3x3, bn2) or a
// Bottleneck (conv1 1x1, bn1, conv2 3x3 with the stride, bn2, conv3 1x1 to
// 4x planes, bn3), added to the input or its downsample, then a ReLU.
func resBlock(b *archBuilder, inplanes, planes, stride int, bottleneck bool) Module {
	in := b.shape
	var body []Child
	typ, out := "BasicBlock", planes
	if bottleneck {
		typ, out = "Bottleneck", planes*4
		body = []Child{
			{"conv1", b.leaf(conv(planes, 1, 1, 0, false, 1))},
			{"bn1", b.leaf(bn2d)},
			{"relu", b.leaf(relu)},
			{"conv2", b.leaf(conv(planes, 3, stride, 1, false, 1))},
			{"bn2", b.leaf(bn2d)},
			{"relu", b.leaf(relu)},
			{"conv3", b.leaf(conv(out, 1, 1, 0, false, 1))},
			{"bn3", b.leaf(bn2d)},
		}
	} else {
		body = []Child{
			{"conv1", b.leaf(conv(planes, 3, stride, 1, false, 1))},
			{"bn1", b.leaf(bn2d)},
			{"relu", b.leaf(relu)},
			{"conv2", b.leaf(conv(planes, 3, 1, 1, false, 1))},
			{"bn2", b.leaf(bn2d)},
		}
	}
	r := &Residual{Body: NewStack(typ, body...), ShortcutName: "downsample", Post: &ReLU{}, Type: typ}
	if stride != 1 || inplanes != out {
		bodyOut := b.shape
		b.shape = in
		r.Shortcut = seq(b.leaf(conv(out, 1, stride, 0, false, 1)), b.leaf(bn2d))
		b.shape = bodyOut
	}
	return b.join(r, in)
}

func init() {
	registerArch("ResNet18", "torchvision's resnet18: BasicBlocks [2, 2, 2, 2], 11.7M parameters for 1000 classes", defaultArch,
		func(p ArchParams, c *layerCtx) (Module, error) {
			return resnet("ResNet18", false, [4]int{2, 2, 2, 2}, p, c)
		})
	registerArch("ResNet34", "torchvision's resnet34: BasicBlocks [3, 4, 6, 3], 21.8M parameters for 1000 classes", defaultArch,
		func(p ArchParams, c *layerCtx) (Module, error) {
			return resnet("ResNet34", false, [4]int{3, 4, 6, 3}, p, c)
		})
	registerArch("ResNet50", "torchvision's resnet50: Bottlenecks [3, 4, 6, 3], 25.6M parameters for 1000 classes", defaultArch,
		func(p ArchParams, c *layerCtx) (Module, error) {
			return resnet("ResNet50", true, [4]int{3, 4, 6, 3}, p, c)
		})
}
