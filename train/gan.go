package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
)

// A GAN run (spec.TaskGAN), as the PyTorch DCGAN tutorial trains one. The
// generator is planned on the noise (latent_dim) and must give back the
// images' shape; the discriminator is planned on that shape and must give
// one value per image. The run writes samples/epoch-NNN.png (SamplesDir)
// and a checkpoint (both networks' weights, both optimizers' state, the
// training noise's generator and the metrics so far) after every epoch; a
// resumed run (Options.Resume) continues from it.

// TaskGAN is the task of a GAN's NetInfo and Result.
const TaskGAN = model.TaskGAN

// SamplesDir is the folder of a GAN run's sample grids in its model
// directory: epoch-001.png, epoch-002.png, ...
const SamplesDir = "samples"

// SampleFile names the sample grid of an epoch.
func SampleFile(epoch int) string { return fmt.Sprintf("epoch-%03d.png", epoch) }

// sampleCount is the images of a sample grid (8 × 8, as the tutorial's).
const sampleCount = 64

// ganPath maps a plan error's path in one of the GAN's layer lists to the
// spec's field.
func ganPath(path, list string) string {
	m := planLayerIndex.FindStringSubmatchIndex(path)
	if m == nil {
		return "model." + list
	}
	return "model." + list + path[m[0]+len("layers"):m[1]] + path[m[1]:]
}

// planList plans one of a GAN's layer lists on in and reports a problem at
// model.<list>.
func (p *Plan) planList(c *problems, list string, layers []nn.LayerSpec, in []int) (*nn.NetPlan, []LayerInfo, bool) {
	pl, infos, err := PlanNetwork(layers, in, 0)
	if err != nil {
		var pe *nn.PlanError
		path, msg := "model."+list, err.Error()
		switch {
		case errors.As(err, &pe):
			path, msg = ganPath(pe.Path, list), pe.Msg
		default:
			if m := layerIndex.FindStringSubmatch(msg); m != nil {
				path, msg = ganPath("layers["+m[1]+"]", list), msg[len(m[0]):]
			}
		}
		c.add(path, fmt.Sprintf("%s (its input has shape %v)", msg, in))
		return nil, nil, false
	}
	return pl, infos, true
}

// checkGAN probes a GAN's images once, plans its two networks and checks
// their shapes and budgets.
func (p *Plan) checkGAN(c *problems, list spec.Errors) {
	s := p.spec
	if s.Data.Train.IsZero() || len(s.Model.Generator) == 0 || len(s.Model.Discriminator) == 0 ||
		list.Has("data.train", "data.test", "transforms", "criterion", "model", "optimizer", "optimizer_d") {
		return
	}
	kind := p.root.Kind(s.Data.Train.Builtin, s.Data.Train.Path, s.Data.Train.IsIDX())
	if kind == data.TableData {
		return // reported by Validate
	}
	o := source.ProbeOptions{Seed: s.Seed, Classes: true}
	if len(s.Transforms) > 0 || len(s.ImageOps) > 0 {
		tr, err := trainTransform(s)
		if err != nil {
			return
		}
		o.Transform = tr
	}
	info, err := source.ProbeNetwork(p.root, src(s.Data.Train), o)
	if err != nil {
		c.add("data.train", err.Error())
		return
	}
	p.probe = info
	noise := []int{s.Model.LatentDim}
	gp, gl, ok := p.planList(c, "generator", s.Model.Generator, noise)
	if !ok {
		return
	}
	img := append([]int{1}, info.Shape...)
	if out := gl[len(gl)-1].OutShape; !slices.Equal(out, img) {
		c.add("model.generator", fmt.Sprintf("the generator outputs shape %v but the images have shape %v; it must generate images of the data's shape (end it with an Unflatten, a ConvTranspose2d, ...)", out, img))
		return
	}
	dp, dl, ok := p.planList(c, "discriminator", s.Model.Discriminator, info.Shape)
	if !ok {
		return
	}
	if out := dl[len(dl)-1].OutShape; !slices.Equal(out, []int{1, 1}) {
		c.add("model.discriminator", fmt.Sprintf("the discriminator outputs shape %v; it must output one value per image, (1, 1): end it with a Flatten and a Linear with \"out_features\": 1", out))
		return
	}
	for _, x := range []struct {
		pl  *nn.NetPlan
		opt *spec.Step
	}{{gp, s.Optimizer}, {dp, s.OptimizerD}} {
		if err := x.pl.CheckBudget(p.opt.Limits, s.BatchSize, x.opt.Type); err != nil {
			c.addBudget("model", err)
			return
		}
	}
	pl, _, err := PlanNetwork(ganLayers(s), noise, 0)
	if err != nil {
		c.add("model", err.Error())
		return
	}
	layers := slices.Concat(gl, dl)
	for i := range layers {
		layers[i].Index = i
	}
	p.netPlan = pl
	p.Net = &NetInfo{Task: TaskGAN, Kind: info.Kind, InShape: info.Shape, OutShape: []int{1, 1}, NLabels: info.NLabels,
		Classes: info.Classes, Layers: layers, Latent: []int{1, s.Model.LatentDim}}
}

// ganLayers joins a GAN's two layer lists: the generator's, then the
// discriminator's.
func ganLayers(s *spec.Spec) []nn.LayerSpec {
	return slices.Concat(s.Model.Generator, s.Model.Discriminator)
}

// ganNoise draws the noise of a GAN's training step (tests replace it with
// PyTorch's).
var ganNoise = noise

// noise fills a (n, dim) tensor with N(0, 1) draws.
func noise(rng *rand.Rand, n, dim int) *tensor.Tensor {
	z := tensor.New(n, dim)
	for i := range z.Data {
		z.Data[i] = float32(rng.NormFloat64())
	}
	return z
}

// filled returns an (n, 1) tensor of v.
func filled(n int, v float32) *tensor.Tensor {
	t := tensor.New(n, 1)
	for i := range t.Data {
		t.Data[i] = v
	}
	return t
}

// probabilities returns the mean probability of "real" in the
// discriminator's outputs: sigmoid of logits, or the outputs themselves
// for BCELoss.
func probabilities(out *tensor.Tensor, logits bool) float64 {
	var sum float64
	for _, v := range out.Data {
		x := float64(v)
		if logits {
			x = 1 / (1 + math.Exp(-x))
		}
		sum += x
	}
	return sum / float64(max(len(out.Data), 1))
}

// runGAN trains a GAN spec.
func (p *Plan) runGAN(ctx context.Context, rep ml.Reporter) (*Result, error) {
	s, info := p.spec, p.Net
	if info == nil || p.netPlan == nil {
		return nil, errors.New("train: the GAN was not planned; make the plan with Check")
	}
	res := &Result{Name: s.Name, Task: TaskGAN, Class: "GAN"}
	t0 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "load " + s.Data.Train.String()})
	d, err := p.loadNetData()
	if err != nil {
		return nil, err
	}
	// A GAN learns from every image: the split's two parts are one again.
	if tr, ok := d.train.(*loader.SubsetDataset); ok {
		if te, ok := d.test.(*loader.SubsetDataset); ok {
			d.train = &loader.SubsetDataset{Dataset: tr.Dataset, Indices: slices.Concat(tr.Indices, te.Indices)}
		}
	}
	res.Timings.LoadS = time.Since(t0).Seconds()
	res.NTrain = d.train.Len()
	res.DataManifest = d.manifest

	rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x6d6c666f726765))
	seq := p.netPlan.Build(rng)
	nGen := len(s.Model.Generator)
	whole, G, D := model.GAN(seq, nGen)
	if _, err := p.pretrainedVars(rep, whole); err != nil {
		return nil, err
	}
	loss, err := nn.NewLoss(s.Criterion.Type, s.Criterion.Params)
	if err != nil {
		return nil, err
	}
	logits := s.Criterion.Type != "BCELoss"
	optG, err := optim.New(s.Optimizer.Type, nn.TrainableVars(G), s.Optimizer.Params)
	if err != nil {
		return nil, &spec.FieldError{Path: "optimizer", Msg: err.Error()}
	}
	optD, err := optim.New(s.OptimizerD.Type, nn.TrainableVars(D), s.OptimizerD.Params)
	if err != nil {
		return nil, &spec.FieldError{Path: "optimizer_d", Msg: err.Error()}
	}
	out := p.output()
	if err := os.MkdirAll(filepath.Join(out, SamplesDir), 0o755); err != nil {
		return nil, err
	}
	noiseSrc := rand.NewPCG(uint64(s.Seed), 0x6e6f697365)
	noiseRng := rand.New(noiseSrc)
	fixed := noise(rand.New(rand.NewPCG(uint64(s.Seed), 0x66697865)), sampleCount, s.Model.LatentDim)

	hash, opts := specHash(s), []ckptOptim{{"optim.", optG}, {"optim_d.", optD}}
	step, done := 0, 0
	var last map[string]float64
	var history []EpochMetrics
	if p.opt.Resume {
		st, err := loadCheckpoint(out, hash, rep, whole, opts)
		if err != nil {
			return nil, err
		}
		if st != nil {
			if err := noiseSrc.UnmarshalBinary(st.Noise); err != nil {
				return nil, &CheckpointError{Path: filepath.Join(out, CheckpointFile), Msg: "bad noise_rng: " + err.Error()}
			}
			done, step, history = st.Epoch, st.Step, st.History
			if len(history) > 0 {
				last = map[string]float64(history[len(history)-1].Metrics)
			}
			reportResumed(rep, st, s.Epochs, filepath.Join(out, CheckpointFile))
		}
	}

	t1 := time.Now()
	dl := &loader.DataLoader{Dataset: d.train, BatchSize: s.BatchSize, Shuffle: true, Seed: uint64(s.Seed)}
	total := dl.Len() * s.Epochs
	gD, gG := nn.NewGraph(), nn.NewGraph()
	for epoch := done + 1; epoch <= s.Epochs; epoch++ {
		whole.Train(true)
		it, err := dl.Iter(ctx, epoch)
		if err != nil {
			return nil, err
		}
		var sumD, sumG, sumReal, sumFake float64
		var count int
		for it.Next() {
			if err := ctx.Err(); err != nil {
				it.Close()
				return nil, err
			}
			b := it.Batch()
			n := b.X.Shape[0]
			ones, zeros := filled(n, 1), filled(n, 0)
			fail := func(err error) error {
				it.Close()
				return fmt.Errorf("epoch %d, step %d: %w", epoch, step+1, err)
			}
			// The generator's images, in the graph of its step.
			gG.Reset()
			fake := G.Forward(gG, gG.Const(ganNoise(noiseRng, n, s.Model.LatentDim)))
			// The discriminator's step: real images to 1, generated ones
			// (detached) to 0.
			gD.Reset()
			optD.ZeroGrad()
			outReal := D.Forward(gD, gD.Const(b.X))
			outFake := D.Forward(gD, gD.Const(fake.Data))
			lossD := gD.Add(loss.Forward(gD, outReal, gD.Const(ones)), loss.Forward(gD, outFake, gD.Const(zeros)))
			if err := gD.Err(); err != nil {
				return nil, fail(err)
			}
			if err := gD.Backward(lossD); err != nil {
				return nil, fail(err)
			}
			clipGrads(s, nn.TrainableVars(D))
			optD.Step()
			// The generator's step, through the updated discriminator.
			optG.ZeroGrad()
			lossG := loss.Forward(gG, D.Forward(gG, fake), gG.Const(ones))
			if err := gG.Err(); err != nil {
				return nil, fail(err)
			}
			if err := gG.Backward(lossG); err != nil {
				return nil, fail(err)
			}
			clipGrads(s, nn.TrainableVars(G))
			optG.Step()
			vd, vg := float64(lossD.Item()), float64(lossG.Item())
			step++
			for _, v := range []float64{vd, vg} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					it.Close()
					return nil, &DivergedError{Epoch: epoch, Step: step, Loss: v}
				}
			}
			sumD += vd * float64(n)
			sumG += vg * float64(n)
			sumReal += probabilities(outReal.Data, logits) * float64(n)
			sumFake += probabilities(outFake.Data, logits) * float64(n)
			count += n
			lv := vg
			rep.Report(ml.Event{Kind: "step", Step: step, Total: total, Epoch: epoch, Epochs: s.Epochs, Loss: &lv})
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
		k := float64(max(count, 1))
		last = map[string]float64{"loss_d": sumD / k, "loss_g": sumG / k, "d_real": sumReal / k, "d_fake": sumFake / k}
		name := filepath.Join(out, SamplesDir, SampleFile(epoch))
		if err := writeSamples(G, fixed, name); err != nil {
			return nil, fmt.Errorf("epoch %d: writing the samples: %w", epoch, err)
		}
		history = append(history, EpochMetrics{Epoch: epoch, Step: step, Loss: last["loss_g"], Metrics: last})
		rngState, err := noiseSrc.MarshalBinary()
		if err != nil {
			return nil, err
		}
		st := checkpointState{SpecHash: hash, Epoch: epoch, Step: step, Seed: s.Seed, LR: optG.LR(), OptimKind: s.Optimizer.Type,
			OptimDKind: s.OptimizerD.Type, History: history, Noise: rngState}
		if err := saveCheckpoint(out, whole, opts, &st); err != nil {
			return nil, fmt.Errorf("epoch %d: writing the checkpoint: %w", epoch, err)
		}
		lg := last["loss_g"]
		rep.Report(ml.Event{Kind: "epoch", Epoch: epoch, Epochs: s.Epochs, Step: step, Total: total, Loss: &lg, Metrics: last})
		rep.Report(ml.Event{Kind: "log", Message: "samples " + filepath.Join(SamplesDir, SampleFile(epoch))})
	}
	res.Timings.FitS = time.Since(t1).Seconds()
	res.Metrics = model.Metrics{"train": last}

	nm := model.NetworkManifest{Layers: ganLayers(s), GeneratorLayers: nGen, InputShape: []int{s.Model.LatentDim}, Data: string(info.Kind),
		ImageMode: d.imageMode}
	whole.Train(false)
	m := &model.Model{Net: &model.Network{Module: whole, Manifest: nm}, Manifest: model.Manifest{
		Name: s.Name, Task: TaskGAN, Metrics: res.Metrics, Features: []model.Column{},
	}}
	if m.Manifest.Spec, err = json.Marshal(s); err != nil {
		return nil, err
	}
	if res.ModelPath, err = model.Save(out, m); err != nil {
		return nil, fmt.Errorf("saving the model: %w", err)
	}
	rep.Report(ml.Event{Kind: "stage", Message: "saved " + res.ModelPath})
	return res, nil
}

// writeSamples writes the generator's images of the noise z, in evaluation
// mode, as a grid PNG: 8 per row, 2 pixels of padding, the values scaled
// from their minimum and maximum to 0-255 (torchvision's make_grid with
// normalize=True).
func writeSamples(G *nn.Sequential, z *tensor.Tensor, path string) error {
	G.Train(false)
	defer G.Train(true)
	g := nn.NewInferenceGraph()
	y := G.Forward(g, g.Const(z))
	if err := g.Err(); err != nil {
		return err
	}
	x := y.Data
	if len(x.Shape) != 4 && len(x.Shape) != 3 {
		return fmt.Errorf("the generator's images have shape %v; expected (N, C, H, W)", x.Shape)
	}
	N := x.Shape[0]
	C, H, W := 1, x.Shape[len(x.Shape)-2], x.Shape[len(x.Shape)-1]
	if len(x.Shape) == 4 {
		C = x.Shape[1]
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range x.Data {
		lo, hi = min(lo, v), max(hi, v)
	}
	scale := float32(255) / max(hi-lo, 1e-5)
	const pad, cols = 2, 8
	rows := (N + cols - 1) / cols
	img := image.NewRGBA(image.Rect(0, 0, pad+cols*(W+pad), pad+rows*(H+pad)))
	for i := range img.Pix {
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for k := range N {
		ox, oy := pad+(k%cols)*(W+pad), pad+(k/cols)*(H+pad)
		for r := range H {
			for c := range W {
				var px [3]uint8
				for ch := range 3 {
					v := x.Data[((k*C+min(ch, C-1))*H+r)*W+c]
					px[ch] = uint8(math.Round(float64((v - lo) * scale)))
				}
				img.SetRGBA(ox+c, oy+r, color.RGBA{px[0], px[1], px[2], 255})
			}
		}
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
