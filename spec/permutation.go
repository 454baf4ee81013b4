package spec

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
)

// MaxPermutationRepeats bounds permutation_importance.n_repeats.
const MaxPermutationRepeats = 1000

// PermutationImportance is scikit-learn's permutation_importance as a step
// of a run: once the pipeline is fitted, each feature column of the test
// part is shuffled n_repeats times and the decrease of the score is the
// feature's importance (mean and std over the repeats).
type PermutationImportance struct {
	// NRepeats is the number of shuffles per feature; Validate fills in 5.
	NRepeats int `json:"n_repeats"`
	// RandomState seeds the shuffles as numpy's RandomState does; nil
	// means the spec's seed (Validate fills it in).
	RandomState *int64 `json:"random_state,omitempty"`
	// Scoring is a metric name (or "neg_" and the name of one where lower
	// is better); Validate fills in accuracy or r2.
	Scoring string `json:"scoring"`
	// MaxSamples is the number of test rows drawn (without replacement)
	// for each feature: a fraction in (0, 1] of the test rows, or a
	// whole number of rows above 1. Validate fills in 1 (every row).
	MaxSamples float64 `json:"max_samples"`

	// set says which of n_repeats and max_samples the spec gave, so that
	// an explicit 0 is refused rather than defaulted.
	repeatsSet, samplesSet bool
}

var permutationKeys = []string{"n_repeats", "random_state", "scoring", "max_samples"}

func (d *decoder) permutationImportance(n *node, path string) *PermutationImportance {
	if n == nil || n.kind == kindNull {
		return nil
	}
	m, ok := d.fields(n, path, `an object such as {"n_repeats": 10, "random_state": 0, "scoring": "accuracy"}`, permutationKeys, nil)
	if !ok {
		return nil
	}
	p := &PermutationImportance{}
	if x := m["n_repeats"]; x != nil {
		p.NRepeats = int(max(min(d.integer(x, joinKey(path, "n_repeats")), math.MaxInt32), math.MinInt32))
		p.repeatsSet = true
	}
	if x := m["random_state"]; x != nil && x.kind != kindNull {
		r := d.integer(x, joinKey(path, "random_state"))
		p.RandomState = &r
	}
	if x := m["scoring"]; x != nil {
		p.Scoring = d.str(x, joinKey(path, "scoring"))
	}
	if x := m["max_samples"]; x != nil {
		p.MaxSamples = d.number(x, joinKey(path, "max_samples"))
		p.samplesSet = true
	}
	return p
}

// validatePermutation checks permutation_importance and fills in its
// defaults.
func (s *Spec) validatePermutation(c *errs, task ml.Task) {
	p := s.PermutationImportance
	if p == nil {
		return
	}
	const path = "permutation_importance"
	if s.IsNetwork() {
		c.add(path, "applies to classic estimators (model.class)")
		return
	}
	if task != "" && task != ml.Classification && task != ml.Regression {
		c.add(path, fmt.Sprintf("applies to classifiers and regressors, which are scored on the test part; %s is a %s", s.Model.Class, taskNoun(task)))
		return
	}
	switch {
	case p.NRepeats == 0 && !p.repeatsSet:
		p.NRepeats = 5
	case p.NRepeats < 1 || p.NRepeats > MaxPermutationRepeats:
		c.add(path+".n_repeats", fmt.Sprintf("expected an integer in [1, %d], got %d", MaxPermutationRepeats, p.NRepeats))
	}
	switch {
	case p.MaxSamples == 0 && !p.samplesSet:
		p.MaxSamples = 1
	case p.MaxSamples <= 0:
		c.add(path+".max_samples", fmt.Sprintf("expected a fraction in (0, 1] of the test rows or a whole number of rows, got %v", p.MaxSamples))
	case p.MaxSamples > 1 && p.MaxSamples != math.Trunc(p.MaxSamples):
		c.add(path+".max_samples", fmt.Sprintf("expected a whole number of rows (above 1 it counts rows), got %v", p.MaxSamples))
	}
	if p.RandomState == nil {
		r := s.Seed
		p.RandomState = &r
	} else if *p.RandomState < 0 || *p.RandomState > 1<<32-1 {
		c.add(path+".random_state", fmt.Sprintf("expected an integer in [0, 4294967295], got %d", *p.RandomState))
	}
	checkScoring(c, path+".scoring", &p.Scoring, task, s.Model.Class)
	// With data.sample_weight the scorer gets the test rows' weights, as
	// scikit-learn's permutation_importance(sample_weight=...) passes them:
	// the metric must take them.
	if s.Data.SampleWeight != "" && p.Scoring != "" {
		if m, _, err := Scorer(p.Scoring); err == nil && !slices.Contains(metrics.WeightedNames(), m.Name) {
			var same []string // the weighted metrics of the same task
			for _, n := range metrics.WeightedNames() {
				if w, err := metrics.Lookup(n); err == nil && w.Task == m.Task {
					same = append(same, n)
				}
			}
			c.add(path+".scoring", fmt.Sprintf("%s does not take sample weights, and data.sample_weight weighs the test rows it scores; use one of %s", p.Scoring, strings.Join(same, ", ")))
		}
	}
}
