package spec

import (
	"fmt"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
)

// Autoencoder specs: "task": "autoencoder" trains a network made of two
// layer lists, model.encoder and model.decoder, to reconstruct its input
// (no target):
//
//	{ "name": "digits-ae", "task": "autoencoder",
//	  "data": {"train": "builtin:digits"},
//	  "model": {"encoder": [{"type": "Linear", "in_features": "auto", "out_features": 8}, {"type": "ReLU"}],
//	            "decoder": [{"type": "Linear", "in_features": "auto", "out_features": 64}]},
//	  "criterion": "MSELoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 20 }
//
// The decoder's output must have the input's shape (an image autoencoder
// ends its decoder with an Unflatten or a transposed convolution). The
// criterion compares the reconstruction with the input: MSELoss (the
// default), L1Loss, SmoothL1Loss, HuberLoss, BCELoss or BCEWithLogitsLoss
// (inputs in [0, 1], as ToTensor makes pixels). The data is a table (every
// feature column; a data.target names a column left out, as a built-in
// dataset's target is) or images (an image folder, IDX files or a stored
// dataset, whose labels are ignored). The weights are saved under the
// state_dict names of a torch.nn.Module with two nn.Sequential attributes
// encoder and decoder ("encoder.0.weight", "decoder.0.weight"), and
// prediction gives the latent codes (the encoder's output) or, asked for,
// the reconstructions.

// The tasks a spec may name.
const (
	TaskAutoencoder = "autoencoder"
	TaskGAN         = "gan"
)

var tasks = []string{TaskAutoencoder, TaskGAN}

// IsAutoencoder reports whether s trains an autoencoder.
func (s *Spec) IsAutoencoder() bool { return s.Task == TaskAutoencoder }

// validateTask checks the top-level task and reports whether it is known.
func (s *Spec) validateTask(c *errs) bool {
	if s.Task != "" && !contains(tasks, s.Task) {
		c.add("task", fmt.Sprintf("unknown task %s%s; expected one of %s (or no task: model.class or model.layers)", quote(abbrev(s.Task)), suggest.Hint(s.Task, tasks), strings.Join(tasks, ", ")))
		return false
	}
	return true
}

// reconstructionLosses are the criteria an autoencoder takes besides the
// losses of values: BCE of pixels in [0, 1].
var reconstructionLosses = []string{"BCELoss", "BCEWithLogitsLoss"}

// validateAutoencoderModel checks the keys of an autoencoder's model and
// fills in its criterion.
func (s *Spec) validateAutoencoderModel(c *errs) {
	if s.Model.Class != "" {
		c.add("model.class", `an autoencoder ("task": "autoencoder") is a network of model.encoder and model.decoder; it takes no model.class`)
	}
	if len(s.Model.Params) > 0 {
		c.add("model.params", "an autoencoder takes no model.params; its settings are the layers' parameters and the top-level keys")
	}
	if s.Model.Layers != nil {
		c.add("model.layers", `an autoencoder's layers are two lists, model.encoder and model.decoder, not model.layers`)
	}
	if len(s.Model.Encoder) == 0 {
		c.add("model.encoder", `required: at least one layer, such as {"type": "Linear", "in_features": "auto", "out_features": 8}`)
	}
	if len(s.Model.Decoder) == 0 {
		c.add("model.decoder", `required: at least one layer, such as {"type": "Linear", "in_features": "auto", "out_features": 64}`)
	}
	if len(s.Preprocess) > 0 {
		c.add("preprocess", "preprocess applies to classic estimators; a network takes transforms (image data) or its own layers")
	}
	if s.Labels != nil {
		c.add("labels", "an autoencoder has no classes: it reconstructs its input")
	}
	if s.TargetTransforms != nil {
		c.add("target_transforms", "an autoencoder has no target: it reconstructs its input")
	}
	if s.Freeze {
		c.add("freeze", "trains only a classifier's head; an autoencoder trains its encoder and decoder")
	}
	if len(s.Metrics) > 0 {
		c.add("metrics", "an autoencoder is scored by its reconstruction (loss and reconstruction_mse on the training and test data); it takes no metrics")
	}
	if s.Criterion == nil {
		s.Criterion = &Step{Type: "MSELoss"}
	}
}

// checkAutoencoderLoss checks that the criterion l compares a
// reconstruction with its input.
func (s *Spec) checkAutoencoderLoss(c *errs, l nn.Loss) {
	if nn.TargetFormOf(l) == nn.TargetValue || contains(reconstructionLosses, s.Criterion.Type) {
		return
	}
	ok := append(valueLosses(), reconstructionLosses...)
	c.add("criterion.type", fmt.Sprintf("%s compares the output with class labels, but an autoencoder compares its reconstruction with its input; expected one of %s", s.Criterion.Type, strings.Join(ok, ", ")))
}

// autoencoderTask is the task a Validate reports for an autoencoder: none
// of ml's (no metric applies).
const autoencoderTask ml.Task = ""
