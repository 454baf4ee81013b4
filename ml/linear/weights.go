package linear

import (
	"context"
	"math"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// rescaleWeighted returns scikit-learn's _preprocess_data and
// _rescale_data with sample weights w: X and y centred on their weighted
// means (when fitIntercept) and each row scaled by √w_i, with the means.
// A least-squares problem on the result without an intercept is the
// weighted problem; its intercept is yMean - xMean·coef.
func rescaleWeighted(X *mat.Dense, y, w []float64, fitIntercept bool) (Xs *mat.Dense, ys, xMean []float64, yMean float64) {
	n, p := X.Dims()
	xMean = make([]float64, p)
	if fitIntercept {
		tot := 0.0
		for i := 0; i < n; i++ {
			row := X.RawRowView(i)
			for j, v := range row {
				xMean[j] += w[i] * v
			}
			yMean += w[i] * y[i]
			tot += w[i]
		}
		for j := range xMean {
			xMean[j] /= tot
		}
		yMean /= tot
	}
	data := make([]float64, n*p)
	ys = make([]float64, n)
	for i := 0; i < n; i++ {
		s := math.Sqrt(w[i])
		row := X.RawRowView(i)
		dst := data[i*p : i*p+p]
		for j, v := range row {
			dst[j] = (v - xMean[j]) * s
		}
		ys[i] = (y[i] - yMean) * s
	}
	if n == 0 || p == 0 {
		return &mat.Dense{}, ys, xMean, yMean
	}
	return mat.NewDense(n, p, data), ys, xMean, yMean
}

// checkWeighted checks X, y and w before a weighted fit.
func checkWeighted(X *mat.Dense, y, w []float64) error {
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	n, _ := X.Dims()
	return ml.CheckSampleWeight(w, n)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): X and y are centred on their
// weighted means and their rows scaled by √w, so rank and singular values
// are those of the scaled X, as in scikit-learn.
func (m *LinearRegression) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if w == nil {
		return m.Fit(ctx, X, y)
	}
	return fitRescaled(ctx, X, y, w, &m.FitIntercept, m.Fit, &m.coef, &m.intercept)
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): the weighted centring and √w
// row scaling of _rescale_data, then the same solvers.
func (m *Ridge) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if w == nil {
		return m.Fit(ctx, X, y)
	}
	return fitRescaled(ctx, X, y, w, &m.FitIntercept, m.Fit, &m.coef, &m.intercept)
}

// fitRescaled fits weighted data through an estimator's unweighted fit:
// X and y centred on their weighted means and their rows scaled by √w
// (_rescale_data), the fit made without an intercept, and the intercept
// then recovered from the weighted means.
func fitRescaled(ctx context.Context, X *mat.Dense, y, w []float64, fitIntercept *bool, fit func(context.Context, *mat.Dense, []float64) error, coef *[]float64, intercept *float64) error {
	if err := checkWeighted(X, y, w); err != nil {
		return err
	}
	fi := *fitIntercept
	Xs, ys, xMean, yMean := rescaleWeighted(X, y, w, fi)
	*fitIntercept = false
	err := fit(ctx, Xs, ys)
	*fitIntercept = fi
	if err != nil {
		return err
	}
	if fi {
		*intercept = interceptOf(xMean, yMean, *coef)
	}
	return nil
}

// normalizedWeights returns w scaled to sum to len(w), as scikit-learn's
// ElasticNet.fit rescales sample_weight so that alpha keeps its meaning.
func normalizedWeights(w []float64) []float64 {
	tot := 0.0
	for _, v := range w {
		tot += v
	}
	out := make([]float64, len(w))
	for i, v := range w {
		out[i] = v * float64(len(w)) / tot
	}
	return out
}

// fitWeighted is enetFit.fit with sample weights: scaled to sum to
// n_samples, then weighted centring and √w row scaling (_pre_fit).
func (f *enetFit) fitWeighted(ctx context.Context, name string, X *mat.Dense, y, w []float64, prm enetParams) error {
	if err := checkWeighted(X, y, w); err != nil {
		return err
	}
	Xs, ys, xMean, yMean := rescaleWeighted(X, y, normalizedWeights(w), prm.fitIntercept)
	fi := prm.fitIntercept
	prm.fitIntercept = false
	if err := f.fit(ctx, name, Xs, ys, prm); err != nil {
		return err
	}
	if fi {
		f.intercept = interceptOf(xMean, yMean, f.coef)
	}
	return nil
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// scikit-learn's fit(X, y, sample_weight): the weights are scaled to sum
// to n_samples and the rows of the weighted-centred data by √w.
func (m *ElasticNet) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if w == nil {
		return m.Fit(ctx, X, y)
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.enetFit.fitWeighted(ctx, "ElasticNet", X, y, w, enetParams{m.Alpha, m.L1Ratio, m.FitIntercept, m.MaxIter, m.Tol, m.Positive, m.Selection, m.RandomState})
}

// FitWeighted is Fit with a weight per sample (nil for unit weights), as
// ElasticNet's.
func (m *Lasso) FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error {
	if w == nil {
		return m.Fit(ctx, X, y)
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	return m.enetFit.fitWeighted(ctx, "Lasso", X, y, w, enetParams{m.Alpha, 1, m.FitIntercept, m.MaxIter, m.Tol, m.Positive, m.Selection, m.RandomState})
}
