package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// An autoencoder run (spec.TaskAutoencoder): the encoder's and the
// decoder's layers are planned as one list on the data's sample shape
// (so "auto" sizes flow from one half to the other), the decoder's output
// must have the input's shape, and the network is trained to reconstruct
// its input with the criterion. Each epoch reports the training loss and,
// on the held-out data, val_loss (the criterion) and val_mse (the
// reconstruction's mean squared error per value); the model file holds
// both halves under "encoder.N.*" and "decoder.N.*". Like a classifier's,
// the run writes a checkpoint (the weights, the optimizer's and the
// scheduler's state, the metrics so far) after every epoch, and a resumed
// run (Options.Resume) continues from it.

// TaskAutoencoder is the task of an autoencoder's NetInfo and Result.
const TaskAutoencoder = model.TaskAutoencoder

var planLayerIndex = regexp.MustCompile(`^layers\[(\d+)\]`)

// aePath maps the path of a layer in the joined list to the spec's field:
// model.encoder[i] or model.decoder[i-len(encoder)].
func aePath(path string, nEnc int) string {
	m := planLayerIndex.FindStringSubmatchIndex(path)
	if m == nil {
		return "model.encoder"
	}
	i, _ := strconv.Atoi(path[m[2]:m[3]])
	rest := path[m[1]:]
	if i < nEnc {
		return fmt.Sprintf("model.encoder[%d]%s", i, rest)
	}
	return fmt.Sprintf("model.decoder[%d]%s", i-nEnc, rest)
}

// aeLayers joins an autoencoder's two layer lists.
func aeLayers(s *spec.Spec) []nn.LayerSpec {
	return slices.Concat(s.Model.Encoder, s.Model.Decoder)
}

// checkAutoencoder probes an autoencoder's data once, plans its layers on
// the sample shape and checks that the decoder gives back that shape and
// that the plan fits the budget.
func (p *Plan) checkAutoencoder(c *problems, list spec.Errors) {
	s := p.spec
	if s.Data.Train.IsZero() || len(s.Model.Encoder) == 0 || len(s.Model.Decoder) == 0 ||
		list.Has("data.train", "data.test", "data.target", "transforms", "criterion", "model") {
		return
	}
	kind := p.root.Kind(s.Data.Train.Builtin, s.Data.Train.Path, s.Data.Train.IsIDX())
	o := source.ProbeOptions{Target: s.Data.Target, Seed: s.Seed, Classes: kind != data.TableData}
	var h source.Header
	if kind == data.TableData {
		h = source.Columns(p.root, src(s.Data.Train))
		if s.Data.Target != "" {
			checkTarget(c, p.root, s.Data, h)
			if len(*c) > 0 {
				return
			}
		}
		o.Header = &h
	} else if len(s.Transforms) > 0 || len(s.ImageOps) > 0 {
		tr, err := trainTransform(s)
		if err != nil {
			return // reported by Validate
		}
		o.Transform = tr
	}
	info, err := source.ProbeNetwork(p.root, src(s.Data.Train), o)
	if err != nil {
		c.add("data.train", err.Error())
		return
	}
	if kind == data.TableData && info.Frame == nil && s.Data.Target == "" {
		// A CSV file without data.target: every column is an input.
		info.Features = slices.Clone(h.Names)
		info.Shape = []int{len(h.Names)}
	}
	p.probe = info
	nEnc := len(s.Model.Encoder)
	pl, layers, err := PlanNetwork(aeLayers(s), info.Shape, 0)
	if err != nil {
		var pe *nn.PlanError
		path, msg := "model.encoder", err.Error()
		switch {
		case errors.As(err, &pe):
			path, msg = aePath(pe.Path, nEnc), pe.Msg
		default:
			if m := layerIndex.FindStringSubmatch(msg); m != nil {
				path, msg = aePath("layers["+m[1]+"]", nEnc), msg[len(m[0]):]
			}
		}
		if len(info.Shape) > 0 {
			msg += fmt.Sprintf(" (the data's samples have shape %v)", info.Shape)
		}
		c.add(path, msg)
		return
	}
	opt := "SGD"
	if s.Optimizer != nil {
		opt = s.Optimizer.Type
	}
	if err := pl.CheckBudget(p.opt.Limits, s.BatchSize, opt); err != nil {
		c.addBudget("model", err)
		return
	}
	in := append([]int{1}, info.Shape...)
	out := layers[len(layers)-1].OutShape
	if !slices.Equal(out, in) {
		c.add("model.decoder", fmt.Sprintf("the decoder outputs shape %v but the input has shape %v; an autoencoder's reconstruction must have the input's shape (end the decoder with an Unflatten or a layer of that size)", out, in))
		return
	}
	for i := range layers {
		layers[i].Index = i
	}
	p.netPlan = pl
	p.Net = &NetInfo{Task: TaskAutoencoder, Kind: info.Kind, InShape: info.Shape, OutShape: out, NLabels: info.NLabels,
		Classes: info.Classes, Features: info.Features, Layers: layers, Latent: layers[nEnc-1].OutShape}
}

// loadAutoencoderData loads an autoencoder's data: a table's feature
// columns (split at random), or images whose labels are ignored.
func (p *Plan) loadAutoencoderData() (*netData, error) {
	s := p.spec
	if p.Net.Kind != data.TableData {
		return p.loadNetData()
	}
	trainF, err := p.loadUnsupervised(s.Data.Train, nil)
	if err != nil {
		return nil, err
	}
	var testF *data.Frame
	if !s.Data.Test.IsZero() {
		if testF, err = p.loadUnsupervised(s.Data.Test, trainF); err != nil {
			return nil, err
		}
	} else if trainF, testF, err = trainF.Split(s.Data.Split.TestSize, s.Data.Split.Seed, false); err != nil {
		return nil, err
	}
	d := &netData{features: trainF.Features}
	mk := func(f *data.Frame) (loader.Dataset, error) {
		if err := f.Missing(); err != nil {
			return nil, err
		}
		for _, name := range f.Features {
			if _, ok := f.Text[name]; ok {
				return nil, &data.Error{File: f.Source, Column: name, Msg: "holds text; an autoencoder takes numeric columns only (leave it out with data.target, or encode it as numbers first)"}
			}
		}
		n, k := f.X.Dims()
		if k != tensor.Numel(p.Net.InShape) {
			return nil, &data.Error{File: f.Source, Msg: fmt.Sprintf("has %d feature columns, the autoencoder was planned on %d", k, tensor.Numel(p.Net.InShape))}
		}
		if err := p.opt.Limits.CheckRun("data", "the rows of "+f.Source, int64(n)*int64(k)*4, fmt.Sprintf("%d rows × %d columns", n, k)); err != nil {
			return nil, err
		}
		x := tensor.New(n, k)
		for i := range n {
			for j := range k {
				x.Data[i*k+j] = float32(f.X.At(i, j))
			}
		}
		return loader.NewTensorDataset(x, nil)
	}
	if d.train, err = mk(trainF); err != nil {
		return nil, err
	}
	if d.test, err = mk(testF); err != nil {
		return nil, err
	}
	d.trainEval = d.train
	return d, nil
}

// runAutoencoder trains an autoencoder spec.
func (p *Plan) runAutoencoder(ctx context.Context, rep ml.Reporter) (*Result, error) {
	s, info := p.spec, p.Net
	if info == nil || p.netPlan == nil {
		return nil, errors.New("train: the autoencoder was not planned; make the plan with Check")
	}
	res := &Result{Name: s.Name, Task: TaskAutoencoder, Class: "Autoencoder"}
	t0 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "load " + s.Data.Train.String()})
	d, err := p.loadAutoencoderData()
	if err != nil {
		return nil, err
	}
	res.Timings.LoadS = time.Since(t0).Seconds()
	res.NTrain, res.NTest, res.Features = d.train.Len(), d.test.Len(), d.features
	res.DataManifest = d.manifest

	rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x6d6c666f726765))
	seq := p.netPlan.Build(rng)
	ae, _, _ := model.Autoencoder(seq, len(s.Model.Encoder))
	loss, err := nn.NewLoss(s.Criterion.Type, s.Criterion.Params)
	if err != nil {
		return nil, err
	}
	vars, err := p.pretrainedVars(rep, ae)
	if err != nil {
		return nil, err
	}
	o, err := optim.New(s.Optimizer.Type, vars, s.Optimizer.Params)
	if err != nil {
		return nil, err
	}
	var sched optim.EpochScheduler
	if s.Scheduler != nil {
		if sched, err = optim.NewScheduler(s.Scheduler.Type, o, s.Scheduler.Params); err != nil {
			return nil, err
		}
	}

	out, hash := p.output(), specHash(s)
	step, done := 0, 0
	var history []EpochMetrics
	if p.opt.Resume {
		st, err := loadCheckpoint(out, hash, rep, ae, []ckptOptim{{"optim.", o}})
		if err != nil {
			return nil, err
		}
		if st != nil {
			if sched != nil && st.Scheduler != nil {
				sched.LoadState(st.Scheduler)
			}
			done, step, history = st.Epoch, st.Step, st.History
			reportResumed(rep, st, s.Epochs, filepath.Join(out, CheckpointFile))
		}
	}

	t1 := time.Now()
	dl := &loader.DataLoader{Dataset: d.train, BatchSize: s.BatchSize, Shuffle: true, Seed: uint64(s.Seed)}
	perEpoch := dl.Len()
	total := perEpoch * s.Epochs
	g := nn.NewGraph()
	for epoch := done + 1; epoch <= s.Epochs; epoch++ {
		ae.Train(true)
		it, err := dl.Iter(ctx, epoch)
		if err != nil {
			return nil, err
		}
		var sum float64
		var count int
		for it.Next() {
			if err := ctx.Err(); err != nil {
				it.Close()
				return nil, err
			}
			b := it.Batch()
			g.Reset()
			x := g.Const(b.X)
			l := loss.Forward(g, ae.Forward(g, x), x)
			if err := g.Err(); err != nil {
				it.Close()
				return nil, fmt.Errorf("epoch %d, step %d: %w", epoch, step+1, err)
			}
			v := float64(l.Item())
			step++
			if math.IsNaN(v) || math.IsInf(v, 0) {
				it.Close()
				return nil, &DivergedError{Epoch: epoch, Step: step, Loss: v}
			}
			if err := g.Backward(l); err != nil {
				it.Close()
				return nil, fmt.Errorf("epoch %d, step %d: %w", epoch, step, err)
			}
			clipGrads(s, vars)
			o.Step()
			o.ZeroGrad()
			n := b.X.Shape[0]
			sum += v * float64(n)
			count += n
			lv := v
			rep.Report(ml.Event{Kind: "step", Step: step, Total: total, Epoch: epoch, Epochs: s.Epochs, Loss: &lv})
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
		trainLoss := sum / float64(max(count, 1))
		valLoss, valMSE, err := reconstruction(ctx, ae, loss, d.test, s.BatchSize)
		if err != nil {
			return nil, fmt.Errorf("epoch %d: evaluating: %w", epoch, err)
		}
		if sched != nil {
			sched.Step(valLoss)
		}
		m := map[string]float64{"val_loss": valLoss, "val_mse": valMSE, "lr": o.LR()}
		history = append(history, EpochMetrics{Epoch: epoch, Step: step, Loss: trainLoss, Metrics: m})
		st := checkpointState{SpecHash: hash, Epoch: epoch, Step: step, Seed: s.Seed, LR: o.LR(), OptimKind: s.Optimizer.Type, History: history}
		if sched != nil {
			st.Scheduler = sched.State()
		}
		if err := saveCheckpoint(out, ae, []ckptOptim{{"optim.", o}}, &st); err != nil {
			return nil, fmt.Errorf("epoch %d: writing the checkpoint: %w", epoch, err)
		}
		tl := trainLoss
		rep.Report(ml.Event{Kind: "epoch", Epoch: epoch, Epochs: s.Epochs, Step: step, Total: total, Loss: &tl, Metrics: m})
	}
	res.Timings.FitS = time.Since(t1).Seconds()

	t2 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "evaluate"})
	res.Metrics = model.Metrics{}
	for _, part := range []struct {
		name string
		ds   loader.Dataset
	}{{"train", d.trainEval}, {"test", d.test}} {
		l, mse, err := reconstruction(ctx, ae, loss, part.ds, s.BatchSize)
		if err != nil {
			return nil, fmt.Errorf("scoring the %s data: %w", part.name, err)
		}
		res.Metrics[part.name] = map[string]float64{"loss": l, "reconstruction_mse": mse}
	}
	res.Timings.PredictS = time.Since(t2).Seconds()
	warnNonFinite(rep, res.Metrics)

	evalT, err := FilterEvalTransforms(s.Transforms)
	if err != nil {
		return nil, err
	}
	evalOps, err := FilterEvalImageOps(s.ImageOps)
	if err != nil {
		return nil, err
	}
	nm := model.NetworkManifest{Layers: aeLayers(s), EncoderLayers: len(s.Model.Encoder), InputShape: info.InShape, Data: string(info.Kind),
		ImageMode: d.imageMode, Transforms: evalT, ImageOps: evalOps}
	ae.Train(false)
	m := &model.Model{Net: &model.Network{Module: ae, Manifest: nm}, Manifest: model.Manifest{
		Name: s.Name, Task: TaskAutoencoder, Metrics: res.Metrics, Features: []model.Column{}, Target: s.Data.Target,
	}}
	for _, f := range d.features {
		m.Manifest.Features = append(m.Manifest.Features, model.Column{Name: f, Type: "number"})
	}
	if m.Manifest.Spec, err = json.Marshal(s); err != nil {
		return nil, err
	}
	if res.ModelPath, err = model.Save(out, m); err != nil {
		return nil, fmt.Errorf("saving the model: %w", err)
	}
	rep.Report(ml.Event{Kind: "stage", Message: "saved " + res.ModelPath})
	return res, nil
}

// reconstruction returns the mean criterion and the mean squared error per
// value of ae's reconstructions of ds, in evaluation mode.
func reconstruction(ctx context.Context, ae nn.Module, loss nn.Loss, ds loader.Dataset, batch int) (float64, float64, error) {
	if ds.Len() == 0 {
		return math.NaN(), math.NaN(), nil
	}
	ae.Train(false)
	defer ae.Train(true)
	dl := &loader.DataLoader{Dataset: ds, BatchSize: max(batch, 256)}
	it, err := dl.Iter(ctx, 0)
	if err != nil {
		return 0, 0, err
	}
	g := nn.NewInferenceGraph()
	var sum, sq float64
	var n, values int
	for it.Next() {
		b := it.Batch()
		g.Reset()
		x := g.Const(b.X)
		out := ae.Forward(g, x)
		l := loss.Forward(g, out, x)
		if err := g.Err(); err != nil {
			it.Close()
			return 0, 0, err
		}
		k := b.X.Shape[0]
		sum += float64(l.Item()) * float64(k)
		n += k
		for i, v := range out.Data.Data {
			e := float64(v) - float64(b.X.Data[i])
			sq += e * e
		}
		values += len(b.X.Data)
	}
	if err := it.Err(); err != nil {
		return 0, 0, err
	}
	return sum / float64(max(n, 1)), sq / float64(max(values, 1)), nil
}
