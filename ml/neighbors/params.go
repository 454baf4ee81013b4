package neighbors

import (
	"fmt"
	"strconv"

	"github.com/mlforge/mlforge/ml"
)

// Params are the hyperparameters of KNeighborsClassifier and
// KNeighborsRegressor, declared once and embedded in both.
type Params struct {
	// NNeighbors is the number of neighbours that vote (classifier) or are
	// averaged (regressor).
	NNeighbors int `json:"n_neighbors" min:"1" help:"number of neighbours that vote or are averaged"`
	// Weights is "uniform" (every neighbour counts 1) or "distance" (a
	// neighbour weighs 1/distance; a query at distance 0 from training
	// points takes only those points).
	Weights string `json:"weights" enum:"uniform,distance" help:"uniform: equal weights; distance: weighted by 1/distance"`
	// Algorithm selects the search: "brute", "kd_tree", or "auto" (brute
	// force above 15 features, when n_neighbors ≥ n_samples/2 or when p < 1,
	// else kd_tree). "ball_tree" is accepted and uses the k-d tree: both
	// searches are exact, so the neighbours are the same.
	Algorithm string `json:"algorithm" enum:"auto,ball_tree,kd_tree,brute" help:"neighbour search: auto, brute, kd_tree (ball_tree runs the k-d tree)"`
	// LeafSize is the largest number of points in a k-d tree leaf before it is
	// split (leaves hold leaf_size to 2·leaf_size points).
	LeafSize int `json:"leaf_size" min:"1" help:"k-d tree leaf size"`
	// P is the Minkowski exponent: 1 manhattan, 2 euclidean, any other
	// p > 0 the general Minkowski distance (p < 1 with brute force only).
	P float64 `json:"p" gt:"0" help:"Minkowski exponent: 1 manhattan, 2 euclidean"`
	// Metric is "minkowski" (with P), or "euclidean" or "manhattan", which
	// fix p at 2 and 1.
	Metric string `json:"metric" enum:"minkowski,euclidean,manhattan,precomputed" help:"distance: minkowski with p, euclidean or manhattan, or precomputed (X is the distances: n_samples × n_samples at fit, queries × training points at predict)"`
	// NJobs is the number of goroutines that answer queries: null (0) or -1
	// for runtime.GOMAXPROCS, -2 for one fewer, and so on.
	NJobs int `json:"n_jobs" nullable:"true" help:"goroutines for queries: null or -1 for all processors"`
}

// defaultParams returns scikit-learn's defaults: 5 neighbours, uniform
// weights, algorithm "auto", leaf_size 30, p 2, metric "minkowski".
func defaultParams() Params {
	return Params{NNeighbors: 5, Weights: "uniform", Algorithm: "auto", LeafSize: 30, P: 2, Metric: "minkowski"}
}

// effectiveP returns the Minkowski exponent that metric and p select:
// "euclidean" is p = 2 and "manhattan" p = 1 whatever p says, as in
// scikit-learn.
func (c *Params) effectiveP() float64 {
	switch c.Metric {
	case "euclidean":
		return 2
	case "manhattan":
		return 1
	}
	return c.P
}

// validate checks the rules the struct tags cannot express.
func (c *Params) validate() error {
	if c.Metric == "precomputed" && c.Algorithm != "auto" && c.Algorithm != "brute" {
		return &ml.ParamError{Param: "algorithm", Msg: fmt.Sprintf("metric=\"precomputed\" reads the distances as given (brute force); algorithm=%q builds a tree over feature vectors: use \"auto\" or \"brute\"", c.Algorithm)}
	}
	if p := c.effectiveP(); p < 1 && (c.Algorithm == "kd_tree" || c.Algorithm == "ball_tree") {
		return &ml.ParamError{Param: "p", Msg: fmt.Sprintf("algorithm=%q does not support 0 < p < 1 for the Minkowski metric (got p = %s): set p >= 1 or algorithm=\"brute\"", c.Algorithm, strconv.FormatFloat(p, 'g', -1, 64))}
	}
	return nil
}
