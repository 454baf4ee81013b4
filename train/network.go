package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/loader"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
)

// DivergedError stops a run whose loss became NaN or infinite. It counts as
// bad input (the CLI exits with status 2): the usual cause is a learning rate
// too high for the data or unscaled inputs, which the spec controls.
type DivergedError struct {
	Epoch, Step int // Step counts from 1 over the whole run
	Loss        float64
}

func (e *DivergedError) Error() string {
	what := "NaN"
	if math.IsInf(e.Loss, 0) {
		what = "infinite"
	}
	return fmt.Sprintf("epoch %d, step %d: the loss is %s; training diverged (try a lower learning rate, scaled inputs or gradient-friendly layers)", e.Epoch, e.Step, what)
}

// BadInput marks the error as caused by the spec.
func (e *DivergedError) BadInput() bool { return true }

// netData is the data of a network run: training and test datasets (the
// test one, and trainEval, without random augmentations), targets for the
// metrics and the class values.
type netData struct {
	train, trainEval, test loader.Dataset
	yTrain, yTest          []float64 // targets as class values or numbers
	classes                []float64 // class values, index order (classification)
	labels                 []string  // text labels of the classes, or nil
	target                 string
	features               []string
	imageMode              string
	manifest               string // of a stored dataset (source.Manifest)
	// tests says where the test images come from, in test order (image
	// folders, stored datasets and IDX images; nil for other data): the
	// gallery of misclassified ones (misclassified.go).
	tests *testImages
}

// runNetwork trains the network of a checked spec.
func (p *Plan) runNetwork(ctx context.Context, rep ml.Reporter) (*Result, error) {
	s, opt, info := p.spec, p.opt, p.Net
	if info == nil || p.netPlan == nil {
		return nil, errors.New("train: the network was not planned; make the plan with Check")
	}
	res := &Result{Name: s.Name, Task: info.Task, Class: "Sequential"}
	t0 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "load " + s.Data.Train.String()})
	d, err := p.loadNetData()
	if err != nil {
		return nil, err
	}
	res.Timings.LoadS = time.Since(t0).Seconds()
	res.NTrain, res.NTest, res.Features = d.train.Len(), d.test.Len(), d.features
	res.DataManifest = d.manifest
	if info.Task == ml.Classification {
		res.Labels = d.classLabels()
	}

	if p.netCands != nil {
		// A search: rank the candidates on search.cv's folds (or a
		// hold-out part) of the training data, then train the best on all
		// of it (netsearch.go).
		var sr *SearchResult
		var best *Plan
		if p.opt.Trials != nil { // trained as the service's child runs (sweep.go)
			sr, best, err = p.gatherNetSearch(rep, d)
		} else {
			sr, best, err = p.runNetSearch(ctx, rep, d)
		}
		if err != nil {
			return nil, err
		}
		res.Search = sr
		p, s, info = best, best.spec, best.Net
	}

	out := p.output()
	tr, err := p.newTrainer(rep, d, s, out)
	if err != nil {
		return nil, err
	}
	if opt.Resume {
		if err := tr.resume(); err != nil {
			return nil, err
		}
	}
	t1 := time.Now()
	if err := tr.fit(ctx); err != nil {
		return nil, err
	}
	res.Timings.FitS = time.Since(t1).Seconds()

	t2 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "evaluate"})
	res.Metrics = model.Metrics{}
	for _, part := range []struct {
		name string
		ds   loader.Dataset
		y    []float64
	}{{"train", d.trainEval, d.yTrain}, {"test", d.test, d.yTest}} {
		scores, conf, proba, pred, err := tr.score(ctx, part.ds, part.y)
		if err != nil {
			return nil, fmt.Errorf("scoring the %s data: %w", part.name, err)
		}
		res.Metrics[part.name] = scores
		if part.name == "test" {
			res.Confusion = conf
			if info.Task == ml.Classification && d.tests != nil {
				if res.Misclassified, err = misclassified(d.tests, out, part.y, pred, d.classes, d.classLabels()); err != nil {
					return nil, err
				}
			}
			if info.Task == ml.Classification {
				res.TestCurves = testCurves(part.y, proba, d.classes, d.classLabels(), "predict_proba")
			}
		}
	}
	res.Timings.PredictS = time.Since(t2).Seconds()
	warnNonFinite(rep, res.Metrics)
	selectionMetrics(res) // a search's best score (cv.go)

	resolved, err := ResolveLayers(s.Model.Layers, info.NLabels)
	if err != nil {
		return nil, err
	}
	evalT, err := FilterEvalTransforms(s.Transforms)
	if err != nil {
		return nil, err
	}
	evalOps, err := FilterEvalImageOps(s.ImageOps)
	if err != nil {
		return nil, err
	}
	nm := model.NetworkManifest{Layers: resolved, InputShape: info.InShape, Data: string(info.Kind), ImageMode: d.imageMode, Transforms: evalT, ImageOps: evalOps,
		Sequence: sequenceManifest(s.Data.Sequence, d.features)}
	tr.seq.Train(false)
	m := &model.Model{Net: &model.Network{Module: tr.seq, Manifest: nm}, Manifest: model.Manifest{
		Name: s.Name, Task: info.Task, Target: d.target, Classes: d.classes, Labels: d.labels, Metrics: res.Metrics,
		Features: []model.Column{},
	}}
	for _, f := range d.features {
		m.Manifest.Features = append(m.Manifest.Features, model.Column{Name: f, Type: "number"})
	}
	if m.Manifest.Spec, err = json.Marshal(s); err != nil {
		return nil, err
	}
	if m.Manifest.Selection, err = selectionJSON(res); err != nil {
		return nil, err
	}
	if res.ModelPath, err = model.Save(out, m); err != nil {
		return nil, fmt.Errorf("saving the model: %w", err)
	}
	rep.Report(ml.Event{Kind: "stage", Message: "saved " + res.ModelPath})
	return res, nil
}

// classLabels names the classes for people.
func (d *netData) classLabels() []string {
	out := make([]string, len(d.classes))
	for i, c := range d.classes {
		if d.labels != nil {
			out[i] = d.labels[i]
		} else {
			out[i] = strconv.FormatFloat(c, 'g', -1, 64)
		}
	}
	return out
}

// loadNetData loads the datasets of a network spec.
func (p *Plan) loadNetData() (*netData, error) {
	if p.spec.IsSequence() {
		return p.loadSequenceData() // sequence.go
	}
	switch p.Net.Kind {
	case data.TableData:
		return p.loadTableData()
	case data.IDXData:
		return p.loadIDXData()
	case data.FolderData:
		return p.loadFolderData()
	}
	info := p.Net
	return nil, fmt.Errorf("train: unknown data kind %q", info.Kind)
}

// loadTableData reads CSV or built-in data as float32 rows: class indices as
// targets for a classifier, one-column targets for a regressor.
func (p *Plan) loadTableData() (*netData, error) {
	s, info := p.spec, p.Net
	trainF, testF, err := p.loadData(info.Task)
	if err != nil {
		return nil, err
	}
	d := &netData{target: trainF.Target, features: trainF.Features}
	var pos map[float64]int
	if info.Task == ml.Classification {
		all := slices.Concat(trainF.Y, testF.Y)
		if d.classes, _, err = ml.EncodeClasses(all); err != nil {
			return nil, err
		}
		pos = make(map[float64]int, len(d.classes))
		for i, c := range d.classes {
			pos[c] = i
		}
		if trainF.Classes != nil {
			d.labels = labelsFor(d.classes, trainF.Classes)
		}
		if len(s.Labels) > 0 {
			d.labels = s.Labels[:len(d.classes)]
		}
		if len(d.classes) != info.NLabels {
			return nil, &data.Error{File: trainF.Source, Column: trainF.Target, Msg: fmt.Sprintf("the target has %d classes in the training and test data, but the network was built for %d", len(d.classes), info.NLabels)}
		}
	}
	mk := func(f *data.Frame) (*loader.TensorDataset, error) {
		for _, name := range f.Features {
			if _, ok := f.Text[name]; ok {
				return nil, &data.Error{File: f.Source, Column: name, Msg: "holds text; a network takes numeric columns only (encode the column as numbers first)"}
			}
		}
		n, p := f.X.Dims()
		x := tensor.New(n, p)
		for i := range n {
			for j := range p {
				x.Data[i*p+j] = float32(f.X.At(i, j))
			}
		}
		var y *tensor.Tensor
		if pos != nil {
			y = tensor.New(n)
			for i, v := range f.Y {
				y.Data[i] = float32(pos[v])
			}
		} else {
			y = tensor.New(n, 1)
			for i, v := range f.Y {
				y.Data[i] = float32(v)
			}
		}
		return loader.NewTensorDataset(x, y)
	}
	tr, err := mk(trainF)
	if err != nil {
		return nil, err
	}
	te, err := mk(testF)
	if err != nil {
		return nil, err
	}
	d.train, d.trainEval, d.test = tr, tr, te
	d.yTrain, d.yTest = trainF.Y, testF.Y
	return d, nil
}

// loadIDXData reads IDX images: the training pair, split unless a test pair
// is given.
func (p *Plan) loadIDXData() (*netData, error) {
	s, info := p.spec, p.Net
	trT, evT, tgT, err := transforms(s, p.Net.NLabels)
	if err != nil {
		return nil, err
	}
	full, err := source.LoadIDX(p.root, src(s.Data.Train))
	if err != nil {
		return nil, err
	}
	if max := slices.Max(full.Labels); max >= info.NLabels {
		return nil, &data.Error{File: s.Data.Train.Labels, Msg: fmt.Sprintf("label %d is out of range for %d classes", max, info.NLabels)}
	}
	d := &netData{imageMode: "L", target: "label"}
	for i := range info.NLabels {
		d.classes = append(d.classes, float64(i))
	}
	if len(s.Labels) > 0 {
		d.labels = s.Labels
	}
	// Each part gets its own view of the images with its own transforms.
	with := func(base *idx.Dataset, t images.Transform) *idx.Dataset {
		c, _ := idx.New(&idx.Array{Dims: []int{base.N, base.H, base.W}, Data: base.Images},
			&idx.Array{Dims: []int{base.N}, Data: labelBytes(base.Labels)}, "", "")
		c.Transform, c.TargetTransform = t, tgT
		return c
	}
	values := func(ds *idx.Dataset, ix []int) []float64 {
		out := make([]float64, len(ix))
		for k, i := range ix {
			out[k] = float64(ds.Labels[i])
		}
		return out
	}
	if !s.Data.Test.IsZero() {
		test, err := source.LoadIDX(p.root, src(s.Data.Test))
		if err != nil {
			return nil, err
		}
		if test.H != full.H || test.W != full.W {
			return nil, &data.Error{File: s.Data.Test.Images, Msg: fmt.Sprintf("holds %d x %d images, the training data %d x %d", test.H, test.W, full.H, full.W)}
		}
		d.train, d.trainEval, d.test = with(full, trT), with(full, evT), with(test, evT)
		d.yTrain, d.yTest = values(full, seqInts(full.N)), values(test, seqInts(test.N))
		d.tests = &testImages{idx: test, rows: seqInts(test.N)}
		return d, nil
	}
	trIdx, teIdx, err := splitIndices(s, full.Labels)
	if err != nil {
		return nil, err
	}
	if d.train, err = loader.Subset(with(full, trT), trIdx); err != nil {
		return nil, err
	}
	if d.trainEval, err = loader.Subset(with(full, evT), trIdx); err != nil {
		return nil, err
	}
	if d.test, err = loader.Subset(with(full, evT), teIdx); err != nil {
		return nil, err
	}
	d.yTrain, d.yTest = values(full, trIdx), values(full, teIdx)
	d.tests = &testImages{idx: full, rows: teIdx}
	return d, nil
}

func labelBytes(l []int) []uint8 {
	out := make([]uint8, len(l))
	for i, v := range l {
		out[i] = uint8(v)
	}
	return out
}

func seqInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// splitIndices splits n labelled samples per the spec's data.split.
func splitIndices(s *spec.Spec, labels []int) (train, test []int, err error) {
	var strat []float64
	if s.Data.Split.Stratify != nil && *s.Data.Split.Stratify {
		strat = make([]float64, len(labels))
		for i, l := range labels {
			strat[i] = float64(l)
		}
	}
	return modelselection.TrainTestSplit(len(labels), modelselection.Split{TestSize: s.Data.Split.TestSize, RandomState: s.Data.Split.Seed, Stratify: strat})
}

// loadFolderData reads an image folder (one subfolder per class), split
// unless a test folder is given.
func (p *Plan) loadFolderData() (*netData, error) {
	s := p.spec
	trT, evT, tgT, err := transforms(s, p.Net.NLabels)
	if err != nil {
		return nil, err
	}
	open := func(src spec.Source, t images.Transform) (*images.Folder, error) {
		return source.OpenFolder(p.root, src.Path, images.FolderOptions{Transform: t, TargetTransform: tgT})
	}
	tr, err := open(s.Data.Train, trT)
	if err != nil {
		return nil, err
	}
	ev, err := open(s.Data.Train, evT)
	if err != nil {
		return nil, err
	}
	d := &netData{imageMode: "RGB", target: "class", labels: tr.Classes(), manifest: source.Manifest(tr)}
	for i := range tr.Classes() {
		d.classes = append(d.classes, float64(i))
	}
	if len(s.Labels) > 0 {
		d.labels = s.Labels[:len(d.classes)]
	}
	// folderTests names the test images: their paths under the root
	// (Folder.File is under the folder dir), or the dataset's items.
	folderTests := func(dir string, f *images.Folder, ix []int) *testImages {
		t := &testImages{files: make([]string, len(ix))}
		name, _, stored := source.ParseDataset(dir)
		if stored {
			t.dataset = name
		}
		for k, i := range ix {
			if stored {
				t.files[k] = f.File(i)
			} else {
				t.files[k] = path.Join(filepath.ToSlash(dir), f.File(i))
			}
		}
		return t
	}
	values := func(f *images.Folder, ix []int) []float64 {
		t := f.Targets()
		out := make([]float64, len(ix))
		for k, i := range ix {
			out[k] = float64(t[i])
		}
		return out
	}
	if !s.Data.Test.IsZero() {
		te, err := open(s.Data.Test, evT)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(te.Classes(), tr.Classes()) {
			return nil, &data.Error{File: s.Data.Test.Path, Msg: fmt.Sprintf("has the class folders %q, the training folder %q; expected the same", te.Classes(), tr.Classes())}
		}
		d.train, d.trainEval, d.test = tr, ev, te
		d.yTrain, d.yTest = values(tr, seqInts(tr.Len())), values(te, seqInts(te.Len()))
		d.tests = folderTests(s.Data.Test.Path, te, seqInts(te.Len()))
		return d, nil
	}
	trIdx, teIdx, err := splitIndices(s, tr.Targets())
	if err != nil {
		return nil, err
	}
	if d.train, err = loader.Subset(tr, trIdx); err != nil {
		return nil, err
	}
	if d.trainEval, err = loader.Subset(ev, trIdx); err != nil {
		return nil, err
	}
	if d.test, err = loader.Subset(ev, teIdx); err != nil {
		return nil, err
	}
	d.yTrain, d.yTest = values(tr, trIdx), values(tr, teIdx)
	d.tests = folderTests(s.Data.Train.Path, tr, teIdx)
	return d, nil
}

// trainer holds the state of one network run.
type trainer struct {
	s     *spec.Spec
	opt   Options
	rep   ml.Reporter
	seq   *nn.Sequential
	loss  nn.Loss
	optim optim.Optimizer
	vars  []*nn.Var // the optimizer's parameters (grad_clip clips their gradients)
	sched optim.EpochScheduler
	d     *netData
	dir   string
	task  ml.Task
	hash  string

	targets *tensor.Tensor     // the loss's targets built from class labels, reused across batches
	ncrops  int                // samples per image (FiveCrop, TenCrop; crops.go), 1 without
	repeat  *tensor.Tensor     // the labels repeated for each crop, reused across batches
	evalDL  *loader.DataLoader // the held-out data, kept across epochs
	evalG   *nn.Graph          // inference graph, kept across epochs
	epoch   int                // epochs completed
	step    int                // steps completed
	history []EpochMetrics
}

// EpochMetrics are the numbers recorded after each epoch.
type EpochMetrics struct {
	Epoch int `json:"epoch"`
	// Step is the last step of the epoch (0 in a checkpoint written
	// before it was kept).
	Step    int          `json:"step,omitempty"`
	Loss    float64      `json:"loss"`
	Metrics model.Values `json:"metrics"` // a non-finite value is null
}

// fit runs the remaining epochs.
func (t *trainer) fit(ctx context.Context) error {
	s := t.s
	dl := &loader.DataLoader{Dataset: t.d.train, BatchSize: s.BatchSize, Shuffle: true, Seed: uint64(s.Seed)}
	perEpoch := dl.Len()
	total := perEpoch * s.Epochs
	g := nn.NewGraph()
	for epoch := t.epoch + 1; epoch <= s.Epochs; epoch++ {
		t.seq.Train(true)
		it, err := dl.Iter(ctx, epoch)
		if err != nil {
			return err
		}
		var sum float64
		var count int
		for it.Next() {
			if err := ctx.Err(); err != nil {
				it.Close()
				return err
			}
			b := it.Batch()
			g.Reset()
			x, by := b.X, b.Y
			if t.ncrops > 1 { // each crop a sample with its image's label
				if x, err = cropRows(x, t.ncrops); err != nil {
					it.Close()
					return fmt.Errorf("epoch %d, step %d: %w", epoch, t.step+1, err)
				}
				t.repeat = repeatRows(by, t.ncrops, t.repeat)
				by = t.repeat
			}
			y, err := t.target(by)
			if err != nil {
				it.Close()
				return fmt.Errorf("epoch %d, step %d: %w", epoch, t.step+1, err)
			}
			var v float64
			if cs, ok := t.optim.(optim.ClosureStepper); ok {
				// LBFGS: the step re-evaluates the batch's loss, as
				// PyTorch's step(closure) with a closure of zero_grad,
				// forward, loss and backward.
				first := true
				closure := func() (float32, error) {
					if err := ctx.Err(); err != nil {
						return 0, err
					}
					g.Reset()
					t.optim.ZeroGrad()
					out := t.seq.Forward(g, g.Const(x))
					l := t.loss.Forward(g, out, g.Const(y))
					if err := g.Err(); err != nil {
						return 0, err
					}
					lv := l.Item()
					if first && (math.IsNaN(float64(lv)) || math.IsInf(float64(lv), 0)) {
						return lv, &DivergedError{Epoch: epoch, Step: t.step + 1, Loss: float64(lv)}
					}
					first = false
					if err := g.Backward(l); err != nil {
						return lv, err
					}
					clipGrads(s, t.vars)
					return lv, nil
				}
				lv, err := cs.StepClosure(closure)
				t.step++
				if err != nil {
					it.Close()
					var de *DivergedError
					if errors.As(err, &de) || ctx.Err() != nil {
						return err
					}
					return fmt.Errorf("epoch %d, step %d: %w", epoch, t.step, err)
				}
				t.optim.ZeroGrad()
				v = float64(lv)
			} else {
				out := t.seq.Forward(g, g.Const(x))
				l := t.loss.Forward(g, out, g.Const(y))
				if err := g.Err(); err != nil {
					it.Close()
					return fmt.Errorf("epoch %d, step %d: %w", epoch, t.step+1, err)
				}
				v = float64(l.Item())
				t.step++
				if math.IsNaN(v) || math.IsInf(v, 0) {
					it.Close()
					return &DivergedError{Epoch: epoch, Step: t.step, Loss: v}
				}
				if err := g.Backward(l); err != nil {
					it.Close()
					return fmt.Errorf("epoch %d, step %d: %w", epoch, t.step, err)
				}
				clipGrads(s, t.vars)
				t.optim.Step()
				t.optim.ZeroGrad()
			}
			n := x.Shape[0]
			sum += v * float64(n)
			count += n
			lv := v
			t.rep.Report(ml.Event{Kind: "step", Step: t.step, Total: total, Epoch: epoch, Epochs: s.Epochs, Loss: &lv})
		}
		if err := it.Err(); err != nil {
			return err
		}
		trainLoss := sum / float64(max(count, 1))
		extra := t.extraMetrics()
		valLoss, valAcc, outs, err := t.evaluate(ctx, t.d.test, len(extra) > 0)
		if err != nil {
			return fmt.Errorf("epoch %d: evaluating: %w", epoch, err)
		}
		if t.sched != nil {
			t.sched.Step(valLoss)
		}
		m := map[string]float64{"val_loss": valLoss, "lr": t.optim.LR()}
		if t.task == ml.Classification {
			m["val_accuracy"] = valAcc
		}
		if err := t.epochMetrics(extra, outs, m); err != nil {
			return fmt.Errorf("epoch %d: scoring the held-out data: %w", epoch, err)
		}
		t.epoch = epoch
		t.history = append(t.history, EpochMetrics{Epoch: epoch, Step: t.step, Loss: trainLoss, Metrics: m})
		if t.dir != "" { // a search's candidates keep no checkpoint
			if err := t.checkpoint(); err != nil {
				return fmt.Errorf("epoch %d: writing the checkpoint: %w", epoch, err)
			}
		}
		tl := trainLoss
		t.rep.Report(ml.Event{Kind: "epoch", Epoch: epoch, Epochs: s.Epochs, Step: t.step, Total: total, Loss: &tl, Metrics: m})
	}
	return nil
}

// extraMetrics are the metrics the spec names beyond accuracy (which
// evaluate gives), scored on the held-out data each epoch as val_NAME.
func (t *trainer) extraMetrics() []string {
	var extra []string
	for _, name := range t.s.Metrics {
		if name != "accuracy" && t.d.test.Len() > 0 {
			extra = append(extra, name)
		}
	}
	return extra
}

// epochMetrics adds to m, as val_NAME, the extra metrics scored from the
// held-out predictions the epoch's evaluation kept (no second pass).
func (t *trainer) epochMetrics(extra []string, o *outputs, m map[string]float64) error {
	if len(extra) == 0 || o == nil {
		return nil
	}
	in := metrics.Input{YTrue: t.d.yTest, YPred: o.pred, Proba: o.proba}
	if t.task == ml.Classification {
		in.Classes = t.d.classes
	}
	scores, _, err := Scores(in, t.s.Metrics)
	if err != nil {
		return err
	}
	for _, name := range extra {
		if _, ok := m["val_"+name]; ok {
			continue
		}
		if v, ok := scores[name]; ok {
			m["val_"+name] = v
		}
	}
	return nil
}

// outputs gathers a network's predictions on a dataset batch by batch:
// the value (a regressor) or the class (a classifier) of each row, and a
// classifier's softmax probabilities.
type outputs struct {
	pred  []float64
	proba *mat.Dense
	row   int
}

func (t *trainer) newOutputs(n int) *outputs {
	o := &outputs{pred: make([]float64, 0, n)}
	if t.task == ml.Classification {
		o.proba = mat.NewDense(max(n, 1), max(len(t.d.classes), 1), nil)
	}
	return o
}

// add appends the k rows of out, one batch's network outputs.
func (t *trainer) addOutputs(o *outputs, out *tensor.Tensor, k int) {
	w := len(out.Data) / k
	for i := range k {
		r := out.Data[i*w : (i+1)*w]
		if t.task != ml.Classification {
			o.pred = append(o.pred, float64(r[0]))
			continue
		}
		best := argmax(r)
		o.pred = append(o.pred, t.d.classes[best])
		mx := float64(r[best])
		var sum float64
		for j, v := range r {
			e := math.Exp(float64(v) - mx)
			o.proba.Set(o.row, j, e)
			sum += e
		}
		for j := range r {
			o.proba.Set(o.row, j, o.proba.At(o.row, j)/sum)
		}
		o.row++
	}
}

// evaluate returns the mean loss and the accuracy on ds in evaluation mode.
// With keep, it also returns the predictions (one pass for both).
func (t *trainer) evaluate(ctx context.Context, ds loader.Dataset, keep bool) (loss, acc float64, o *outputs, err error) {
	t.seq.Train(false)
	defer t.seq.Train(true)
	if t.evalDL == nil || t.evalDL.Dataset != ds {
		t.evalDL = &loader.DataLoader{Dataset: ds, BatchSize: max(t.s.BatchSize, 256/t.ncrops)}
	}
	it, err := t.evalDL.Iter(ctx, 0)
	if err != nil {
		return 0, 0, nil, err
	}
	if t.evalG == nil {
		t.evalG = nn.NewInferenceGraph()
	}
	g := t.evalG
	if keep {
		o = t.newOutputs(ds.Len())
	}
	var sum float64
	var n, correct int
	for it.Next() {
		b := it.Batch()
		g.Reset()
		y, err := t.target(b.Y)
		if err != nil {
			it.Close()
			return 0, 0, nil, err
		}
		out, err := t.forward(g, b.X)
		if err != nil {
			it.Close()
			return 0, 0, nil, err
		}
		l := t.loss.Forward(g, out, g.Const(y))
		if err := g.Err(); err != nil {
			it.Close()
			return 0, 0, nil, err
		}
		k := b.X.Shape[0]
		sum += float64(l.Item()) * float64(k)
		n += k
		if t.task == ml.Classification && out.Data.Dim() == 2 {
			correct += countCorrect(out.Data, b.Y)
		}
		if o != nil {
			t.addOutputs(o, out.Data, k)
		}
	}
	if err := it.Err(); err != nil {
		return 0, 0, nil, err
	}
	return sum / float64(max(n, 1)), float64(correct) / float64(max(n, 1)), o, nil
}

// forward runs the network in g on the batch x for evaluation: on each
// image's crops, averaged (crops.go), when the transforms make crops.
func (t *trainer) forward(g *nn.Graph, x *tensor.Tensor) (*nn.Var, error) {
	if t.ncrops <= 1 {
		return t.seq.Forward(g, g.Const(x)), g.Err()
	}
	rows, err := cropRows(x, t.ncrops)
	if err != nil {
		return nil, err
	}
	out := t.seq.Forward(g, g.Const(rows))
	if err := g.Err(); err != nil {
		return nil, err
	}
	return g.Const(meanCrops(out.Data, t.ncrops)), nil
}

// target returns the loss's target for a batch whose targets are y: y
// itself for a regressor, a loss of class indices or targets already
// shaped by a target transform (OneHot); otherwise the class labels
// converted to the loss's form (one-hot, multi-hot, ±1, a distribution;
// nn.ClassTargets), in a buffer kept across batches.
func (t *trainer) target(y *tensor.Tensor) (*tensor.Tensor, error) {
	if t.task != ml.Classification || y.Dim() != 1 || nn.TargetFormOf(t.loss) == nn.TargetClass {
		return y, nil
	}
	out, err := nn.ClassTargets(t.loss, y, len(t.d.classes), t.targets)
	if err != nil {
		return nil, fmt.Errorf("the targets of %s: %w", t.s.Criterion.Type, err)
	}
	t.targets = out
	return out, nil
}

// countCorrect counts the rows of out, shaped (N, C), whose largest value
// is at the class of y: class indices (N), or one row per sample (a
// one-hot target transform), whose largest value names the class.
func countCorrect(out, y *tensor.Tensor) int {
	N, C := out.Shape[0], out.Shape[1]
	correct := 0
	for i := range N {
		pred := argmax(out.Data[i*C : (i+1)*C])
		switch {
		case y.Dim() == 1 && i < len(y.Data):
			if pred == int(y.Data[i]) {
				correct++
			}
		case y.Dim() == 2 && y.Shape[0] == N && y.Shape[1] == C:
			if pred == argmax(y.Data[i*C:(i+1)*C]) {
				correct++
			}
		}
	}
	return correct
}

func argmax(v []float32) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}

// predict returns the predicted target values of ds and, for a classifier,
// the softmax probabilities.
func (t *trainer) predict(ctx context.Context, ds loader.Dataset) ([]float64, *mat.Dense, error) {
	t.seq.Train(false)
	dl := &loader.DataLoader{Dataset: ds, BatchSize: max(1, 256/t.ncrops)}
	it, err := dl.Iter(ctx, 0)
	if err != nil {
		return nil, nil, err
	}
	g := nn.NewInferenceGraph()
	o := t.newOutputs(ds.Len())
	for it.Next() {
		b := it.Batch()
		g.Reset()
		out, err := t.forward(g, b.X)
		if err != nil {
			it.Close()
			return nil, nil, err
		}
		t.addOutputs(o, out.Data, b.X.Shape[0])
	}
	if err := it.Err(); err != nil {
		return nil, nil, err
	}
	return o.pred, o.proba, nil
}

// score computes the spec's metrics on ds, whose targets are y, and the
// confusion matrix and the class probabilities of a classifier.
func (t *trainer) score(ctx context.Context, ds loader.Dataset, y []float64) (map[string]float64, [][]int, *mat.Dense, []float64, error) {
	if ds.Len() == 0 {
		return map[string]float64{}, nil, nil, nil, nil
	}
	pred, proba, err := t.predict(ctx, ds)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	in := metrics.Input{YTrue: y, YPred: pred, Proba: proba}
	if t.task == ml.Classification {
		in.Classes = t.d.classes
	}
	scores, conf, err := Scores(in, t.s.Metrics)
	return scores, conf, proba, pred, err
}

// clipGrads clips the gradients of vars to the spec's grad_clip (their
// global L2 norm, as torch.nn.utils.clip_grad_norm_ between backward and
// step), when it is set.
func clipGrads(s *spec.Spec, vars []*nn.Var) {
	if s.GradClip > 0 {
		optim.ClipGradNorm(vars, s.GradClip)
	}
}
