package train_test

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/param"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// confCase is one spec of the conformance test: the class it exercises
// (kind "layer", "optimizer", "scheduler", "loss", "transform" or
// "image_op"), with
// PyTorch's own example parameters where its documentation has some
// (adapted where an example names sizes of another input: "auto" input
// sizes, the number of epochs), as the spec's keys that differ from
// confBase. err, when set, is a part of the validation error the spec
// must fail with, where PyTorch 1.13 itself refuses the parameters.
type confCase struct {
	kind, class string
	keys        string // JSON object of top-level spec keys
	table       bool   // builtin:digits instead of the image folder
	regression  bool   // builtin:diabetes (a regression target) instead of the image folder
	err         string
	// heavy marks a network of more than about 50M parameters (VGG,
	// AlexNet): its spec is checked and planned (shapes and budgets,
	// no weights) and trained only with MLFORGE_CONFORMANCE_FULL=1, to
	// keep the test's memory and disk small.
	heavy bool
}

// The pieces of conformance layer lists: the image folder's samples are
// (3, 16, 16); to1d makes them (3, 256) for the 1-d layers, to3d
// (1, 3, 16, 16) for the 3-d ones; head is the classifier every list ends
// with.
const (
	to1d = `{"type": "Flatten", "start_dim": 2}, `
	to3d = `{"type": "Unflatten", "dim": 1, "unflattened_size": [1, 3]}, `
	head = `{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}`
)

// layers returns the model key of a layer list ending with head.
func layers(list string) string {
	return `"model": {"layers": [` + list + `, ` + head + `]}`
}

// layer is a case of one layer with its parameters (a JSON object's
// members), after the layers in before.
func layer(class, before, params string) confCase {
	l := `{"type": "` + class + `"`
	if params != "" {
		l += ", " + params
	}
	return confCase{kind: "layer", class: class, keys: `{` + layers(before+l+`}`) + `}`}
}

func refuse(c confCase, err string) confCase { c.err = err; return c }

// arch is a case of a named architecture as the whole layer list, on the
// images resized to size (torchvision's networks downsample 32 times).
func arch(class string, size int, heavy bool) confCase {
	return confCase{kind: "layer", class: class, heavy: heavy, keys: fmt.Sprintf(`{"transforms": [{"type": "Resize", "size": %d}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": %q, "in_channels": "auto", "num_classes": "n_labels"}]}}`, size, class)}
}

func conformanceCases() []confCase {
	cases := []confCase{
		// composition blocks, attention and torchvision's architectures
		layer("Add", "", `"branches": [[{"type": "Conv2d", "out_channels": 3, "kernel_size": 3, "padding": 1}], []]`),
		layer("Concat", "", `"branches": [[{"type": "Conv2d", "out_channels": 4, "kernel_size": 1}], []], "dim": 1`),
		layer("Residual", "", `"body": [{"type": "Conv2d", "out_channels": 3, "kernel_size": 3, "padding": 1}, {"type": "BatchNorm2d", "num_features": 3}]`),
		layer("MultiheadAttention", to1d, `"num_heads": 8, "batch_first": true`),
		layer("MultiheadAttention", to1d, `"num_heads": 4, "batch_first": true, "attn_mask": "causal", "add_bias_kv": true, "add_zero_attn": true`),
		refuse(layer("MultiheadAttention", to1d, `"num_heads": 4, "kdim": 16, "vdim": 16`), "kdim is 16"),
		layer("TransformerEncoderLayer", to1d, `"d_model": 256, "nhead": 8, "dim_feedforward": 64, "batch_first": true`),
		layer("TransformerEncoder", to1d, `"encoder_layer": {"d_model": 256, "nhead": 8, "dim_feedforward": 64, "batch_first": true}, "num_layers": 2`),
		layer("TransformerEncoder", to1d, `"encoder_layer": {"d_model": 256, "nhead": 4, "dim_feedforward": 32, "batch_first": true}, "num_layers": 1, "enable_nested_tensor": false, "mask_check": false, "mask": "causal"`),
		arch("LeNet5", 32, false), arch("ResNet18", 32, false), arch("ResNet34", 32, false), arch("ResNet50", 32, false),
		arch("MobileNetV2", 32, false), arch("SqueezeNet1_1", 32, false), arch("DenseNet121", 32, false),
		arch("AlexNet", 64, true), arch("VGG11", 32, true), arch("VGG11_BN", 32, true), arch("VGG16", 32, true), arch("VGG16_BN", 32, true),
		layer("AdaptiveAvgPool1d", to1d, `"output_size": 5`),
		layer("AdaptiveAvgPool2d", "", `"output_size": [5, 7]`),
		layer("AdaptiveAvgPool3d", to3d, `"output_size": [5, 7, 9]`),
		layer("AdaptiveMaxPool1d", to1d, `"output_size": 5`),
		layer("AdaptiveMaxPool2d", "", `"output_size": [5, 7]`),
		layer("AdaptiveMaxPool3d", to3d, `"output_size": [5, 7, 9]`),
		layer("AlphaDropout", "", `"p": 0.2`),
		layer("AvgPool1d", to1d, `"kernel_size": 3, "stride": 2`),
		layer("AvgPool2d", "", `"kernel_size": [3, 2], "stride": [2, 1]`),
		layer("AvgPool3d", to3d, `"kernel_size": [3, 2, 2], "stride": [2, 1, 2]`),
		layer("BatchNorm1d", `{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 100}, `, `"num_features": 100`),
		layer("BatchNorm2d", "", `"num_features": 3, "affine": false`),
		layer("BatchNorm3d", to3d, `"num_features": 1`),
		refuse(layer("Bilinear", `{"type": "Flatten"}, `, `"in1_features": 20, "in2_features": 30, "out_features": 40`), "Bilinear"),
		layer("CELU", "", ""),
		layer("ChannelShuffle", `{"type": "Conv2d", "out_channels": 4, "kernel_size": 1}, `, `"groups": 2`),
		layer("ConstantPad1d", to1d, `"padding": 2, "value": 3.5`),
		layer("ConstantPad2d", "", `"padding": [3, 0, 2, 1], "value": 3.5`),
		layer("ConstantPad3d", to3d, `"padding": 3, "value": 3.5`),
		layer("Conv1d", to1d, `"in_channels": "auto", "out_channels": 33, "kernel_size": 3, "stride": 2`),
		layer("Conv2d", "", `"in_channels": "auto", "out_channels": 33, "kernel_size": [3, 5], "stride": [2, 1], "padding": [4, 2], "dilation": [3, 1]`),
		layer("Conv3d", to3d, `"in_channels": "auto", "out_channels": 33, "kernel_size": 3, "stride": 2`),
		layer("ConvTranspose1d", to1d, `"in_channels": "auto", "out_channels": 33, "kernel_size": 3, "stride": 2`),
		layer("ConvTranspose2d", "", `"in_channels": "auto", "out_channels": 33, "kernel_size": [3, 5], "stride": [2, 1], "padding": [4, 2]`),
		layer("ConvTranspose3d", to3d, `"in_channels": "auto", "out_channels": 33, "kernel_size": [3, 5, 2], "stride": [2, 1, 1], "padding": [0, 4, 2]`),
		layer("Dropout", "", `"p": 0.2`),
		layer("Dropout1d", to1d, `"p": 0.2`),
		layer("Dropout2d", "", `"p": 0.2`),
		layer("Dropout3d", to3d, `"p": 0.2`),
		layer("ELU", "", ""),
		{kind: "layer", class: "Embedding", table: true, keys: `{` + layers(`{"type": "Embedding", "num_embeddings": 17, "embedding_dim": 3}`) + `}`},
		layer("Flatten", "", ""),
		layer("Fold", `{"type": "Unfold", "kernel_size": 2}, `, `"output_size": [16, 16], "kernel_size": 2`),
		layer("FractionalMaxPool2d", "", `"kernel_size": 3, "output_ratio": [0.5, 0.5]`),
		layer("FractionalMaxPool3d", to3d, `"kernel_size": 3, "output_ratio": [0.5, 0.5, 0.5]`),
		layer("GELU", "", ""),
		layer("GLU", "", ""),
		layer("GRU", to1d, `"input_size": "auto", "hidden_size": 20, "num_layers": 2, "batch_first": true`),
		layer("GroupNorm", `{"type": "Conv2d", "out_channels": 6, "kernel_size": 1}, `, `"num_groups": 3, "num_channels": 6`),
		layer("Hardshrink", "", ""),
		layer("Hardsigmoid", "", ""),
		layer("Hardswish", "", ""),
		layer("Hardtanh", "", `"min_val": -2, "max_val": 2`),
		layer("Identity", "", ""),
		layer("InstanceNorm1d", to1d, `"num_features": 3`),
		layer("InstanceNorm2d", "", `"num_features": 3, "affine": true`),
		layer("InstanceNorm3d", to3d, `"num_features": 1`),
		layer("LPPool1d", to1d, `"norm_type": 2, "kernel_size": 3, "stride": 2`),
		layer("LPPool2d", "", `"norm_type": 2, "kernel_size": [3, 2], "stride": [2, 1]`),
		layer("LSTM", to1d, `"input_size": "auto", "hidden_size": 20, "num_layers": 2, "batch_first": true`),
		layer("LayerNorm", "", `"normalized_shape": [3, 16, 16]`),
		layer("LazyConv1d", to1d, `"out_channels": 33, "kernel_size": 3, "stride": 2`),
		layer("LazyConv2d", "", `"out_channels": 33, "kernel_size": [3, 5], "stride": [2, 1], "padding": [4, 2]`),
		layer("LazyConv3d", to3d, `"out_channels": 33, "kernel_size": 3, "stride": 2`),
		layer("LazyConvTranspose1d", to1d, `"out_channels": 33, "kernel_size": 3, "stride": 2`),
		layer("LazyConvTranspose2d", "", `"out_channels": 33, "kernel_size": [3, 5], "stride": [2, 1], "padding": [4, 2]`),
		layer("LazyConvTranspose3d", to3d, `"out_channels": 33, "kernel_size": [3, 5, 2], "stride": [2, 1, 1], "padding": [0, 4, 2]`),
		layer("LazyLinear", `{"type": "Flatten"}, `, `"out_features": 30`),
		layer("LeakyReLU", "", `"negative_slope": 0.1`),
		layer("Linear", `{"type": "Flatten"}, `, `"in_features": "auto", "out_features": 30`),
		layer("LocalResponseNorm", "", `"size": 2`),
		layer("LogSigmoid", "", ""),
		layer("LogSoftmax", "", `"dim": 1`),
		layer("MaxPool1d", to1d, `"kernel_size": 3, "stride": 2`),
		layer("MaxPool2d", "", `"kernel_size": [3, 2], "stride": [2, 1]`),
		layer("MaxPool3d", to3d, `"kernel_size": [3, 2, 2], "stride": [2, 1, 2]`),
		layer("MaxUnpool1d", to1d+`{"type": "MaxPool1d", "kernel_size": 2, "stride": 2, "return_indices": true}, `, `"kernel_size": 2, "stride": 2`),
		layer("MaxUnpool2d", `{"type": "MaxPool2d", "kernel_size": 2, "stride": 2, "return_indices": true}, `, `"kernel_size": 2, "stride": 2`),
		refuse(layer("MaxUnpool2d", `{"type": "MaxPool2d", "kernel_size": 2, "stride": 2}, `, `"kernel_size": 2, "stride": 2`), "return_indices"),
		layer("MaxUnpool3d", to3d+`{"type": "MaxPool3d", "kernel_size": [1, 2, 2], "stride": [1, 2, 2], "return_indices": true}, `, `"kernel_size": [1, 2, 2], "stride": [1, 2, 2]`),
		layer("Mish", "", ""),
		layer("PReLU", "", ""),
		layer("PixelShuffle", `{"type": "Conv2d", "out_channels": 9, "kernel_size": 1}, `, `"upscale_factor": 3`),
		layer("RNN", to1d, `"input_size": "auto", "hidden_size": 20, "num_layers": 2, "batch_first": true`),
		layer("RReLU", "", `"lower": 0.1, "upper": 0.3`),
		layer("ReLU", "", ""),
		layer("ReLU6", "", ""),
		layer("ReflectionPad1d", to1d, `"padding": 2`),
		layer("ReflectionPad2d", "", `"padding": [1, 1, 2, 0]`),
		layer("ReplicationPad1d", to1d, `"padding": [3, 1]`),
		layer("ReplicationPad2d", "", `"padding": [1, 1, 2, 0]`),
		layer("ReplicationPad3d", to3d, `"padding": [1, 1, 2, 0, 1, 0]`),
		layer("ReflectionPad3d", to3d, `"padding": [1, 1, 2, 0, 0, 0]`),
		// the parameters the issue names: padding_mode, "same" and
		// "valid", depthwise groups, inplace, approximate
		layer("Conv2d", "", `"in_channels": "auto", "out_channels": 6, "kernel_size": 3, "padding": "same", "padding_mode": "reflect"`),
		layer("Conv2d", "", `"in_channels": "auto", "out_channels": 6, "kernel_size": 3, "padding": 2, "padding_mode": "replicate"`),
		layer("Conv2d", "", `"in_channels": "auto", "out_channels": 6, "kernel_size": 3, "padding": 1, "padding_mode": "circular", "groups": 3`),
		layer("Conv1d", to1d, `"in_channels": "auto", "out_channels": 6, "kernel_size": 3, "padding": "valid", "dilation": 2`),
		refuse(layer("Conv2d", "", `"in_channels": "auto", "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": "same"`), "same"),
		layer("ReLU", "", `"inplace": true`),
		layer("Dropout", "", `"p": 0.2, "inplace": true`),
		layer("GELU", "", `"approximate": "tanh"`),
		layer("AvgPool2d", "", `"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": true, "count_include_pad": false, "divisor_override": 4`),
		layer("SELU", "", ""),
		layer("Sequential", "", `"layers": [{"type": "Conv2d", "out_channels": 20, "kernel_size": 5}, {"type": "ReLU"}]`),
		layer("SiLU", "", ""),
		layer("Sigmoid", "", ""),
		layer("Softmax", "", `"dim": 1`),
		layer("Softmax", "", ""),      // dim None: PyTorch's implicit dimension, 1 for these 4-d batches
		layer("LogSoftmax", to1d, ""), // and 0 for 3-d ones
		layer("Softmax2d", "", ""),
		layer("Softmin", "", `"dim": 1`),
		layer("Softplus", "", ""),
		layer("Softshrink", "", ""),
		layer("Softsign", "", ""),
		layer("Tanh", "", ""),
		layer("Tanhshrink", "", ""),
		layer("Threshold", "", `"threshold": 0.1, "value": 20`),
		layer("Unflatten", `{"type": "Flatten"}, `, `"dim": 1, "unflattened_size": [3, 16, 16]`),
		layer("Unfold", "", `"kernel_size": [2, 3]`),
		layer("Upsample", "", `"scale_factor": 2, "mode": "nearest"`),
		layer("UpsamplingBilinear2d", "", `"scale_factor": 2`),
		layer("UpsamplingNearest2d", "", `"scale_factor": 2`),
		layer("ZeroPad2d", "", `"padding": [1, 1, 2, 0]`),
	}
	opt := func(class, params string) confCase {
		return confCase{kind: "optimizer", class: class, keys: `{"optimizer": {"type": "` + class + `"` + params + `}}`}
	}
	cases = append(cases,
		opt("ASGD", `, "lr": 0.01`), opt("Adadelta", ""), opt("Adagrad", ""), opt("Adam", `, "lr": 0.001`),
		opt("AdamW", `, "amsgrad": true`), opt("Adamax", ""), opt("NAdam", ""), opt("RAdam", ""),
		opt("RMSprop", `, "momentum": 0.9, "centered": true`), opt("Rprop", ""), opt("SGD", `, "lr": 0.1, "momentum": 0.9, "nesterov": true`),
		refuse(opt("SGD", `, "lr": 0.1, "nesterov": true`), "nesterov"),
		opt("LBFGS", `, "lr": 1, "max_iter": 5, "history_size": 10`), opt("LBFGS", `, "line_search_fn": "strong_wolfe"`),
		refuse(opt("LBFGS", `, "line_search_fn": "backtracking"`), "line_search_fn"),
		opt("Adam", `, "lr": 0.001, "amsgrad": true, "maximize": false, "weight_decay": 0.01`),
		opt("SGD", `, "lr": 0.01, "maximize": true, "weight_decay": 0.001, "dampening": 0.1, "momentum": 0.5`),
		opt("Adamax", `, "weight_decay": 0.01, "maximize": true`),
		opt("Adam", `, "foreach": null, "capturable": false, "differentiable": false, "fused": false`),
		opt("SGD", `, "lr": 0.05, "foreach": true, "differentiable": false`),
		refuse(opt("Adam", `, "fused": true`), "fused true is refused"),
		refuse(opt("AdamW", `, "fused": false`), "fused"),
		confCase{kind: "optimizer", class: "SGD", keys: `{"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}, "grad_clip": 1.0}`},
		// SparseAdam takes only sparse gradients (PyTorch's Embedding with
		// sparse=True): an Embedding-only network, a table of one row of
		// class scores per digit value, averaged over the 64 pixels.
		confCase{kind: "optimizer", class: "SparseAdam", table: true, keys: `{"model": {"layers": [{"type": "Embedding", "num_embeddings": 17, "embedding_dim": 10, "sparse": true},
			{"type": "Unflatten", "dim": 1, "unflattened_size": [1, 64]}, {"type": "AvgPool2d", "kernel_size": [64, 1]}, {"type": "Flatten"}]},
			"optimizer": {"type": "SparseAdam", "lr": 0.05, "betas": [0.9, 0.99], "eps": 1e-7, "maximize": false}}`},
		refuse(opt("SparseAdam", ""), "SparseAdam takes only sparse gradients"),
		refuse(confCase{kind: "optimizer", class: "Adam", table: true, keys: `{"model": {"layers": [{"type": "Embedding", "num_embeddings": 17, "embedding_dim": 10, "sparse": true},
			{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}, "optimizer": {"type": "Adam"}}`}, "Adam does not support sparse gradients"),
		refuse(confCase{kind: "optimizer", class: "SGD", keys: `{"grad_clip": -1}`}, "grad_clip"),
	)
	sched := func(class, params string) confCase {
		return confCase{kind: "scheduler", class: class,
			keys: `{"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}, "scheduler": {"type": "` + class + `"` + params + `}}`}
	}
	cases = append(cases,
		sched("ChainedScheduler", `, "schedulers": [{"type": "ConstantLR", "factor": 0.1, "total_iters": 2}, {"type": "ExponentialLR", "gamma": 0.9}]`),
		sched("ConstantLR", `, "factor": 0.5, "total_iters": 4`),
		sched("CosineAnnealingLR", `, "T_max": 10`),
		sched("CosineAnnealingWarmRestarts", `, "T_0": 10, "T_mult": 2`),
		sched("CyclicLR", `, "base_lr": 0.01, "max_lr": 0.1`),
		sched("CyclicLR", `, "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "scale_fn": "halving", "scale_mode": "iterations"`),
		refuse(sched("CyclicLR", `, "base_lr": 0.01, "max_lr": 0.1, "scale_fn": "lambda x: 1.0"`), "scale_fn"),
		refuse(confCase{kind: "scheduler", class: "CyclicLR", keys: `{"optimizer": {"type": "Adam"}, "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01}}`}, "cycle_momentum"),
		refuse(confCase{kind: "scheduler", class: "OneCycleLR", keys: `{"optimizer": {"type": "Adagrad"}, "scheduler": {"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 10}}`}, "cycle_momentum"),
		sched("ExponentialLR", `, "gamma": 0.9, "verbose": true`),
		sched("LinearLR", `, "start_factor": 0.5, "total_iters": 4`),
		sched("MultiStepLR", `, "milestones": [30, 80], "gamma": 0.1`),
		sched("OneCycleLR", `, "max_lr": 0.01, "steps_per_epoch": 10, "epochs": 10`),
		sched("PolynomialLR", `, "total_iters": 4, "power": 1.0`),
		sched("ReduceLROnPlateau", `, "mode": "min"`),
		sched("SequentialLR", `, "schedulers": [{"type": "ConstantLR", "factor": 0.1, "total_iters": 2}, {"type": "ExponentialLR", "gamma": 0.9}], "milestones": [2]`),
		sched("StepLR", `, "step_size": 30, "gamma": 0.1`),
		sched("LambdaLR", `, "lr_lambda": "exponential", "gamma": 0.95`),
		sched("LambdaLR", `, "lr_lambda": "warmup_cosine", "warmup_epochs": 2, "total_epochs": 10`),
		sched("SequentialLR", `, "schedulers": [{"type": "LambdaLR", "lr_lambda": "linear_warmup", "warmup_epochs": 3}, {"type": "CosineAnnealingLR", "T_max": 10}], "milestones": [3]`),
		refuse(sched("LambdaLR", `, "lr_lambda": "lambda epoch: 0.95 ** epoch"`), "lr_lambda"),
	)
	loss := func(class, params, last string) confCase {
		l := head
		if last != "" {
			l += `, ` + last
		}
		return confCase{kind: "loss", class: class, keys: `{"model": {"layers": [` + l + `]}, "criterion": {"type": "` + class + `"` + params + `}}`}
	}
	logSoftmax := `{"type": "LogSoftmax", "dim": 1}`
	cases = append(cases,
		loss("BCELoss", "", `{"type": "Sigmoid"}`), loss("BCEWithLogitsLoss", `, "pos_weight": [1, 2, 1]`, ""),
		loss("CrossEntropyLoss", `, "label_smoothing": 0.1`, ""),
		refuse(loss("CrossEntropyLoss", `, "weight": [1, 2]`, ""), "weight"),
		loss("HingeEmbeddingLoss", "", ""), loss("HuberLoss", "", ""),
		loss("KLDivLoss", `, "reduction": "batchmean"`, logSoftmax),
		refuse(loss("KLDivLoss", `, "reduction": "batchmean", "log_target": true`, logSoftmax), "log_target"),
		loss("L1Loss", "", ""), loss("MSELoss", "", ""),
		refuse(loss("MSELoss", `, "reduction": "none"`, ""), `reduction "none"`),
		loss("MultiLabelMarginLoss", "", ""), loss("MultiLabelSoftMarginLoss", "", ""),
		loss("MultiMarginLoss", "", ""), loss("NLLLoss", "", logSoftmax), loss("PoissonNLLLoss", "", ""),
		loss("SmoothL1Loss", "", ""), loss("SoftMarginLoss", "", ""),
		loss("CrossEntropyLoss", `, "weight": [1, 2, 1], "reduction": "sum"`, ""),
		loss("NLLLoss", `, "weight": [1, 2, 1], "ignore_index": -100`, logSoftmax),
		loss("BCEWithLogitsLoss", `, "weight": [1, 2, 1], "reduction": "sum"`, ""),
		loss("MultiMarginLoss", `, "p": 2, "margin": 0.5, "weight": [1, 2, 1]`, ""),
		loss("KLDivLoss", `, "reduction": "batchmean", "log_target": false`, logSoftmax),
		// The deprecated size_average and reduce decide the reduction,
		// as in PyTorch (a warning in the run's log).
		loss("CrossEntropyLoss", `, "size_average": false, "reduce": true`, ""),
		loss("BCEWithLogitsLoss", `, "size_average": true, "reduction": "sum"`, ""),
		refuse(loss("MSELoss", `, "reduce": false`, ""), `reduction "none"`),
		// PyTorch gives these two or three inputs, which a layer list's
		// one output and class labels cannot.
		// GaussianNLLLoss is a regression loss in a spec: the network
		// outputs the mean and the variance (kept positive by Softplus).
		confCase{kind: "loss", class: "GaussianNLLLoss", regression: true, keys: `{"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 8}, {"type": "ReLU"},
			{"type": "Concat", "branches": [[{"type": "Linear", "in_features": 8, "out_features": 1}], [{"type": "Linear", "in_features": 8, "out_features": 1}, {"type": "Softplus"}]], "dim": 1}]},
			"criterion": {"type": "GaussianNLLLoss", "full": true}, "metrics": ["r2"]}`},
		refuse(loss("GaussianNLLLoss", "", ""), "GaussianNLLLoss needs a mean, a target and a variance"),
		refuse(loss("MarginRankingLoss", `, "margin": 0.5`, ""), "MarginRankingLoss needs two inputs"),
		refuse(loss("CosineEmbeddingLoss", `, "margin": 0.5`, ""), "CosineEmbeddingLoss needs two inputs"),
		refuse(loss("TripletMarginLoss", `, "margin": 1.0, "p": 2`, ""), "TripletMarginLoss needs three inputs"),
		// CTCLoss takes log-probabilities over time and target sequences
		// with their lengths, which no spec's data gives.
		refuse(loss("CTCLoss", `, "blank": 0, "reduction": "mean", "zero_infinity": true`, ""), "CTCLoss needs log-probabilities over time (T, N, C), and per sample a target sequence"),
	)
	tr := func(class, list string) confCase {
		return confCase{kind: "transform", class: class, keys: `{"transforms": [` + list + `]}`}
	}
	tt := `{"type": "ToTensor"}`
	cases = append(cases,
		tr("Compose", `[{"type": "CenterCrop", "size": 10}, `+tt+`]`),
		tr("ToTensor", tt),
		tr("Normalize", tt+`, {"type": "Normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}`),
		tr("Resize", `{"type": "Resize", "size": 8}, `+tt),
		tr("CenterCrop", `{"type": "CenterCrop", "size": 10}, `+tt),
		tr("RandomCrop", `{"type": "RandomCrop", "size": 12, "padding": 4}, `+tt),
		tr("RandomHorizontalFlip", `{"type": "RandomHorizontalFlip"}, `+tt),
		tr("RandomVerticalFlip", `{"type": "RandomVerticalFlip"}, `+tt),
		tr("RandomRotation", `{"type": "RandomRotation", "degrees": 30}, `+tt),
		tr("Grayscale", `{"type": "Grayscale", "num_output_channels": 3}, `+tt),
		refuse(tr("Grayscale", `{"type": "Grayscale", "num_output_channels": 2}, `+tt), "num_output_channels"),
		tr("ConvertRGB", `{"type": "ConvertRGB"}, `+tt),
		// torchvision 0.14's documented examples, on 16x16 RGB images.
		tr("AutoAugment", `{"type": "AutoAugment", "policy": "imagenet"}, `+tt),
		tr("RandAugment", `{"type": "RandAugment"}, `+tt),
		tr("TrivialAugmentWide", `{"type": "TrivialAugmentWide"}, `+tt),
		tr("AugMix", `{"type": "AugMix"}, `+tt),
		tr("ColorJitter", `{"type": "ColorJitter", "brightness": 0.5, "hue": 0.3}, `+tt),
		tr("RandomGrayscale", `{"type": "RandomGrayscale", "p": 0.1}, `+tt),
		tr("RandomInvert", `{"type": "RandomInvert"}, `+tt),
		tr("RandomPosterize", `{"type": "RandomPosterize", "bits": 2}, `+tt),
		tr("RandomSolarize", `{"type": "RandomSolarize", "threshold": 192.0}, `+tt),
		tr("RandomAdjustSharpness", `{"type": "RandomAdjustSharpness", "sharpness_factor": 2}, `+tt),
		tr("RandomAutocontrast", `{"type": "RandomAutocontrast"}, `+tt),
		tr("RandomEqualize", `{"type": "RandomEqualize"}, `+tt),
		tr("GaussianBlur", `{"type": "GaussianBlur", "kernel_size": [5, 9], "sigma": [0.1, 5]}, `+tt),
		tr("RandomResizedCrop", `{"type": "RandomResizedCrop", "size": 12}, `+tt),
		tr("RandomAffine", `{"type": "RandomAffine", "degrees": [30, 70], "translate": [0.1, 0.3], "scale": [0.5, 0.75]}, `+tt),
		tr("RandomPerspective", `{"type": "RandomPerspective", "distortion_scale": 0.6, "p": 1.0}, `+tt),
		tr("FiveCrop", `{"type": "FiveCrop", "size": 8}, `+tt),
		tr("TenCrop", `{"type": "TenCrop", "size": [8, 6], "vertical_flip": true}, `+tt+`, {"type": "Normalize", "mean": [0.5], "std": [0.25]}`),
		refuse(tr("TenCrop", `{"type": "FiveCrop", "size": 8}, {"type": "TenCrop", "size": 4}, `+tt), "at most one FiveCrop or TenCrop"),
		refuse(tr("FiveCrop", `{"type": "FiveCrop", "size": 20}, `+tt), "bigger than the 16x16 image"),
		tr("Pad", `{"type": "Pad", "padding": 2, "padding_mode": "reflect"}, `+tt),
		tr("Pad", `{"type": "Pad", "padding": [1, 2], "fill": [10, 20, 30], "padding_mode": "constant"}, `+tt),
		tr("Resize", `{"type": "Resize", "size": [12, 10], "interpolation": "bicubic", "antialias": true}, `+tt),
		tr("RandomResizedCrop", `{"type": "RandomResizedCrop", "size": 12, "scale": [0.5, 1], "interpolation": "nearest", "antialias": true}, `+tt),
		tr("RandomRotation", `{"type": "RandomRotation", "degrees": 30, "interpolation": "bilinear", "expand": true, "fill": [1, 2, 3]}, {"type": "Resize", "size": [16, 16]}, `+tt),
		tr("RandomAffine", `{"type": "RandomAffine", "degrees": 10, "shear": [-5, 5], "interpolation": "bicubic", "fill": 7}, `+tt),
		tr("Normalize", tt+`, {"type": "Normalize", "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "inplace": true}`),
		tr("RandomErasing", tt+`, {"type": "RandomErasing", "p": 1, "value": "random", "inplace": true}`),
		tr("RandAugment", `{"type": "RandAugment", "num_ops": 3, "magnitude": 5, "interpolation": "bilinear", "fill": [5, 5, 5]}, `+tt),
		tr("AutoAugment", `{"type": "AutoAugment", "policy": "cifar10", "interpolation": "bilinear"}, `+tt),
		tr("AutoAugment", `{"type": "AutoAugment", "policy": "AutoAugmentPolicy.SVHN", "interpolation": "InterpolationMode.BILINEAR"}, `+tt),
		tr("Resize", `{"type": "Resize", "size": 12, "interpolation": "InterpolationMode.BICUBIC"}, `+tt),
		tr("RandomRotation", `{"type": "RandomRotation", "degrees": 10, "interpolation": 2}, `+tt),
		tr("Resize", `{"type": "Resize", "size": 12, "interpolation": "InterpolationMode.LANCZOS"}, `+tt),
		tr("Resize", `{"type": "Resize", "size": [10, 14], "interpolation": "hamming"}, `+tt),
		refuse(tr("Resize", tt+`, {"type": "Resize", "size": 12, "interpolation": "box"}`), "interpolation box works on images"),
		refuse(tr("RandomAffine", `{"type": "RandomAffine", "degrees": 5, "interpolation": "lanczos"}, `+tt), "interpolation"),
		tr("RandomPerspective", `{"type": "RandomPerspective", "interpolation": "nearest", "fill": 3}, `+tt),
		tr("ToPILImage", tt+`, {"type": "ToPILImage"}, `+tt),
		tr("PILToTensor", `{"type": "PILToTensor"}, {"type": "ConvertImageDtype", "dtype": "torch.float32"}`),
		tr("ConvertImageDtype", `{"type": "PILToTensor"}, {"type": "ConvertImageDtype", "dtype": "torch.float32"}`),
		tr("LinearTransformation", `{"type": "Resize", "size": 2}, `+tt+`, {"type": "LinearTransformation", "transformation_matrix": [[1,0,0,0,0,0,0,0,0,0,0,0],[0,1,0,0,0,0,0,0,0,0,0,0],[0,0,1,0,0,0,0,0,0,0,0,0],[0,0,0,1,0,0,0,0,0,0,0,0],[0,0,0,0,1,0,0,0,0,0,0,0],[0,0,0,0,0,1,0,0,0,0,0,0],[0,0,0,0,0,0,1,0,0,0,0,0],[0,0,0,0,0,0,0,1,0,0,0,0],[0,0,0,0,0,0,0,0,1,0,0,0],[0,0,0,0,0,0,0,0,0,1,0,0],[0,0,0,0,0,0,0,0,0,0,1,0],[0,0,0,0,0,0,0,0,0,0,0,1]], "mean_vector": [0,0,0,0,0,0,0,0,0,0,0,0]}`),
		tr("RandomErasing", tt+`, {"type": "RandomErasing"}`),
		tr("RandomApply", `{"type": "RandomApply", "transforms": [{"type": "ColorJitter"}], "p": 0.3}, `+tt),
		tr("RandomChoice", `{"type": "RandomChoice", "transforms": [{"type": "RandomHorizontalFlip"}, {"type": "RandomInvert"}]}, `+tt),
		tr("RandomOrder", `{"type": "RandomOrder", "transforms": [{"type": "RandomHorizontalFlip"}, {"type": "RandomInvert"}]}, `+tt),
		confCase{kind: "transform", class: "OneHot", keys: `{"target_transforms": [{"type": "OneHot"}], "criterion": "MSELoss"}`},
		refuse(confCase{kind: "transform", class: "OneHot", keys: `{"target_transforms": [{"type": "OneHot"}], "criterion": "NLLLoss"}`}, "OneHot target transform"),
		confCase{kind: "transform", class: "LabelMap", keys: `{"target_transforms": [{"type": "LabelMap", "mapping": {"0": 2, "1": 1, "2": 0}}]}`},
	)
	// Pillow's image operations (the spec's image_ops, before the
	// transforms), with Pillow's enum names as strings; the samples stay
	// 16x16 RGB where the head's sizes are inferred anyway.
	op := func(class, list string) confCase {
		return confCase{kind: "image_op", class: class, keys: `{"image_ops": [` + list + `]}`}
	}
	cases = append(cases,
		op("convert", `{"convert": "RGB"}`),
		op("convert", `{"convert": {"mode": "P", "dither": "Dither.FLOYDSTEINBERG", "palette": "Palette.ADAPTIVE", "colors": 16}}, {"convert": "RGB"}`),
		op("convert", `{"convert": {"mode": "1", "dither": "Image.NONE"}}, {"convert": "L"}`),
		op("convert", `{"convert": {"mode": "RGB", "matrix": [0.4, 0.3, 0.2, 0, 0.1, 0.8, 0.1, 0, 0.2, 0.1, 0.7, 0]}}`),
		op("convert", `{"convert": "CMYK"}, {"convert": "YCbCr"}, {"convert": "HSV"}, {"convert": "RGB"}`),
		refuse(op("convert", `{"convert": "LA"}`), "mode LA"),
		op("crop", `{"crop": [2, 3, 14, 13]}`),
		op("crop", `{"crop": {"box": [-2, -2, 18, 18]}}`),
		op("resize", `{"resize": {"size": [20, 12], "resample": "Image.ANTIALIAS"}}`),
		op("resize", `{"resize": [[12, 12], "Image.Resampling.BICUBIC", [1, 1, 15, 15], 2.0]}`),
		op("resize", `{"resize": {"size": [8, 8], "resample": "Resampling.BOX"}}`),
		op("reduce", `{"reduce": 2}`),
		op("reduce", `{"reduce": {"factor": [2, 3], "box": [0, 0, 14, 15]}}`),
		refuse(op("reduce", `{"convert": "P"}, {"reduce": 2}`), "reduce"),
		op("rotate", `{"rotate": {"angle": 30, "resample": "Image.BICUBIC", "expand": true, "fillcolor": [255, 0, 0]}}`),
		op("rotate", `{"rotate": {"angle": -20, "resample": "Resampling.BILINEAR", "center": [3, 4], "translate": [1, 2]}}`),
		op("rotate", `{"convert": "F"}, {"rotate": {"angle": 25, "resample": "BICUBIC"}}, {"convert": "L"}`),
		op("transpose", `{"transpose": "Transpose.FLIP_LEFT_RIGHT"}`),
		op("transpose", `{"transpose": "Image.Transpose.ROTATE_90"}`),
		op("transpose", `{"transpose": {"method": "Image.TRANSVERSE"}}`),
		op("getchannel", `{"getchannel": "G"}`),
		op("getchannel", `{"getchannel": {"channel": 0}}`),
		op("effect_spread", `{"effect_spread": 2}`),
		op("effect_spread", `{"effect_spread": {"distance": 3}}`),
		op("filter", `{"filter": "ImageFilter.BLUR"}`),
		op("filter", `{"filter": "ImageFilter.GaussianBlur(2)"}, {"filter": "SHARPEN"}, {"filter": "MedianFilter(3)"}`),
		op("filter", `{"filter": "CONTOUR"}, {"filter": "EDGE_ENHANCE_MORE"}, {"filter": "UnsharpMask(2, 150, 3)"}`),
		op("filter", `{"filter": "ImageFilter.RankFilter(3, 2)"}, {"filter": "ModeFilter(size=3)"}`),
		refuse(op("filter", `{"convert": "P"}, {"filter": "BLUR"}`), "palette"),
		refuse(op("resise", `{"resise": {"size": [8, 8]}}`), `unknown image operation "resise"`),
	)
	return cases
}

// confBase is the spec every conformance case starts from.
const confBase = `{"name": "conf", "seed": 1, "data": {"train": "imgs", "split": {"test_size": 0.25}},
  "transforms": [{"type": "ToTensor"}], "model": {"layers": [` + head + `]},
  "optimizer": {"type": "SGD", "lr": 0.01}, "batch_size": 5, "epochs": 1}`

// writeConfImages writes 3 classes of 6 16x16 RGB images under dir/imgs.
func writeConfImages(t *testing.T, dir string) {
	t.Helper()
	for c, name := range []string{"blue", "green", "red"} {
		d := filepath.Join(dir, "imgs", name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k := range 6 {
			img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
			for i := 0; i < len(img.Pix); i += 4 {
				v := uint8((i*7 + k*31) % 97)
				img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v, v, 255
				img.Pix[i+2-c] += 120
			}
			f, err := os.Create(filepath.Join(d, fmt.Sprintf("%d.png", k)))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}

// confSpec merges the case's keys into confBase.
func confSpec(t *testing.T, c confCase, out string) *spec.Spec {
	t.Helper()
	var base, keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(confBase), &base); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(c.keys), &keys); err != nil {
		t.Fatalf("%s %s: the case's keys: %v", c.kind, c.class, err)
	}
	for k, v := range keys {
		base[k] = v
	}
	if c.table {
		base["data"] = json.RawMessage(`{"train": "builtin:digits", "split": {"test_size": 0.25}}`)
		delete(base, "transforms")
	}
	if c.regression {
		base["data"] = json.RawMessage(`{"train": "builtin:diabetes", "split": {"test_size": 0.25}}`)
		delete(base, "transforms")
	}
	base["output"], _ = json.Marshal(out)
	b, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(b)
	if err != nil {
		t.Fatalf("%s %s: %v", c.kind, c.class, err)
	}
	return s
}

// TestConformance trains one epoch with every registered layer,
// optimizer, scheduler, loss and image transform, each with PyTorch's
// example parameters, on a small image folder (or, for a layer that needs
// integer inputs, the built-in digits table), saves the model, loads it and
// predicts; or, where PyTorch refuses the parameters, expects Check to
// refuse them with an error that names them. A class registered without a
// case fails the test. The whole table takes a few seconds.
func TestConformance(t *testing.T) {
	root := t.TempDir()
	writeConfImages(t, root)
	digits, err := datasets.Load("digits")
	if err != nil {
		t.Fatal(err)
	}
	cases := conformanceCases()

	registered := map[string][]string{}
	for k, entries := range confCatalogues() {
		for _, e := range entries {
			registered[k] = append(registered[k], e.Name)
		}
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.kind+" "+c.class] = true
	}
	for _, k := range confKinds {
		for _, name := range registered[k] {
			if !covered[k+" "+name] {
				t.Errorf("%s %s is registered but has no conformance case: add one to conformanceCases", k, name)
			}
		}
	}
	issue := checkIssueCatalogue(t, cases)

	passed, refused, planned := map[string]int{}, map[string]int{}, map[string]int{}
	seen := map[string]int{}
	var failed []string
	for _, c := range cases {
		seen[c.kind+c.class]++
		name := c.kind + "/" + c.class
		if n := seen[c.kind+c.class]; n > 1 {
			name += fmt.Sprint("#", n)
		}
		ok := t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m")
			s := confSpec(t, c, out)
			p, err := train.Check(s, train.Options{Root: root})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Check: %v, want an error mentioning %q", err, c.err)
				}
				t.Logf("refused as PyTorch refuses it: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if c.heavy && os.Getenv("MLFORGE_CONFORMANCE_FULL") == "" {
				t.Skip("planned and checked; trained only with MLFORGE_CONFORMANCE_FULL=1 (over 50M parameters)")
			}
			res, err := p.Run(t.Context())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatalf("loading the saved model: %v", err)
			}
			var pred *model.Prediction
			want := 18
			switch {
			case c.table || c.regression:
				want = 5
				ds := digits
				if c.regression {
					if ds, err = datasets.Load("diabetes"); err != nil {
						t.Fatal(err)
					}
				}
				X := mat.DenseCopyOf(ds.X.Slice(0, want, 0, ds.X.RawMatrix().Cols))
				pred, err = m.Predict(X, false)
			default:
				_, pred, err = m.PredictImages([]string{filepath.Join(root, "imgs")}, false)
			}
			if err != nil {
				t.Fatalf("predicting with the saved model: %v", err)
			}
			if len(pred.Values) != want {
				t.Fatalf("%d predictions, want %d", len(pred.Values), want)
			}
		})
		switch {
		case !ok:
			failed = append(failed, name)
		case c.err != "":
			refused[c.kind]++
		case c.heavy && os.Getenv("MLFORGE_CONFORMANCE_FULL") == "":
			planned[c.kind]++
		default:
			passed[c.kind]++
		}
	}
	var counts []string
	total := 0
	for _, k := range confKinds {
		counts = append(counts, fmt.Sprintf("%s %d trained (%d planned only) of %d registered, %d refused", k, passed[k], planned[k], len(registered[k]), refused[k]))
		total += passed[k] + planned[k] + refused[k]
	}
	sort.Strings(failed)
	t.Logf("conformance (trained, saved and predicted; or refused as PyTorch refuses them): %d cases: %s; %d failed %v; %s",
		total, strings.Join(counts, "; "), len(failed), failed, issue)
}

// confKinds are the kinds of conformance cases.
var confKinds = []string{"layer", "optimizer", "scheduler", "loss", "transform", "image_op"}

// confCatalogues returns the registered classes of each kind with their
// parameters, as GET /api/classes lists them.
func confCatalogues() map[string][]param.Entry {
	return map[string][]param.Entry{"layer": nn.LayerCatalogue(), "optimizer": optim.Catalogue(),
		"scheduler": optim.SchedulerCatalogue(), "loss": nn.LossCatalogue(),
		"transform": images.Catalogue(), "image_op": images.ImageOpsCatalogue()}
}

// issueGaps are the names of issue 11's catalogue that are not built yet,
// each with what is missing; a listed name that becomes registered fails
// the test, so that the list stays true.
var issueGaps = map[string]string{}

// paramExclusions are the keyword arguments of the issue's classes (from
// PyTorch, torchvision and Pillow) that a spec does not take, each with
// its reason; "kind *" applies to every class of the kind.
var paramExclusions = map[string]string{
	"optimizer *.params":                        "the network's parameters: the spec's model gives them",
	"scheduler *.optimizer":                     "the spec's optimizer",
	"layer FractionalMaxPool2d._random_samples": "private (a leading underscore): the samples are drawn from the run's seed",
	"layer FractionalMaxPool3d._random_samples": "private (a leading underscore): the samples are drawn from the run's seed",
	"transform Compose.transforms":              "the JSON list is the composition",
}

// TestConformanceCatalogue checks issue 11's catalogue
// (testdata/catalogue.json, gen_catalogue.py: the names of its items 1-5
// and 7 with their keyword arguments in PyTorch 1.13, torchvision 0.14
// and Pillow 9.4) against the registries and the conformance cases: every
// name is registered and has a case, and every keyword argument is in its
// class's catalogue entry, except those issueGaps, paramExclusions and
// the issue's "optional" list.
func TestConformanceCatalogue(t *testing.T) {
	t.Log(checkIssueCatalogue(t, conformanceCases()))
}

// checkIssueCatalogue is TestConformanceCatalogue's check; it returns
// the counts.
func checkIssueCatalogue(t *testing.T, cases []confCase) string {
	t.Helper()
	var cat map[string]json.RawMessage
	b, err := os.ReadFile("testdata/catalogue.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	regs := confCatalogues()
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.kind+" "+c.class] = true
	}
	names, params, optional := 0, 0, []string{}
	var gaps []string
	for _, k := range confKinds {
		var entries []struct {
			Name     string   `json:"name"`
			Params   []string `json:"params"`
			Optional bool     `json:"optional"`
		}
		if err := json.Unmarshal(cat[k], &entries); err != nil || len(entries) == 0 {
			t.Fatalf("testdata/catalogue.json: %s: %v (%d entries)", k, err, len(entries))
		}
		ours := map[string]map[string]bool{}
		for _, e := range regs[k] {
			ours[e.Name] = map[string]bool{}
			for _, p := range e.Params {
				ours[e.Name][p.Name] = true
			}
		}
		for _, e := range entries {
			key := k + " " + e.Name
			reg, isReg := ours[e.Name]
			if gap, ok := issueGaps[key]; ok {
				if isReg {
					t.Errorf("%s is registered now: take it off issueGaps (%s)", key, gap)
				}
				gaps = append(gaps, key)
				continue
			}
			if !isReg {
				if e.Optional {
					optional = append(optional, key)
					continue
				}
				t.Errorf("%s: in issue 11's catalogue but not registered", key)
				continue
			}
			if !covered[key] {
				t.Errorf("%s: in issue 11's catalogue but has no conformance case", key)
			}
			names++
			for _, p := range e.Params {
				_, all := paramExclusions[k+" *."+p]
				_, one := paramExclusions[key+"."+p]
				switch {
				case reg[p]:
					params++
				case !all && !one:
					t.Errorf("%s: keyword argument %s is not in its catalogue entry (add it, or to paramExclusions with the reason)", key, p)
				}
			}
		}
	}
	sort.Strings(optional)
	return fmt.Sprintf("issue 11's catalogue: %d names registered with a case and %d of their keyword arguments taken; not built: %d optional %v, %d gaps %v",
		names, params, len(optional), optional, len(gaps), gaps)
}
