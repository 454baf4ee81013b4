package neighbors

import (
	"fmt"
	"strconv"

	"github.com/mlforge/mlforge/ml"
)

// params is the hyperparameter set shared by both estimators.
type params struct {
	nNeighbors int
	weights    string
	algorithm  string
	leafSize   int
	p          float64
	metric     string
	nJobs      int
}

// effectiveP returns the Minkowski exponent that metric and p select:
// "euclidean" is p = 2 and "manhattan" p = 1 whatever p says, as in
// scikit-learn.
func (c params) effectiveP() float64 {
	switch c.metric {
	case "euclidean":
		return 2
	case "manhattan":
		return 1
	}
	return c.p
}

// validate checks the rules the struct tags cannot express.
func (c params) validate() error {
	if p := c.effectiveP(); p < 1 && (c.algorithm == "kd_tree" || c.algorithm == "ball_tree") {
		return &ml.ParamError{Param: "p", Msg: fmt.Sprintf("algorithm=%q does not support 0 < p < 1 for the Minkowski metric (got p = %s): set p >= 1 or algorithm=\"brute\"", c.algorithm, strconv.FormatFloat(p, 'g', -1, 64))}
	}
	return nil
}
