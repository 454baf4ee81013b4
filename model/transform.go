package model

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// Transform runs X (columns in FeatureNames order) through the pipeline of
// a model whose final estimator is a transformer (a PCA run): the
// preprocessing steps, then the final Transform.
func (m *Model) Transform(X *mat.Dense) (*mat.Dense, error) {
	if m.Pipeline == nil {
		return nil, &Error{Msg: "a network model has no transform"}
	}
	t, ok := m.Pipeline.Final.(ml.Transformer)
	if _, fitOnly := m.Pipeline.Final.(ml.FitTransformer); !ok && fitOnly {
		return nil, &Error{Msg: fmt.Sprintf("%s has no transform for new rows: its embedding of the training rows is saved in the model's state", m.Manifest.Model.Class)}
	}
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("%s has no transform", m.Manifest.Model.Class)}
	}
	X, err := m.Pipeline.TransformSteps(X)
	if err != nil {
		return nil, err
	}
	return t.Transform(X)
}

// Transforms reports whether the model's final estimator transforms rows
// rather than predicting one value per row (PCA).
func (m *Model) Transforms() bool {
	if m.Pipeline == nil {
		return false
	}
	_, pred := m.Pipeline.Final.(ml.Predictor)
	_, tr := m.Pipeline.Final.(ml.Transformer)
	return tr && !pred
}
