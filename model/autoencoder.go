package model

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

// TaskAutoencoder is Manifest.Task for an autoencoder: a network of an
// encoder and a decoder trained to reconstruct its input.
const TaskAutoencoder ml.Task = "autoencoder"

// Autoencoder splits a Sequential of an autoencoder's layers, the first
// nEncoder of them the encoder's, into its two halves and the module that
// applies one after the other, whose state_dict names are those of a
// torch.nn.Module with the nn.Sequential attributes encoder and decoder
// ("encoder.0.weight", "decoder.2.bias").
func Autoencoder(seq *nn.Sequential, nEncoder int) (whole nn.Module, encoder, decoder *nn.Sequential) {
	return splitTwo(seq, nEncoder, "Autoencoder", "encoder", "decoder")
}

// splitTwo splits seq after its first k layers into two Sequentials and
// the module named class holding them as its children first and second
// (an autoencoder's encoder and decoder, a GAN's generator and
// discriminator).
func splitTwo(seq *nn.Sequential, k int, class, first, second string) (whole nn.Module, a, b *nn.Sequential) {
	a = nn.NewSequential(seq.Layers[:k:k]...)
	b = nn.NewSequential(seq.Layers[k:]...)
	return nn.NewStack(class, nn.Child{Name: first, Module: a}, nn.Child{Name: second, Module: b}), a, b
}

// IsAutoencoder reports whether m is an autoencoder.
func (m *Model) IsAutoencoder() bool {
	return m.Net != nil && m.Net.Manifest.EncoderLayers > 0
}

// asAutoencoder rebuilds the two halves of an autoencoder network built as
// one Sequential.
func (n *Network) asAutoencoder(seq *nn.Sequential) error {
	k := n.Manifest.EncoderLayers
	if k >= len(seq.Layers) {
		return &Error{Msg: fmt.Sprintf("network: encoder_layers is %d, but the network has %d layers (the encoder's and the decoder's)", k, len(seq.Layers))}
	}
	n.Module, n.encoder, _ = Autoencoder(seq, k)
	return nil
}

// LatentShape returns the shape of an autoencoder's latent code for one
// sample (the encoder's output without the batch dimension).
func (m *Model) LatentShape() ([]int, error) {
	if !m.IsAutoencoder() {
		return nil, &Error{Msg: "not an autoencoder"}
	}
	out, err := m.Net.encoder.OutShape(append([]int{1}, m.Net.Manifest.InputShape...))
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	return out[1:], nil
}

// Encode returns an autoencoder's latent codes of x (N × input shape), one
// flattened row per sample.
func (m *Model) Encode(x *tensor.Tensor) (*tensor.Tensor, error) {
	if !m.IsAutoencoder() {
		return nil, &Error{Msg: "Encode needs an autoencoder"}
	}
	return m.Net.forward(m.Net.encoder, x)
}

// Reconstruct returns an autoencoder's reconstructions of x (N × input
// shape), one flattened row per sample.
func (m *Model) Reconstruct(x *tensor.Tensor) (*tensor.Tensor, error) {
	if !m.IsAutoencoder() {
		return nil, &Error{Msg: "Reconstruct needs an autoencoder"}
	}
	return m.Net.Forward(x)
}

// tableTensor converts rows of an autoencoder's table features to its
// input tensor, checked against the run budget.
func (m *Model) tableTensor(X *mat.Dense) (*tensor.Tensor, error) {
	if m.Net.Manifest.Data != "table" {
		return nil, &Error{Msg: "this autoencoder was trained on images; give it images"}
	}
	r, c := X.Dims()
	if want := tensor.Numel(m.Net.Manifest.InputShape); c != want {
		return nil, &Error{Msg: fmt.Sprintf("got %d features, the autoencoder expects %d", c, want)}
	}
	if err := budget.Default().CheckRun("data", "the rows to encode", budget.Mul(int64(r), int64(c), 4), fmt.Sprintf("%d rows × %d columns", r, c)); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	x := tensor.New(r, c)
	for i := range r {
		for j := range c {
			x.Data[i*c+j] = float32(X.At(i, j))
		}
	}
	return x, nil
}

// EncodeRows returns the latent codes of rows of an autoencoder's table
// features, or with reconstruct their reconstructions.
func (m *Model) EncodeRows(X *mat.Dense, reconstruct bool) (*mat.Dense, error) {
	if !m.IsAutoencoder() {
		return nil, &Error{Msg: "not an autoencoder"}
	}
	x, err := m.tableTensor(X)
	if err != nil {
		return nil, err
	}
	var out *tensor.Tensor
	if reconstruct {
		out, err = m.Reconstruct(x)
	} else {
		out, err = m.Encode(x)
	}
	if err != nil {
		return nil, err
	}
	return denseOf(out), nil
}

// EncodeImages returns the latent codes (or with reconstruct the
// reconstructions) of encoded images held in memory, prepared as in
// training; names are used in error messages.
func (m *Model) EncodeImages(names []string, blobs [][]byte, reconstruct bool) (*mat.Dense, error) {
	if !m.IsAutoencoder() || m.Net.Manifest.Data == "table" {
		return nil, &Error{Msg: "this model is not an autoencoder of images"}
	}
	x, err := m.decodeImages(len(blobs), func(i int, mode images.Mode) (*images.Image, string, error) {
		img, err := images.DecodeBytes(blobs[i], names[i], mode)
		return img, names[i], err
	})
	if err != nil {
		return nil, err
	}
	return m.encodeTensor(x, reconstruct)
}

// EncodeImageFiles is EncodeImages for image files or folders of them
// (as PredictImages lists them); it returns the files in order.
func (m *Model) EncodeImageFiles(paths []string, reconstruct bool) ([]string, *mat.Dense, error) {
	if !m.IsAutoencoder() || m.Net.Manifest.Data == "table" {
		return nil, nil, &Error{Msg: "this model is not an autoencoder of images"}
	}
	files, err := listImages(paths)
	if err != nil {
		return nil, nil, err
	}
	x, err := m.decodeImages(len(files), func(i int, mode images.Mode) (*images.Image, string, error) {
		img, err := images.DecodeFile(files[i], mode)
		return img, files[i], err
	})
	if err != nil {
		return nil, nil, err
	}
	Z, err := m.encodeTensor(x, reconstruct)
	return files, Z, err
}

func (m *Model) encodeTensor(x *tensor.Tensor, reconstruct bool) (*mat.Dense, error) {
	var out *tensor.Tensor
	var err error
	if reconstruct {
		out, err = m.Reconstruct(x)
	} else {
		out, err = m.Encode(x)
	}
	if err != nil {
		return nil, err
	}
	return denseOf(out), nil
}

func denseOf(t *tensor.Tensor) *mat.Dense {
	r, c := t.Shape[0], t.Shape[1]
	d := make([]float64, r*c)
	for i, v := range t.Data {
		d[i] = float64(v)
	}
	return mat.NewDense(max(r, 1), max(c, 1), padTo(d, max(r, 1)*max(c, 1)))
}

func padTo(d []float64, n int) []float64 {
	if len(d) >= n {
		return d
	}
	return append(d, make([]float64, n-len(d))...)
}
