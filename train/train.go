// Package train runs a training spec end to end: it loads and splits the
// data, builds the pipeline from the estimator registry, fits it with
// progress reporting and cancellation, scores it on the training and test
// data and writes the model file. The CLI and the service both call Run.
//
// A network spec (model.layers) runs the network loop of network.go: epochs
// of shuffled mini-batches from a DataLoader, a "step" event per step and an
// "epoch" event per epoch (training loss, val_loss, val_accuracy, lr), an
// evaluation on the held-out data every epoch, and a checkpoint after every
// epoch (checkpoint.safetensors in the model directory) that Options.Resume
// continues from.
package train

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/all" // register every estimator
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
)

// Options says where a run may read and write and whom it reports to.
type Options struct {
	// Root is the base of relative paths in the spec ("" means the working
	// directory).
	Root string
	// Restrict confines every path in the spec to Root (the service sets it).
	Restrict bool
	// Reporter receives progress events; nil drops them.
	Reporter ml.Reporter
	// Output, when set, is the model directory to write instead of the
	// spec's output (the service keeps one model directory per run).
	Output string
	// Resume continues a network run from the checkpoint in the model
	// directory when there is one (written by the same spec), and starts
	// afresh otherwise. Classic runs ignore it.
	Resume bool
	// Limits are the memory budgets of the run (--max-model-bytes,
	// --max-run-memory); zero fields take budget.Default.
	Limits budget.Limits
	// Trials, when not nil, are the spec's search candidates or
	// cross-validation folds trained elsewhere (the service's child runs,
	// PlanSweep and RunTrial in sweep.go): the run gathers them instead of
	// training them, then refits and saves as usual.
	Trials []TrialOutcome
}

// Timings are wall-clock seconds spent in each phase.
type Timings struct {
	LoadS    float64 `json:"load_s"`
	FitS     float64 `json:"fit_s"`
	PredictS float64 `json:"predict_s"`
}

// Result is the outcome of a run. Its JSON form is what `mlforge train
// --json` prints: name, model_path, metrics and timings.
type Result struct {
	Name      string        `json:"name"`
	ModelPath string        `json:"model_path"`
	Metrics   model.Metrics `json:"metrics"`
	Timings   Timings       `json:"timings"`
	// DataManifest is the hash of the item manifest of a stored dataset
	// trained on ("dataset:NAME"), which names the exact images.
	DataManifest string `json:"data_manifest,omitempty"`

	// The rest is for people and the service, not the --json line.
	Task      ml.Task  `json:"-"`
	Class     string   `json:"-"`
	Steps     []string `json:"-"`
	NTrain    int      `json:"-"`
	NTest     int      `json:"-"`
	Features  []string `json:"-"`
	Labels    []string `json:"-"` // class labels, classifiers only
	Confusion [][]int  `json:"-"` // test confusion matrix, rows true, columns predicted
	// TestCurves are a classifier's ROC and precision-recall curves on the
	// test data, Importances the final estimator's feature importances or
	// |coef_| (plotdata.go); nil where the run has none.
	TestCurves  *TestCurves  `json:"-"`
	Importances *Importances `json:"-"`
	// Embedding (unsupervised runs), Dendrogram (agglomerative
	// clustering) and Boundary (classifiers) are plotshapes.go's.
	Embedding  *Embedding  `json:"-"`
	Dendrogram *Dendrogram `json:"-"`
	Boundary   *Boundary   `json:"-"`
	// Misclassified lists test images a classifier got wrong (image
	// folder runs), at most MaxMisclassified of them; nil otherwise.
	Misclassified *Misclassified `json:"-"`

	// CV and Search are the spec's cross-validation or search on the
	// training part (cv.go, search.go), nil without one.
	CV     *CVResult     `json:"cv,omitempty"`
	Search *SearchResult `json:"search,omitempty"`
	Curve  *CurveResult  `json:"curve,omitempty"` // validation_curve or learning_curve (curve.go)
	// Permutation is the spec's permutation_importance on the test part
	// (permutation.go), nil without one.
	Permutation *PermutationResult `json:"permutation_importance,omitempty"`
}

// Run trains the model that s describes. s must have been parsed; Run
// checks it against opt (Check) before doing anything else.
func Run(ctx context.Context, s *spec.Spec, opt Options) (*Result, error) {
	p, err := Check(s, opt)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx)
}

// Run trains the model of a checked spec. It does not validate or probe
// the data again: what Check learned is in p.
func (p *Plan) Run(ctx context.Context) (*Result, error) {
	s, opt := p.spec, p.opt
	if p.Deferred != "" {
		return nil, errors.New("train: " + p.Deferred + "; run the collection, then Check again")
	}
	rep := opt.Reporter
	if rep == nil {
		rep = ml.ReporterFunc(func(ml.Event) {})
	}
	ctx = ml.WithProgress(ctx, rep)
	if s.IsAutoencoder() {
		return p.runAutoencoder(ctx, rep) // autoencoder.go
	}
	if s.IsGAN() {
		return p.runGAN(ctx, rep) // gan.go
	}
	if s.IsNetwork() {
		return p.runNetwork(ctx, rep)
	}
	if p.Pipeline == nil {
		return nil, errors.New("train: the plan has no pipeline; make it with Check")
	}
	if s.IsUnsupervised() {
		return p.runUnsupervised(ctx, rep) // unsupervised.go
	}
	task := s.ModelTask()
	res := &Result{Name: s.Name, Task: task, Class: s.Model.Class}

	t0 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "load " + s.Data.Train.String()})
	trainF, testF, err := p.loadData(task)
	if err != nil {
		return nil, err
	}
	trainF, testF, groups, err := p.takeGroups(trainF, testF) // a GroupKFold's column (cv.go)
	if err != nil {
		return nil, err
	}
	trainF, testF, weights, testWeights, err := p.takeWeights(trainF, testF) // data.sample_weight (weights.go)
	if err != nil {
		return nil, err
	}
	var shape problems // max_features and class_weight against the data read (shapecheck.go)
	if p.checkModelShape(&shape, trainF, nil); len(shape) > 0 {
		return nil, spec.Errors(shape)
	}
	res.Timings.LoadS = time.Since(t0).Seconds()
	res.NTrain, res.NTest, res.Features = trainF.Len(), testF.Len(), trainF.Features

	pipe := p.Pipeline
	if r, err := resolveClassWeights(s, p.labels); err != nil { // classweight.go
		return nil, err
	} else if r != s {
		if pipe, err = Pipeline(r); err != nil {
			return nil, err
		}
	}
	for _, st := range pipe.Steps {
		res.Steps = append(res.Steps, ml.ClassName(st))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkFitBudget(opt.Limits, pipe, trainF); err != nil {
		return nil, err
	}
	if err := p.modelSelection(ctx, rep, res, &pipe, trainF, groups, weights); err != nil {
		return nil, err
	}
	t1 := time.Now()
	if err := bindColumns(pipe, trainF.Features); err != nil {
		return nil, err
	}
	if err := pipe.FitWeighted(ctx, trainF.X, trainF.Y, weights); err != nil {
		return nil, err
	}
	res.Timings.FitS = time.Since(t1).Seconds()

	t2 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "evaluate"})
	res.Metrics = model.Metrics{}
	var classes []float64
	if c, ok := pipe.Final.(ml.Classifier); ok {
		classes = c.Classes()
	}
	for part, f := range map[string]*data.Frame{"train": trainF, "test": testF} {
		scores, conf, err := Score(pipe, f.X, f.Y, classes, s.Metrics)
		if err != nil {
			return nil, fmt.Errorf("scoring the %s data: %w", part, err)
		}
		res.Metrics[part] = scores
		if part == "test" {
			res.Confusion = conf
		}
	}
	if s.PermutationImportance != nil {
		if res.Permutation, err = p.runPermutation(ctx, rep, pipe, testF.X, testF.Y, testWeights, classes, testF.Features); err != nil {
			return nil, err
		}
	}
	res.Timings.PredictS = time.Since(t2).Seconds()
	selectionMetrics(res)
	warnNonFinite(rep, res.Metrics)

	m := &model.Model{Pipeline: pipe, Manifest: model.Manifest{
		Name: s.Name, Task: task, Target: trainF.Target, Classes: classes, Metrics: res.Metrics,
	}}
	for _, c := range trainF.Schema() {
		m.Manifest.Features = append(m.Manifest.Features, model.Column{Name: c.Name, Type: c.Type, Categories: c.Categories})
	}
	if task == ml.Classification {
		m.Manifest.Labels = labelsFor(classes, trainF.Classes)
		res.Labels = m.ClassLabels()
		if testF.Len() > 0 && len(classes) <= maxCurveClasses {
			X, y, stride := curveRows(testF.X, testF.Y, len(classes))
			if sc, how, ok := classScores(pipe, X); ok {
				if res.TestCurves = testCurves(y, sc, classes, res.Labels, how); res.TestCurves != nil {
					res.TestCurves.Stride = stride
				}
			}
		}
	}
	res.Importances = importances(pipe, trainF.Features, trainF.X)
	if task == ml.Classification {
		res.Boundary = boundary(ctx, pipe, trainF.Features, trainF.X, trainF.Y, classes, res.Labels, res.Importances)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if m.Manifest.Spec, err = json.Marshal(s); err != nil {
		return nil, err
	}
	if m.Manifest.Selection, err = selectionJSON(res); err != nil {
		return nil, err
	}
	if res.ModelPath, err = model.Save(p.output(), m); err != nil {
		return nil, fmt.Errorf("saving the model: %w", err)
	}
	rep.Report(ml.Event{Kind: "stage", Message: "saved " + res.ModelPath})
	return res, nil
}

// output is the model directory of the run.
func (p *Plan) output() string {
	out := cmp.Or(p.opt.Output, p.spec.Output)
	if p.opt.Root != "" && !filepath.IsAbs(out) {
		out = filepath.Join(p.opt.Root, out)
	}
	return out
}

// labelsFor names each class value: text labels when the target column was
// text (class values are then indices into names), nil otherwise.
func labelsFor(classes []float64, names []string) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(classes))
	for i, c := range classes {
		out[i] = names[int(c)]
	}
	return out
}

// loadData reads the training data (or takes the table the probe read)
// and either reads the test data or splits the training data.
func (p *Plan) loadData(task ml.Task) (trainF, testF *data.Frame, err error) {
	s := p.spec
	if p.probe != nil && p.probe.Frame != nil {
		trainF = p.probe.Frame
	} else if trainF, err = source.LoadTable(p.root, src(s.Data.Train), s.Data.Target, nil); err != nil {
		return nil, nil, err
	}
	if trainF.Y == nil {
		return nil, nil, &data.Error{File: trainF.Source, Msg: "the data has no target column"}
	}
	p.labels = trainF.Classes // class_weight's labels (classweight.go)
	if task == ml.Regression && trainF.Classes != nil {
		return nil, nil, &data.Error{File: trainF.Source, Column: trainF.Target, Msg: fmt.Sprintf("the target holds text (e.g. %q) but %s is a regressor: it needs numbers", trainF.Classes[0], s.Model.Class)}
	}
	if err := checkText(s, trainF); err != nil {
		return nil, nil, err
	}
	if err := textCategories(s, trainF); err != nil { // columns.go
		return nil, nil, err
	}
	if !hasImputer(s) {
		if err := trainF.Missing(missingExempt(s, trainF.Features)...); err != nil {
			return nil, nil, err
		}
	}
	if !s.Data.Test.IsZero() {
		testF, err = source.LoadTable(p.root, src(s.Data.Test), trainF.Target, trainF)
		if err != nil {
			return nil, nil, err
		}
		if !hasImputer(s) {
			if err := testF.Missing(missingExempt(s, testF.Features)...); err != nil {
				return nil, nil, err
			}
		}
		if precomputedParam(s) != "" { // precomputed.go
			if err := checkSquare(s, trainF, "data.train"); err != nil {
				return nil, nil, err
			}
		}
		return trainF, testF, nil
	}
	stratify := s.Data.Split.Stratify != nil && *s.Data.Split.Stratify
	if precomputedParam(s) != "" { // precomputed.go: the split selects the training rows' columns
		return precomputedSplit(s, trainF, stratify)
	}
	return trainF.Split(s.Data.Split.TestSize, s.Data.Split.Seed, stratify)
}

func hasImputer(s *spec.Spec) bool {
	for _, st := range s.Preprocess {
		if st.Type == "SimpleImputer" {
			return true
		}
	}
	return false
}
