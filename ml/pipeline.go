package ml

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Pipeline chains preprocessing steps and a final estimator, like
// sklearn.pipeline.Pipeline: Fit fits each step on the output of the previous
// one; Predict and friends transform X through the steps first.
type Pipeline struct {
	Steps []Transformer
	Final Estimator
}

// Fit fits every step in order, then the final estimator. Stage events are
// reported to ProgressFrom(ctx).
func (p *Pipeline) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	return p.FitWeighted(ctx, X, y, nil)
}

// FitWeighted is Fit with a weight per sample for the final estimator, as
// scikit-learn's pipeline.fit(X, y, model__sample_weight=w): the steps are
// fitted unweighted. w nil is Fit; a final estimator without FitWeighted
// refuses weights.
func (p *Pipeline) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if p.Final == nil {
		return fmt.Errorf("ml: pipeline has no final estimator")
	}
	wf, weighted := p.Final.(WeightedFitter)
	if w != nil && !weighted {
		return &ParamError{Param: "sample_weight", Msg: ClassName(p.Final) + " does not take sample weights"}
	}
	rep := ProgressFrom(ctx)
	for i, s := range p.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		rep.Report(Event{Kind: "stage", Message: "fit " + ClassName(s)})
		if err := s.Fit(ctx, X, y); err != nil {
			return fmt.Errorf("preprocess[%d] %s: %w", i, ClassName(s), err)
		}
		var err error
		if X, err = s.Transform(X); err != nil {
			return fmt.Errorf("preprocess[%d] %s: %w", i, ClassName(s), err)
		}
	}
	rep.Report(Event{Kind: "stage", Message: "fit " + ClassName(p.Final)})
	fit := p.Final.Fit
	if w != nil {
		fit = func(ctx context.Context, X *mat.Dense, y []float64) error { return wf.FitWeighted(ctx, X, y, w) }
	}
	if err := fit(ctx, X, y); err != nil {
		return fmt.Errorf("%s: %w", ClassName(p.Final), err)
	}
	return nil
}

// TransformSteps applies the fitted preprocessing steps to X.
func (p *Pipeline) TransformSteps(X *mat.Dense) (*mat.Dense, error) {
	for i, s := range p.Steps {
		var err error
		if X, err = s.Transform(X); err != nil {
			return nil, fmt.Errorf("preprocess[%d] %s: %w", i, ClassName(s), err)
		}
	}
	return X, nil
}

// Predict transforms X through the steps and predicts with the final estimator.
func (p *Pipeline) Predict(X *mat.Dense) ([]float64, error) {
	pr, ok := p.Final.(Predictor)
	if !ok {
		return nil, fmt.Errorf("%s cannot predict", ClassName(p.Final))
	}
	X, err := p.TransformSteps(X)
	if err != nil {
		return nil, err
	}
	return pr.Predict(X)
}

// PredictProba transforms X and returns class probabilities.
func (p *Pipeline) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	pp, ok := p.Final.(ProbaPredictor)
	if !ok {
		return nil, fmt.Errorf("%s has no predict_proba", ClassName(p.Final))
	}
	X, err := p.TransformSteps(X)
	if err != nil {
		return nil, err
	}
	return pp.PredictProba(X)
}

// DecisionFunction transforms X and returns decision scores.
func (p *Pipeline) DecisionFunction(X *mat.Dense) (*mat.Dense, error) {
	df, ok := p.Final.(DecisionFunctioner)
	if !ok {
		return nil, fmt.Errorf("%s has no decision_function", ClassName(p.Final))
	}
	X, err := p.TransformSteps(X)
	if err != nil {
		return nil, err
	}
	return df.DecisionFunction(X)
}

// Classes returns the final estimator's classes, or nil for a regressor.
func (p *Pipeline) Classes() []float64 {
	if c, ok := p.Final.(Classifier); ok {
		return c.Classes()
	}
	return nil
}
