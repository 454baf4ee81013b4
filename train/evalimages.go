package train

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/model"
)

// EvalSet is a labelled sample of encoded images to score a model on:
// Labels name each label with its counts (Label, Stored and Sampled set),
// and Read returns image i (0 ≤ i < Sampled) of label k, with a name for
// error messages.
type EvalSet struct {
	Labels []api.EvalLabel
	Read   func(ctx context.Context, k, i int) (name string, b []byte, err error)
}

// Bounds of one batch of EvalImages: the images are read, decoded and
// predicted a batch at a time, so that memory holds one batch of encoded
// images, not the sample.
const (
	evalBatch      = 64
	evalBatchBytes = 64 << 20
)

// EvalImages scores the image classifier m on set: the images of the labels
// m knows are predicted a batch at a time and scored with m's test metrics
// (accuracy at least); the labels m does not know are listed in Unknown and
// their images are not read. A metric that the sample leaves undefined (a
// ROC AUC with one class present) is left out with a note. The answer's
// Data, Manifest, Limit, Seed and ID are the caller's to fill.
func EvalImages(ctx context.Context, m *model.Model, set EvalSet) (*api.Evaluation, error) {
	if m.Net == nil || m.Net.Manifest.Data == "table" {
		return nil, &model.Error{Msg: "this model was not trained on images: a stored image dataset cannot test it"}
	}
	if !m.IsClassifier() {
		return nil, &model.Error{Msg: "this model is not a classifier: a labelled image dataset cannot test it"}
	}
	classes := m.ClassLabels()
	out := &api.Evaluation{Labels: slices.Clone(set.Labels), Classes: classes, Metrics: map[string]*float64{}}
	names := m.MetricNames()
	if !slices.Contains(names, "accuracy") {
		names = append(names, "accuracy")
	}
	slices.Sort(names)
	proba, err := needsProba(names)
	if err != nil {
		return nil, err
	}
	var yTrue, yPred []float64
	var probs []float64
	var batchK []int
	var batchNames []string
	var batchBlobs [][]byte
	batchBytes := 0
	flush := func() error {
		if len(batchBlobs) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := m.PredictImageBytes(batchNames, batchBlobs, proba != "")
		if err != nil {
			return err
		}
		for j, k := range batchK {
			yTrue = append(yTrue, m.Manifest.Classes[slices.Index(classes, out.Labels[k].Label)])
			yPred = append(yPred, p.Values[j])
			if p.Labels[j] == out.Labels[k].Label {
				out.Labels[k].Correct++
			}
			if proba != "" && p.Proba != nil {
				probs = append(probs, p.Proba.RawRowView(j)...)
			}
		}
		batchK, batchNames, batchBlobs, batchBytes = batchK[:0], batchNames[:0], batchBlobs[:0], 0
		return nil
	}
	for k := range out.Labels {
		l := &out.Labels[k]
		l.Correct = 0
		l.Known = slices.Contains(classes, l.Label)
		if !l.Known {
			out.Unknown = append(out.Unknown, l.Label)
			continue
		}
		for i := 0; i < l.Sampled; i++ {
			name, b, err := set.Read(ctx, k, i)
			if err != nil {
				return nil, err
			}
			batchK, batchNames, batchBlobs = append(batchK, k), append(batchNames, name), append(batchBlobs, b)
			if batchBytes += len(b); len(batchBlobs) == evalBatch || batchBytes >= evalBatchBytes {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	out.Rows = len(yTrue)
	if out.Rows == 0 {
		sampled := make([]string, len(out.Labels))
		for i, l := range out.Labels {
			sampled[i] = l.Label
		}
		return nil, &model.Error{Msg: fmt.Sprintf("none of the labels sampled (%s) is one of the model's classes (%s)", quoteList(sampled), quoteList(classes))}
	}
	in := metrics.Input{YTrue: yTrue, YPred: yPred, Classes: m.Manifest.Classes}
	if proba != "" && len(probs) == out.Rows*len(classes) {
		in.Proba = mat.NewDense(out.Rows, len(classes), probs)
	}
	for _, name := range names {
		if mt, _ := metrics.Lookup(name); mt.NeedsProba && in.Proba == nil {
			out.Notes = append(out.Notes, fmt.Sprintf("metric %s: the model gives no probabilities", name))
			continue
		}
		v, err := metrics.Score(name, in)
		if err != nil {
			out.Notes = append(out.Notes, fmt.Sprintf("metric %s: %v", name, err))
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out.Metrics[name] = nil
			continue
		}
		out.Metrics[name] = &v
	}
	cm, err := metrics.ConfusionMatrix(yTrue, yPred, m.Manifest.Classes)
	if err != nil {
		return nil, err
	}
	r, c := cm.Dims()
	out.Confusion = make([][]int, r)
	for i := range out.Confusion {
		out.Confusion[i] = make([]int, c)
		for j := range out.Confusion[i] {
			out.Confusion[i][j] = int(cm.At(i, j))
		}
	}
	return out, nil
}

func quoteList(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", v)
	}
	return out
}
