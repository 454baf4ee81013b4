package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/nprand"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/spec"
)

// CurveResult is a validation or learning curve: one point per parameter
// value or training size, each fold's training and test scores, and their
// means and standard deviations (numpy's, ddof=0).
type CurveResult struct {
	// Kind is "validation_curve" or "learning_curve".
	Kind     string `json:"kind"`
	Scoring  string `json:"scoring"`
	Splitter string `json:"cv"`
	// ParamName is the validation curve's parameter.
	ParamName string       `json:"param_name,omitempty"`
	Points    []CurvePoint `json:"points"`
}

// CurvePoint is one point of a curve.
type CurvePoint struct {
	// Param is the validation curve's parameter value (JSON), NTrain the
	// learning curve's number of training rows.
	Param          string    `json:"param,omitempty"`
	NTrain         int       `json:"n_train,omitempty"`
	TrainScores    []float64 `json:"train_scores"`
	TestScores     []float64 `json:"test_scores"`
	MeanTrainScore float64   `json:"mean_train_score"`
	StdTrainScore  float64   `json:"std_train_score"`
	MeanTestScore  float64   `json:"mean_test_score"`
	StdTestScore   float64   `json:"std_test_score"`
}

// fitScore fits a fresh pipeline of s on rows train of f (weighted by those
// rows of w, nil for none) and returns its unweighted scores (negated for a
// "neg_" scorer) on those rows and on rows test.
func (p *Plan) fitScore(ctx context.Context, s *spec.Spec, f *data.Frame, w []float64, train, test []int, scoring string) (float64, float64, error) {
	metric, negate, err := spec.Scorer(scoring)
	if err != nil {
		return 0, 0, err
	}
	pipe, err := p.pipeline(s)
	if err != nil {
		return 0, 0, err
	}
	tr, te, err := foldParts(f, train, test, pairwise(pipe.Final)) // precomputed.go
	if err != nil {
		return 0, 0, err
	}
	if err := bindColumns(pipe, f.Features); err != nil {
		return 0, 0, err
	}
	if err := pipe.FitWeighted(ml.WithProgress(ctx, ml.ReporterFunc(func(ml.Event) {})), tr.X, tr.Y, rowsOf(w, train)); err != nil {
		return 0, 0, err
	}
	var classes []float64
	if c, ok := pipe.Final.(ml.Classifier); ok {
		classes = c.Classes()
	}
	out := [2]float64{}
	for i, part := range []*data.Frame{tr, te} {
		sc, _, err := Score(pipe, part.X, part.Y, classes, []string{metric.Name})
		if err != nil {
			return 0, 0, err
		}
		out[i] = sc[metric.Name]
		if negate {
			out[i] = -out[i]
		}
	}
	return out[0], out[1], nil
}

func (pt *CurvePoint) summarize() {
	pt.MeanTrainScore, pt.StdTrainScore = meanStd(pt.TrainScores)
	pt.MeanTestScore, pt.StdTestScore = meanStd(pt.TestScores)
}

// runCurve computes the spec's validation or learning curve on the training
// part f, reporting a "trial" event per point whose metrics become the
// run's series <kind>_train_score and <kind>_test_score.
func (p *Plan) runCurve(ctx context.Context, rep ml.Reporter, f *data.Frame, groups, w []float64) (*CurveResult, error) {
	s := p.spec
	var cv *spec.CV
	var kind, scoring string
	if v := s.ValidationCurve; v != nil {
		cv, kind, scoring = v.CV, "validation_curve", v.Scoring
	} else {
		cv, kind, scoring = s.LearningCurve.CV, "learning_curve", s.LearningCurve.Scoring
	}
	sp, desc, err := splitterFor(cv, s.ModelTask(), kind+".cv")
	if err != nil {
		return nil, err
	}
	folds, err := makeFolds(p.opt.Limits, sp, f, groups, kind+".cv", cv)
	if err != nil {
		return nil, err
	}
	res := &CurveResult{Kind: kind, Scoring: scoring, Splitter: desc}
	report := func(i int, pt *CurvePoint, step int) {
		pt.summarize()
		rep.Report(ml.Event{Kind: "trial", Step: step, Total: 0, Message: fmt.Sprintf("%s point %d", kind, i+1),
			Metrics: map[string]float64{kind + "_train_score": pt.MeanTrainScore, kind + "_test_score": pt.MeanTestScore}})
	}
	if v := s.ValidationCurve; v != nil {
		res.ParamName = v.ParamName
		rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("validation_curve of %s: %d values × %d folds of %s, scoring %s", v.ParamName, len(v.ParamRange), len(folds), desc, scoring)})
		for i, val := range v.ParamRange {
			cs, err := s.WithParams(map[string]json.RawMessage{v.ParamName: val})
			if err != nil {
				return nil, spec.Errors{{Path: "validation_curve.param_name", Msg: err.Error()}}
			}
			pt := CurvePoint{Param: string(val)}
			for _, fo := range folds {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				tr, te, err := p.fitScore(ctx, cs, f, w, fo.Train, fo.Test, scoring)
				if err != nil {
					return nil, fmt.Errorf("validation_curve %s=%s: %w", v.ParamName, val, err)
				}
				pt.TrainScores, pt.TestScores = append(pt.TrainScores, tr), append(pt.TestScores, te)
			}
			report(i, &pt, i+1)
			res.Points = append(res.Points, pt)
		}
		return res, nil
	}
	l := s.LearningCurve
	sizes, err := trainSizes(l.TrainSizes, len(folds[0].Train))
	if err != nil {
		return nil, err
	}
	if l.Shuffle {
		rng := nprand.New(uint32(*l.RandomState))
		shuffled := make([]modelselection.Fold, len(folds))
		for i, fo := range folds {
			shuffled[i] = modelselection.Fold{Train: rng.PermuteSlice(fo.Train), Test: fo.Test}
		}
		folds = shuffled
	}
	rep.Report(ml.Event{Kind: "stage", Message: fmt.Sprintf("learning_curve: sizes %v × %d folds of %s, scoring %s", sizes, len(folds), desc, scoring)})
	pts := make([]CurvePoint, len(sizes))
	for i, n := range sizes {
		pts[i].NTrain = n
	}
	// scikit-learn fits fold by fold, each size in turn; the scores are the
	// same in any order.
	for _, fo := range folds {
		for i, n := range sizes {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			tr, te, err := p.fitScore(ctx, s, f, w, fo.Train[:min(n, len(fo.Train))], fo.Test, scoring)
			if err != nil {
				return nil, fmt.Errorf("learning_curve with %d training rows: %w", n, err)
			}
			pts[i].TrainScores, pts[i].TestScores = append(pts[i].TrainScores, tr), append(pts[i].TestScores, te)
		}
	}
	for i := range pts {
		report(i, &pts[i], pts[i].NTrain)
	}
	res.Points = pts
	return res, nil
}

// trainSizes is scikit-learn's _translate_train_sizes: fractions of the
// largest training fold (truncated, at least 1) or numbers of rows, made
// unique and sorted.
func trainSizes(sizes []float64, nMax int) ([]int, error) {
	fractions := true
	for _, v := range sizes {
		fractions = fractions && v <= 1
	}
	out := make([]int, 0, len(sizes))
	for _, v := range sizes {
		if fractions {
			out = append(out, max(1, min(nMax, int(v*float64(nMax)))))
			continue
		}
		if v > float64(nMax) {
			return nil, spec.Errors{{Path: "learning_curve.train_sizes", Msg: fmt.Sprintf("%v rows is more than the %d training rows of a fold", v, nMax)}}
		}
		out = append(out, int(math.Trunc(v)))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
