package model

import (
	"fmt"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
)

// TaskGAN is Manifest.Task for a GAN: a generator and a discriminator
// trained against each other.
const TaskGAN ml.Task = "gan"

// GAN splits a Sequential of a GAN's layers, the first nGenerator of them
// the generator's, into its two networks and the module that holds both,
// whose state_dict names are those of a torch.nn.Module with the
// nn.Sequential attributes generator and discriminator
// ("generator.0.weight", "discriminator.3.bias"). Its Forward is D(G(z)).
func GAN(seq *nn.Sequential, nGenerator int) (whole nn.Module, generator, discriminator *nn.Sequential) {
	return splitTwo(seq, nGenerator, "GAN", "generator", "discriminator")
}

// IsGAN reports whether m is a GAN.
func (m *Model) IsGAN() bool {
	return m.Net != nil && m.Net.Manifest.GeneratorLayers > 0
}

// asGAN rebuilds the two networks of a GAN built as one Sequential.
func (n *Network) asGAN(seq *nn.Sequential) error {
	k := n.Manifest.GeneratorLayers
	if k >= len(seq.Layers) {
		return &Error{Msg: fmt.Sprintf("network: generator_layers is %d, but the network has %d layers (the generator's and the discriminator's)", k, len(seq.Layers))}
	}
	n.Module, _, _ = GAN(seq, k)
	return nil
}

// errGAN is the answer of the predict calls for a GAN.
var errGAN = &Error{Msg: "a GAN predicts nothing: its model file holds the generator and the discriminator (generator.*, discriminator.*), and its runs save sample grids per epoch"}
