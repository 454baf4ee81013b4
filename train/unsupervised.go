package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
)

// An unsupervised run (spec.Spec.IsUnsupervised): the pipeline is fitted
// on all the training data without a target (fit_predict for a
// clusterer), the labels or components are written with the model (in
// the estimator's state: labels_, cluster_centers_, components_), and the
// metrics are computed on the data the final estimator saw: against the
// labelled column data.target names (kept out of the features), or from
// the data alone. A KMeans run adds "inertia", every clusterer
// "n_clusters" (noise excluded), a PCA "explained_variance_ratio" (the
// sum over the kept components), an NMF "reconstruction_err" and a TSNE
// "kl_divergence" (its embedding of the training rows is kept in its
// state: TSNE has no transform for new rows, so data.test is not scored). With data.test, a model that predicts
// (KMeans) or transforms (PCA) is applied to the test rows and a
// clusterer's metrics are computed on them too.

// shapeChecker is an estimator that can refuse a data shape before any
// work: n_clusters larger than the rows, more PCA components than
// features.
type shapeChecker interface {
	CheckShape(nSamples, nFeatures int) error
}

// checkShape runs the final estimator's shape check for n×f data (n < 0:
// the rows are not known yet, so only the features are checked).
func checkShape(e ml.Estimator, n, f int) error {
	sc, ok := e.(shapeChecker)
	if !ok {
		return nil
	}
	if n < 0 {
		n = math.MaxInt32
	}
	if err := sc.CheckShape(n, f); err != nil {
		return fmt.Errorf("model.params.%w", err)
	}
	return nil
}

// checkUnsupervised is Check's part for an unsupervised spec: the final
// estimator's shape check on the f features (and n rows when known, for a
// built-in dataset) that Check learned from the header. A CSV file without
// data.target has no labelled column, so its last column is a feature too.
func (p *Plan) checkUnsupervised(c *problems, n, f int, known bool) {
	if !p.spec.IsUnsupervised() || p.Pipeline == nil {
		return
	}
	if !known {
		n = math.MaxInt32
		if p.spec.Data.Target == "" {
			f++
		}
	}
	if sc, ok := p.Pipeline.Final.(shapeChecker); ok {
		if err := sc.CheckShape(n, f); err != nil {
			c.add("model.params."+paramName(err), paramText(err))
		}
	}
}

func paramName(err error) string {
	if pe, ok := err.(*ml.ParamError); ok {
		return pe.Param
	}
	return ""
}

func paramText(err error) string {
	if pe, ok := err.(*ml.ParamError); ok && pe.Msg != "" {
		return pe.Msg
	}
	return err.Error()
}

// loadUnsupervised reads a table for an unsupervised run: with
// data.target, its labelled column as Y; without, every column a feature.
func (p *Plan) loadUnsupervised(s spec.Source, like *data.Frame) (*data.Frame, error) {
	target := p.spec.Data.Target
	if target != "" || s.Builtin != "" {
		f, err := source.LoadTable(p.root, src(s), target, like)
		if err != nil {
			return nil, err
		}
		if target == "" { // a built-in dataset's target is not a feature; no labels
			f.Y, f.Target, f.Classes = nil, "", nil
		}
		return f, nil
	}
	o := data.CSVOptions{Name: s.Path, NoTarget: true}
	if like != nil {
		o.Schema, o.Text = like.Features, like.Text
	}
	return p.root.ReadCSV(s.Path, o)
}

// runUnsupervised runs an unsupervised spec.
func (p *Plan) runUnsupervised(ctx context.Context, rep ml.Reporter) (*Result, error) {
	s, opt := p.spec, p.opt
	task := s.ModelTask()
	res := &Result{Name: s.Name, Task: task, Class: s.Model.Class}
	t0 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "load " + s.Data.Train.String()})
	trainF, err := p.loadUnsupervised(s.Data.Train, nil)
	if err != nil {
		return nil, err
	}
	if err := textCategories(s, trainF); err != nil { // columns.go; before the test data is read with its dictionaries
		return nil, err
	}
	var testF *data.Frame
	if !s.Data.Test.IsZero() {
		if testF, err = p.loadUnsupervised(s.Data.Test, trainF); err != nil {
			return nil, err
		}
	}
	if !hasImputer(s) {
		for _, f := range []*data.Frame{trainF, testF} {
			if f == nil {
				continue
			}
			if err := f.Missing(missingExempt(s, f.Features)...); err != nil {
				return nil, err
			}
		}
	}
	if err := checkText(s, trainF); err != nil {
		return nil, err
	}
	if precomputedParam(s) != "" { // precomputed.go (OneClassSVM)
		if err := checkSquare(s, trainF, "data.train"); err != nil {
			return nil, err
		}
	}
	trainF, testF, weights, _, err := p.takeWeights(trainF, testF) // data.sample_weight (weights.go)
	if err != nil {
		return nil, err
	}
	res.Timings.LoadS = time.Since(t0).Seconds()
	res.NTrain, res.Features = trainF.Len(), trainF.Features
	if testF != nil {
		res.NTest = testF.Len()
	}
	pipe := p.Pipeline
	for _, st := range pipe.Steps {
		res.Steps = append(res.Steps, ml.ClassName(st))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, f := trainF.X.Dims()
	if err := checkShape(pipe.Final, n, f); err != nil {
		return nil, err
	}
	if err := checkFitBudget(opt.Limits, pipe, trainF); err != nil {
		return nil, err
	}
	t1 := time.Now()
	if err := bindColumns(pipe, trainF.Features); err != nil {
		return nil, err
	}
	if err := pipe.FitWeighted(ctx, trainF.X, nil, weights); err != nil {
		return nil, err
	}
	res.Timings.FitS = time.Since(t1).Seconds()

	t2 := time.Now()
	rep.Report(ml.Event{Kind: "stage", Message: "evaluate"})
	res.Metrics = model.Metrics{}
	Xt, err := pipe.TransformSteps(trainF.X)
	if err != nil {
		return nil, err
	}
	var labels []float64
	if l, ok := pipe.Final.(interface{ Labels() []int }); ok {
		for _, v := range l.Labels() {
			labels = append(labels, float64(v))
		}
	}
	if res.Metrics["train"], err = unsupervisedScores(pipe.Final, Xt, trainF.Y, labels, s.Metrics); err != nil {
		return nil, fmt.Errorf("scoring the train data: %w", err)
	}
	res.Embedding = embedding(pipe.Final, Xt, stepNames(pipe, trainF.Features, trainF.X), trainF.Y, trainF.Classes, labels)
	res.Dendrogram = dendrogram(pipe.Final, n)
	if testF != nil {
		Xs, err := pipe.TransformSteps(testF.X)
		if err != nil {
			return nil, err
		}
		pr, canPredict := pipe.Final.(ml.Predictor)
		_, canTransform := pipe.Final.(ml.Transformer)
		switch {
		case canPredict && task == ml.Clustering:
			pred, err := pr.Predict(Xs)
			if err != nil {
				return nil, err
			}
			if res.Metrics["test"], err = unsupervisedScores(pipe.Final, Xs, testF.Y, pred, s.Metrics); err != nil {
				return nil, fmt.Errorf("scoring the test data: %w", err)
			}
		case canTransform:
			if res.Metrics["test"], err = unsupervisedScores(pipe.Final, Xs, nil, nil, nil); err != nil {
				return nil, err
			}
		}
	}
	res.Timings.PredictS = time.Since(t2).Seconds()
	warnNonFinite(rep, res.Metrics)

	m := &model.Model{Pipeline: pipe, Manifest: model.Manifest{
		Name: s.Name, Task: task, Target: trainF.Target, Metrics: res.Metrics,
	}}
	for _, c := range trainF.Schema() {
		m.Manifest.Features = append(m.Manifest.Features, model.Column{Name: c.Name, Type: c.Type, Categories: c.Categories})
	}
	if m.Manifest.Spec, err = json.Marshal(s); err != nil {
		return nil, err
	}
	if res.ModelPath, err = model.Save(p.output(), m); err != nil {
		return nil, fmt.Errorf("saving the model: %w", err)
	}
	rep.Report(ml.Event{Kind: "stage", Message: "saved " + res.ModelPath})
	return res, nil
}

// unsupervisedScores computes the named clustering metrics of labels
// (against y, the labelled column, when the metric needs it) on X, the
// data the final estimator saw, plus what the estimator itself says:
// inertia and the number of clusters, or the explained variance ratio.
func unsupervisedScores(e ml.Estimator, X *mat.Dense, y, labels []float64, names []string) (model.Values, error) {
	out := model.Values{}
	if labels != nil {
		in := metrics.Input{YTrue: y, YPred: labels, X: X}
		for _, name := range names {
			m, err := metrics.Lookup(name)
			if err != nil {
				return nil, err
			}
			if !m.NeedsX && y == nil {
				return nil, fmt.Errorf("metric %s: the data has no labelled column (data.target)", name)
			}
			v, err := m.Score(in)
			if err != nil {
				return nil, fmt.Errorf("metric %s: %w", name, err)
			}
			out[name] = v
		}
		seen := map[float64]bool{}
		for _, v := range labels {
			if v >= 0 {
				seen[v] = true
			}
		}
		out["n_clusters"] = float64(len(seen))
	}
	if s, ok := e.(interface {
		Score(*mat.Dense) (float64, error)
	}); ok {
		v, err := s.Score(X)
		if err != nil {
			return nil, err
		}
		out["inertia"] = -v
	}
	if r, ok := e.(interface{ ExplainedVarianceRatio() []float64 }); ok {
		var sum float64
		for _, v := range r.ExplainedVarianceRatio() {
			sum += v
		}
		out["explained_variance_ratio"] = sum
	}
	if r, ok := e.(interface{ ReconstructionErr() float64 }); ok { // NMF
		out["reconstruction_err"] = r.ReconstructionErr()
	}
	if k, ok := e.(interface{ KLDivergence() float64 }); ok { // TSNE
		out["kl_divergence"] = k.KLDivergence()
	}
	return out, nil
}
