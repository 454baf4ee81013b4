package train

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
)

// checkModelShape is Check's part for the hyperparameters that must fit
// the training data, where Check knows the data before any work: an
// integer max_features above the number of feature columns the model
// sees (known from the CSV header or the built-in table, when no
// preprocessing step can change it), and a class_weight naming a class
// the training table does not have, in the params, a grid or a curve
// (checkClassWeights, classweight.go: a built-in table's classes are
// known; a CSV file's are checked when it is read, before the fit). The
// fits refuse both as well; this names them before the data is read.
func (p *Plan) checkModelShape(c *problems, frame *data.Frame, cols []string) {
	s := p.spec
	p.checkClassWeights(c, frame) // classweight.go
	if len(s.Model.Params) == 0 || precomputedParam(s) != "" {
		return
	}
	var params map[string]json.RawMessage
	if json.Unmarshal(s.Model.Params, &params) != nil {
		return
	}
	skip := []string{s.Data.SampleWeight}
	if g, _ := p.groupsColumn(); g != "" {
		skip = append(skip, g)
	}
	var features []string
	switch {
	case frame != nil:
		features = frame.Features
	case len(cols) >= 2:
		target := s.Data.Target
		if target == "" {
			target = cols[len(cols)-1]
		}
		for _, n := range cols {
			if n != target {
				features = append(features, n)
			}
		}
	}
	nf := 0
	for _, n := range features {
		if !slices.Contains(skip, n) {
			nf++
		}
	}
	if raw, ok := params["max_features"]; ok && nf > 0 && len(s.Preprocess) == 0 {
		t := strings.TrimSpace(string(raw))
		if n, err := strconv.Atoi(t); err == nil && n > nf {
			c.add("model.params.max_features", fmt.Sprintf("is %d but the training data has %d feature columns; it must be at most %d (or a fraction in (0, 1], \"sqrt\" or \"log2\")", n, nf, nf))
		}
	}
}
