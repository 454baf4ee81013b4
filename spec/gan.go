package spec

import "fmt"

// GAN specs: "task": "gan" trains a generator and a discriminator against
// each other as the PyTorch DCGAN tutorial does:
//
//	{ "name": "mnist-gan", "task": "gan",
//	  "data": {"train": "mnist-folder"},
//	  "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}, {"type": "Normalize", "mean": [0.5], "std": [0.5]}],
//	  "model": {"latent_dim": 64,
//	            "generator": [{"type": "Linear", "in_features": "auto", "out_features": 256}, {"type": "ReLU"},
//	                          {"type": "Linear", "in_features": "auto", "out_features": 784}, {"type": "Tanh"},
//	                          {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 28, 28]}],
//	            "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 256},
//	                              {"type": "LeakyReLU", "negative_slope": 0.2}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
//	  "optimizer": {"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]},
//	  "optimizer_d": {"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]},
//	  "batch_size": 64, "epochs": 5 }
//
// The generator takes noise of shape (N, latent_dim), drawn from N(0, 1)
// (a convolutional generator starts with an Unflatten to (latent_dim, 1,
// 1)), and must output the images' shape; the discriminator must output
// one value per image, (N, 1). optimizer is the generator's and
// optimizer_d the discriminator's, both required. The criterion is
// BCEWithLogitsLoss (the default: the discriminator outputs logits) or
// BCELoss (a discriminator ending in Sigmoid, as in the tutorial). Each
// step updates the discriminator on a real batch (target 1) and a
// generated one (target 0, the generator's output detached), then the
// generator through the updated discriminator (target 1). Every epoch
// The generator and the discriminator learn from every image of data.train
// (no split). Every epoch reports loss_d and loss_g (means over its steps) and d_real, d_fake (the
// discriminator's mean probability on real and generated images), and
// writes an 8 × 8 grid of the generator's images from a fixed noise batch,
// samples/epoch-NNN.png in the model directory. The model file holds both
// networks ("generator.N.*", "discriminator.N.*").

// MaxLatentDim is the largest latent_dim of a GAN.
const MaxLatentDim = 1 << 16

// IsGAN reports whether s trains a GAN.
func (s *Spec) IsGAN() bool { return s.Task == TaskGAN }

// ganLosses are the criteria a GAN takes.
var ganLosses = []string{"BCEWithLogitsLoss", "BCELoss"}

const adamExample = `{"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]}`

// validateGANModel checks the keys of a GAN's model and fills in its
// criterion. It runs before the network defaults, so that a missing
// optimizer is reported rather than defaulted.
func (s *Spec) validateGANModel(c *errs) {
	if s.Model.Class != "" {
		c.add("model.class", `a GAN ("task": "gan") is a network of model.generator and model.discriminator; it takes no model.class`)
	}
	if len(s.Model.Params) > 0 {
		c.add("model.params", "a GAN takes no model.params; its settings are the layers' parameters and the top-level keys")
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"model.layers", s.Model.Layers != nil}, {"model.encoder", s.Model.Encoder != nil}, {"model.decoder", s.Model.Decoder != nil}} {
		if k.set {
			c.add(k.key, "a GAN's layers are two lists, model.generator and model.discriminator")
		}
	}
	if len(s.Model.Generator) == 0 {
		c.add("model.generator", `required: the layers that map noise (N, latent_dim) to an image, such as [{"type": "Linear", "in_features": "auto", "out_features": 784}, {"type": "Tanh"}, {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 28, 28]}]`)
	}
	if len(s.Model.Discriminator) == 0 {
		c.add("model.discriminator", `required: the layers that map an image to one logit, such as [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 1}]`)
	}
	if s.Model.LatentDim < 1 || s.Model.LatentDim > MaxLatentDim {
		c.add("model.latent_dim", fmt.Sprintf("expected an integer from 1 to %d (the size of the generator's noise), got %d", MaxLatentDim, s.Model.LatentDim))
	}
	if s.Optimizer == nil {
		c.add("optimizer", "required: a GAN has two optimizers, optimizer for the generator and optimizer_d for the discriminator, such as "+adamExample)
	}
	if s.OptimizerD == nil {
		c.add("optimizer_d", "required: the discriminator's optimizer (optimizer is the generator's), such as "+adamExample)
	}
	if len(s.Preprocess) > 0 {
		c.add("preprocess", "preprocess applies to classic estimators; a network takes transforms (image data) or its own layers")
	}
	if s.Labels != nil {
		c.add("labels", "a GAN has no classes: it generates images")
	}
	if s.TargetTransforms != nil {
		c.add("target_transforms", "a GAN has no target: its discriminator's targets are real (1) and generated (0)")
	}
	if s.Freeze {
		c.add("freeze", "trains only a classifier's head; a GAN trains both its networks")
	}
	if s.Scheduler != nil {
		c.add("scheduler", "a GAN's two optimizers keep their learning rates; it takes no scheduler")
	}
	if len(s.Metrics) > 0 {
		c.add("metrics", "a GAN is followed by loss_d, loss_g, d_real and d_fake per epoch and its sample grids; it takes no metrics")
	}
	if s.Criterion == nil {
		s.Criterion = &Step{Type: "BCEWithLogitsLoss"}
	} else if !contains(ganLosses, s.Criterion.Type) {
		c.add("criterion.type", fmt.Sprintf("a GAN's discriminator is trained to tell real (1) from generated (0) images; expected %s (logits, the default) or BCELoss (a discriminator ending in Sigmoid), got %s", ganLosses[0], quote(abbrev(s.Criterion.Type))))
	}
}

// validateGANData checks a GAN's data: images.
func (s *Spec) validateGANData(c *errs, kind DataKind, dataOK bool) {
	if dataOK && kind == TableData {
		c.add("data.train", "a GAN generates images: expected an image folder, IDX files or a stored dataset, got table data "+quote(abbrev(s.Data.Train.String())))
	}
	if s.IsSequence() {
		c.add("data.sequence", "applies to a network trained against a target; a GAN generates images")
	}
	if s.Data.Target != "" {
		c.add("data.target", "a GAN has no target column")
	}
	if !s.Data.Test.IsZero() {
		c.add("data.test", "a GAN learns from every image of data.train and has no test data")
	}
}

// ganOnly reports the GAN keys a spec that is not a GAN has.
func (s *Spec) ganOnly(c *errs) {
	for _, k := range []struct {
		key string
		set bool
	}{{"optimizer_d", s.OptimizerD != nil}, {"model.generator", s.Model.Generator != nil}, {"model.discriminator", s.Model.Discriminator != nil}, {"model.latent_dim", s.Model.LatentDim != 0}} {
		if k.set {
			c.add(k.key, `belongs to a GAN: add "task": "gan" (with model.generator, model.discriminator, model.latent_dim, optimizer and optimizer_d)`)
		}
	}
}
