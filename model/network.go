package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/safetensors"
	"github.com/mlforge/mlforge/tensor"
)

// KindNetwork is Manifest.Kind for a neural network; classic pipelines leave
// Kind empty.
const KindNetwork = "network"

// NetworkManifest describes a network in the manifest: enough to rebuild the
// nn.Sequential that the weights belong to and to prepare its inputs.
type NetworkManifest struct {
	// Layers are the layer specs with every size resolved ("auto" and
	// "n_labels" replaced by numbers).
	Layers []nn.LayerSpec `json:"layers"`
	// InputShape is the shape of one sample, without the batch dimension.
	InputShape []int `json:"input_shape"`
	// Data is the kind of data it was trained on: "table", "idx" or
	// "folder".
	Data string `json:"data"`
	// ImageMode is the pixel format images are decoded to before the
	// transforms: "L" (IDX data) or "RGB" (image folders).
	ImageMode string `json:"image_mode,omitempty"`
	// Transforms are the deterministic transforms of the training spec
	// (Resize, CenterCrop, Grayscale, ConvertRGB, ToTensor, Normalize),
	// applied at prediction; random augmentations are left out, as with a
	// separate evaluation transform in torchvision.
	Transforms json.RawMessage `json:"transforms,omitempty"`
	// ImageOps are the deterministic Pillow operations of the training
	// spec's image_ops, applied at prediction before Transforms.
	ImageOps json.RawMessage `json:"image_ops,omitempty"`
	// EncoderLayers, for an autoencoder, is how many of Layers are the
	// encoder's (the rest are the decoder's); 0 for any other network.
	EncoderLayers int `json:"encoder_layers,omitempty"`
	// GeneratorLayers, for a GAN, is how many of Layers are the
	// generator's (the rest are the discriminator's, and InputShape is the
	// generator's noise); 0 for any other network.
	GeneratorLayers int `json:"generator_layers,omitempty"`
	// Sequence, for a network trained on windows of a table's rows, says
	// how prediction windows the rows it is given.
	Sequence *Sequence `json:"sequence,omitempty"`
}

// Sequence is how a sequence network's rows become windows: sample i is
// the rows [i·Stride, i·Stride+Window) of Columns (the model's features),
// and its prediction is the target Horizon rows after the window's last
// row.
type Sequence struct {
	Window  int      `json:"window"`
	Horizon int      `json:"horizon"`
	Stride  int      `json:"stride"`
	Columns []string `json:"columns"`
}

// Windows returns the number of windows rows rows make, the rows that end
// them and the rows whose targets they predict (0-based, possibly past the
// last row).
func (s *Sequence) Windows(rows int) (n int, ends, targets []int) {
	if rows < s.Window || s.Stride < 1 {
		return 0, nil, nil
	}
	n = (rows-s.Window)/s.Stride + 1
	ends, targets = make([]int, n), make([]int, n)
	for i := range n {
		ends[i] = i*s.Stride + s.Window - 1
		targets[i] = ends[i] + s.Horizon
	}
	return n, ends, targets
}

// Network is a trained network with what prediction needs.
type Network struct {
	// Module is the network: a Sequential of the manifest's layers, or
	// for an autoencoder the encoder and the decoder (Autoencoder).
	Module    nn.Module
	encoder   *nn.Sequential // an autoencoder's encoder, nil otherwise
	Manifest  NetworkManifest
	transform images.Transform
	// batch is the number of samples predicted at a time (0:
	// predictBatch), set when loading so that a batch's activations fit
	// the run budget.
	batch int
}

// BuildNetwork rebuilds the module a NetworkManifest describes, with fresh
// weights (load them with nn.LoadStateDict), in evaluation mode.
func BuildNetwork(nm NetworkManifest) (*Network, error) {
	pl, err := planNetwork(nm)
	if err != nil {
		return nil, err
	}
	return buildPlanned(nm, pl)
}

// planNetwork plans the network a NetworkManifest describes: its shapes and
// parameter counts, without allocating any weight.
func planNetwork(nm NetworkManifest) (*nn.NetPlan, error) {
	if len(nm.Layers) == 0 || len(nm.InputShape) == 0 {
		return nil, &Error{Msg: "the network has no layers or no input shape"}
	}
	for i, d := range nm.InputShape {
		if d < 1 {
			return nil, &Error{Msg: fmt.Sprintf("network: input_shape[%d] is %d; sizes must be at least 1", i, d)}
		}
	}
	if n := budget.Mul(toInt64s(nm.InputShape)...); n > nn.MaxElements {
		return nil, &Error{Msg: fmt.Sprintf("network: input_shape %v has more than 2^40 elements", nm.InputShape)}
	}
	if sq := nm.Sequence; sq != nil {
		if sq.Window < 1 || sq.Stride < 1 || sq.Horizon < 0 || len(nm.InputShape) != 2 || nm.InputShape[0] != sq.Window || nm.InputShape[1] != len(sq.Columns) {
			return nil, &Error{Msg: fmt.Sprintf("network: the sequence (window %d, stride %d, horizon %d, %d columns) does not match input_shape %v", sq.Window, sq.Stride, sq.Horizon, len(sq.Columns), nm.InputShape)}
		}
	}
	pl, err := nn.Plan(nm.Layers, append([]int{1}, nm.InputShape...))
	if err != nil {
		return nil, &Error{Msg: "network: " + err.Error()}
	}
	return pl, nil
}

// buildPlanned allocates the weights of a planned network (drawn from a
// fixed seed: loading overwrites them) and parses its transforms.
func buildPlanned(nm NetworkManifest, pl *nn.NetPlan) (*Network, error) {
	seq := pl.Build(rand.New(rand.NewPCG(0, 0)))
	seq.Train(false)
	n := &Network{Module: seq, Manifest: nm}
	if nm.EncoderLayers > 0 {
		if err := n.asAutoencoder(seq); err != nil { // autoencoder.go
			return nil, err
		}
	}
	if nm.GeneratorLayers > 0 {
		if err := n.asGAN(seq); err != nil { // gan.go
			return nil, err
		}
	}
	if len(nm.Transforms) > 0 {
		var err error
		if n.transform, err = images.ParseTransforms(nm.Transforms); err != nil {
			return nil, &Error{Msg: "network transforms: " + err.Error()}
		}
	}
	if len(nm.ImageOps) > 0 {
		ops, err := images.ParseImageOps(nm.ImageOps)
		if err != nil {
			return nil, &Error{Msg: "network image_ops: " + err.Error()}
		}
		if n.transform == nil {
			n.transform = ops.Transform()
		} else {
			n.transform = images.Compose{ops.Transform(), n.transform}
		}
	}
	return n, nil
}

func toInt64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// encodeNetwork returns the network's tensors under their PyTorch state_dict
// names.
func encodeNetwork(net *Network) (map[string]*safetensors.Tensor, error) {
	var buf bytes.Buffer
	if err := nn.SaveSafetensors(&buf, net.Module, nil); err != nil {
		return nil, err
	}
	f, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return f.Tensors, nil
}

// decodeNetwork rebuilds the network of a manifest and loads its weights
// from the file's tensors. The manifest is checked before any weight is
// allocated: the network is planned from its layer specs (shapes only), its
// weights are checked against the model budget, and the file must hold
// exactly as many values as the plan has parameters and buffers, so that a
// file declaring a network larger than itself is refused at the cost of a
// plan, never of the network it declares.
func decodeNetwork(man *Manifest, ts map[string]*safetensors.Tensor, limits budget.Limits) (*Network, error) {
	if man.Network == nil {
		return nil, &Error{Msg: "manifest of kind \"network\" has no network section"}
	}
	pl, err := planNetwork(*man.Network)
	if err != nil {
		return nil, err
	}
	want := budget.Add(pl.Params, pl.Buffers)
	if err := limits.CheckModel("network", "the network", pl.WeightBytes(), budget.Count(want)+" parameters"); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	var have int64
	for _, t := range ts {
		have = budget.Add(have, budget.Mul(toInt64s(t.Shape)...))
	}
	if have != want {
		return nil, &Error{Msg: fmt.Sprintf("the file holds %s weight values, the network its manifest describes has %s", budget.Count(have), budget.Count(want))}
	}
	// Predicting keeps one batch's activations: one sample's must fit the
	// run budget, and batches are as large as it allows (up to
	// predictBatch).
	act := budget.Mul(pl.Activations, 4)
	if err := limits.CheckRun("network", "predicting with the network", act, budget.Count(pl.Activations)+" activation values for one sample"); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	net, err := buildPlanned(*man.Network, pl)
	if err != nil {
		return nil, err
	}
	if lim := limits.OrDefault().MaxRunMemory; lim > 0 && act > 0 {
		net.batch = int(min(max(lim/act, 1), predictBatch))
	}
	sd := make(map[string]*tensor.Tensor, len(ts))
	for name, t := range ts {
		d := make([]float32, tensor.Numel(t.Shape))
		switch {
		case t.F32 != nil:
			copy(d, t.F32)
		case t.F64 != nil:
			for i, v := range t.F64 {
				d[i] = float32(v)
			}
		case t.I64 != nil:
			for i, v := range t.I64 {
				d[i] = float32(v)
			}
		}
		sd[name] = &tensor.Tensor{Shape: slices.Clone(t.Shape), Data: d}
	}
	if err := nn.LoadStateDict(net.Module, sd); err != nil {
		return nil, &Error{Msg: strings.TrimPrefix(err.Error(), "nn: ")}
	}
	return net, nil
}

// IsNetwork reports whether m is a neural network.
func (m *Model) IsNetwork() bool { return m.Net != nil }

// InputShape returns the shape of one input sample of a network (nil for a
// classic model).
func (m *Model) InputShape() []int {
	if m.Net == nil {
		return nil
	}
	return slices.Clone(m.Net.Manifest.InputShape)
}

// predictBatch is the number of samples a network predicts at a time.
const predictBatch = 256

// Forward runs the network on x (N x input shape) and returns its raw
// outputs (N x outputs). It is safe for concurrent use.
func (n *Network) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	return n.forward(n.Module, x)
}

// forward runs mod, the network or a part of it that takes its input, on
// x in batches.
func (n *Network) forward(mod nn.Module, x *tensor.Tensor) (*tensor.Tensor, error) {
	if len(x.Shape) != len(n.Manifest.InputShape)+1 || !slices.Equal(x.Shape[1:], n.Manifest.InputShape) {
		return nil, &Error{Msg: fmt.Sprintf("the network expects inputs of shape (N, %s), got %v", joinInts(n.Manifest.InputShape), x.Shape)}
	}
	N := x.Shape[0]
	per := tensor.Numel(n.Manifest.InputShape)
	batch := n.batch
	if batch <= 0 {
		batch = predictBatch
	}
	g := nn.NewInferenceGraph()
	var out *tensor.Tensor
	for lo := 0; lo < N; lo += batch {
		hi := min(lo+batch, N)
		g.Reset()
		shape := append([]int{hi - lo}, n.Manifest.InputShape...)
		y := mod.Forward(g, g.Const(&tensor.Tensor{Shape: shape, Data: x.Data[lo*per : hi*per]}))
		if err := g.Err(); err != nil {
			return nil, err
		}
		k := len(y.Data.Data) / (hi - lo)
		if out == nil {
			out = tensor.New(N, k)
		}
		copy(out.Data[lo*k:hi*k], y.Data.Data)
	}
	if out == nil {
		out = tensor.New(0, 0)
	}
	return out, nil
}

// predictTensor turns network outputs into a Prediction: for a classifier
// the class of the largest output and, with proba, the softmax of the
// outputs; for a regressor the first output.
func (m *Model) predictTensor(x *tensor.Tensor, proba bool) (*Prediction, error) {
	if m.IsGAN() || m.IsAutoencoder() {
		if m.IsGAN() {
			return nil, errGAN
		}
		return nil, &Error{Msg: "an autoencoder answers latent codes or reconstructions (EncodeRows, EncodeImages), not predictions"}
	}
	out, err := m.Net.Forward(x)
	if err != nil {
		return nil, err
	}
	return m.predictOutputs(out, proba)
}

// predictOutputs turns network outputs (N x outputs) into a Prediction,
// as predictTensor does.
func (m *Model) predictOutputs(out *tensor.Tensor, proba bool) (*Prediction, error) {
	N := out.Shape[0]
	p := &Prediction{Values: make([]float64, N), Labels: make([]string, N)}
	if m.Manifest.Task != ml.Classification {
		if proba {
			return nil, &Error{Msg: "a regression network has no predict_proba"}
		}
		k := out.Shape[1]
		for i := range N {
			p.Values[i] = float64(out.Data[i*k])
			p.Labels[i] = m.Label(p.Values[i])
		}
		return p, nil
	}
	C := len(m.Manifest.Classes)
	if out.Shape[1] != C {
		return nil, &Error{Msg: fmt.Sprintf("the network outputs %d values per sample for %d classes", out.Shape[1], C)}
	}
	if proba {
		p.Proba = mat.NewDense(N, C, nil)
	}
	for i := range N {
		row := out.Data[i*C : (i+1)*C]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		p.Values[i] = m.Manifest.Classes[best]
		p.Labels[i] = m.Label(p.Values[i])
		if proba {
			mx := float64(row[best])
			var sum float64
			for j, v := range row {
				e := math.Exp(float64(v) - mx)
				p.Proba.Set(i, j, e)
				sum += e
			}
			for j := range row {
				p.Proba.Set(i, j, p.Proba.At(i, j)/sum)
			}
		}
	}
	return p, nil
}

// PredictTensor predicts a network's outputs for x (N x input shape),
// already prepared as in training (transforms applied).
func (m *Model) PredictTensor(x *tensor.Tensor, proba bool) (*Prediction, error) {
	if m.Net == nil {
		return nil, &Error{Msg: "PredictTensor needs a network model; classic models take rows (Predict)"}
	}
	return m.predictTensor(x, proba)
}

// PredictImages predicts a network trained on images for image files (PNG,
// JPEG or GIF) or folders of them (every image inside, in sorted order, at
// any depth). Each image is decoded in the training mode (gray for IDX data,
// RGB for image folders) and prepared with the deterministic training
// transforms. It returns the files in the order predicted. Errors name the
// file.
func (m *Model) PredictImages(paths []string, proba bool) ([]string, *Prediction, error) {
	if m.IsGAN() {
		return nil, nil, errGAN
	}
	if m.Net == nil || m.Net.Manifest.Data == "table" {
		return nil, nil, &Error{Msg: "this model was not trained on images; give it rows of a CSV file"}
	}
	files, err := listImages(paths)
	if err != nil {
		return nil, nil, err
	}
	p, err := m.predictDecoded(len(files), func(i int, mode images.Mode) (*images.Image, string, error) {
		img, err := images.DecodeFile(files[i], mode)
		return img, files[i], err
	}, proba)
	return files, p, err
}

// listImages lists image files and the images in folders (at any depth,
// sorted, hidden entries skipped).
func listImages(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &Error{Path: p, Msg: "cannot read: " + strings.TrimPrefix(err.Error(), "stat "+p+": ")}
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && path != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && slices.Contains(images.Extensions, ext) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, &Error{Path: p, Msg: err.Error()}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	if len(files) == 0 {
		return nil, &Error{Msg: "no images to predict (expected image files or folders with " + strings.Join(images.Extensions, ", ") + " files)"}
	}
	return files, nil
}

// PredictImageBytes is PredictImages for encoded images held in memory
// (PNG, JPEG or GIF); names are used in error messages.
func (m *Model) PredictImageBytes(names []string, blobs [][]byte, proba bool) (*Prediction, error) {
	if m.IsGAN() {
		return nil, errGAN
	}
	if m.Net == nil || m.Net.Manifest.Data == "table" {
		return nil, &Error{Msg: "this model was not trained on images; give it rows"}
	}
	if len(blobs) == 0 {
		return nil, &Error{Msg: "no images to predict"}
	}
	return m.predictDecoded(len(blobs), func(i int, mode images.Mode) (*images.Image, string, error) {
		img, err := images.DecodeBytes(blobs[i], names[i], mode)
		return img, names[i], err
	}, proba)
}

// predictDecoded decodes n images with decode, applies the deterministic
// training transforms and predicts them as one batch.
func (m *Model) predictDecoded(n int, decode func(i int, mode images.Mode) (*images.Image, string, error), proba bool) (*Prediction, error) {
	x, err := m.decodeImages(n, decode)
	if err != nil {
		return nil, err
	}
	k := x.Shape[0] / n // the crops of each image (FiveCrop, TenCrop), or 1
	if k == 1 {
		return m.predictTensor(x, proba)
	}
	out, err := m.Net.Forward(x)
	if err != nil {
		return nil, err
	}
	avg := tensor.New(n, out.Shape[1])
	w := out.Shape[1]
	for i := range n {
		dst := avg.Data[i*w : (i+1)*w]
		for j := range k {
			for c, v := range out.Data[(i*k+j)*w : (i*k+j+1)*w] {
				dst[c] += v
			}
		}
		for c := range dst {
			dst[c] /= float32(k)
		}
	}
	return m.predictOutputs(avg, proba)
}

// decodeImages decodes n images with decode and applies the deterministic
// training transforms: the network's input batch.
func (m *Model) decodeImages(n int, decode func(i int, mode images.Mode) (*images.Image, string, error)) (*tensor.Tensor, error) {
	mode := images.RGB
	if m.Net.Manifest.ImageMode == "L" {
		mode = images.L
	}
	in := m.Net.Manifest.InputShape
	// With a FiveCrop or TenCrop, each image is its crops, and the
	// network's outputs are averaged over them (torchvision's recipe).
	k, err := images.NCrops(m.Net.transform)
	if err != nil {
		return nil, &Error{Msg: "network transforms: " + err.Error()}
	}
	per := tensor.Numel(in)
	if budget.Mul(int64(n), int64(k), int64(per)) > nn.MaxElements {
		return nil, &Error{Msg: fmt.Sprintf("%d images of %d crops of shape %v are too many to predict at once", n, k, in)}
	}
	x := tensor.New(append([]int{n * k}, in...)...)
	per *= k // values per image
	rng := rand.New(rand.NewPCG(0, 0))
	for i := 0; i < n; i++ {
		img, name, err := decode(i, mode)
		if err != nil {
			return nil, err
		}
		t, err := images.ApplyToImage(m.Net.transform, img, rng, name)
		if err != nil {
			return nil, err
		}
		if len(t.Data) != per {
			want := any(in)
			if k > 1 {
				want = append([]int{k}, in...)
			}
			return nil, &Error{Path: name, Msg: fmt.Sprintf("the image becomes a tensor of shape %v after the transforms, the network expects %v (resize it to the training size)", t.Shape, want)}
		}
		copy(x.Data[i*per:], t.Data)
	}
	return x, nil
}

// predictRows predicts a table network for rows of features.
func (m *Model) predictRows(X *mat.Dense, proba bool) (*Prediction, error) {
	if m.IsGAN() {
		return nil, errGAN
	}
	if m.Net.Manifest.Data != "table" {
		return nil, &Error{Msg: "this network was trained on images; predict image files (PredictImages)"}
	}
	r, c := X.Dims()
	if sq := m.Net.Manifest.Sequence; sq != nil {
		return m.predictWindows(sq, X, proba)
	}
	if want := tensor.Numel(m.Net.Manifest.InputShape); c != want {
		return nil, &Error{Msg: fmt.Sprintf("got %d features, the network expects %d", c, want)}
	}
	x := tensor.New(r, c)
	for i := range r {
		for j := range c {
			x.Data[i*c+j] = float32(X.At(i, j))
		}
	}
	return m.predictTensor(x, proba)
}

// Sequence returns how a sequence network windows its rows, nil for any
// other model.
func (m *Model) Sequence() *Sequence {
	if m.Net == nil {
		return nil
	}
	return m.Net.Manifest.Sequence
}

// predictWindows predicts a sequence network for rows of its columns, in
// time order: one prediction per window (Sequence.Windows). The windows'
// tensor is checked against the run budget before it is allocated.
func (m *Model) predictWindows(sq *Sequence, X *mat.Dense, proba bool) (*Prediction, error) {
	r, c := X.Dims()
	if c != len(sq.Columns) {
		return nil, &Error{Msg: fmt.Sprintf("got %d columns, the sequence network expects %d (%s)", c, len(sq.Columns), strings.Join(sq.Columns, ", "))}
	}
	n, _, _ := sq.Windows(r)
	if n == 0 {
		return nil, &Error{Msg: fmt.Sprintf("got %d rows, fewer than the window of %d rows: no window to predict", r, sq.Window)}
	}
	need := budget.Mul(int64(n), int64(sq.Window), int64(c), 4)
	if err := budget.Default().CheckRun("data", "the windows to predict", need, fmt.Sprintf("%d windows of %d rows × %d columns", n, sq.Window, c)); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	x := tensor.New(n, sq.Window, c)
	for i := range n {
		for t := range sq.Window {
			row := i*sq.Stride + t
			for j := range c {
				x.Data[(i*sq.Window+t)*c+j] = float32(X.At(row, j))
			}
		}
	}
	return m.predictTensor(x, proba)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
