package spec

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mlforge/mlforge/ml"
)

// ValidationCurve is scikit-learn's validation_curve as a run: for each
// value of one parameter (a search key, such as "model__C"), the pipeline is
// cross-validated on the training part and its mean training and test
// scores become the series validation_curve_train_score and
// validation_curve_test_score (one point per value). The run then fits and
// tests the spec's pipeline as usual.
type ValidationCurve struct {
	ParamName  string            `json:"param_name"`
	ParamRange []json.RawMessage `json:"param_range"`
	// CV defaults to 5 and Scoring to accuracy or r2, as in a search.
	CV      *CV    `json:"cv,omitempty"`
	Scoring string `json:"scoring,omitempty"`
}

// LearningCurve is scikit-learn's learning_curve as a run: for each
// training size, the pipeline is fitted on the first rows of each fold's
// training part (shuffled with shuffle) and scored on them and on the
// fold's test part; the means become the series learning_curve_train_score
// and learning_curve_test_score, stepped by the number of training rows.
type LearningCurve struct {
	// TrainSizes are fractions of the largest training fold when every
	// one is at most 1, else numbers of rows; Validate fills in
	// scikit-learn's linspace(0.1, 1.0, 5).
	TrainSizes []float64 `json:"train_sizes,omitempty"`
	CV         *CV       `json:"cv,omitempty"`
	Scoring    string    `json:"scoring,omitempty"`
	Shuffle    bool      `json:"shuffle,omitempty"`
	// RandomState seeds the shuffle; nil means the spec's seed.
	RandomState *int64 `json:"random_state,omitempty"`
}

var (
	validationCurveKeys = []string{"param_name", "param_range", "cv", "scoring"}
	learningCurveKeys   = []string{"train_sizes", "cv", "scoring", "shuffle", "random_state"}
)

func (d *decoder) validationCurve(n *node, path string) *ValidationCurve {
	if n == nil || n.kind == kindNull {
		return nil
	}
	m, ok := d.fields(n, path, `an object such as {"param_name": "model__C", "param_range": [0.1, 1, 10]}`, validationCurveKeys, nil)
	if !ok {
		return nil
	}
	v := &ValidationCurve{}
	if x := m["param_name"]; x != nil {
		v.ParamName = d.str(x, joinKey(path, "param_name"))
	}
	if x := m["param_range"]; x != nil {
		if x.kind != kindArray {
			d.add(x, joinKey(path, "param_range"), "expected a list of values such as [0.1, 1, 10], got "+got(x))
		} else {
			v.ParamRange = make([]json.RawMessage, len(x.elems))
			for i, e := range x.elems {
				v.ParamRange[i] = d.raw(e)
			}
		}
	}
	v.CV = d.cv(m["cv"], joinKey(path, "cv"))
	if x := m["scoring"]; x != nil {
		v.Scoring = d.str(x, joinKey(path, "scoring"))
	}
	return v
}

func (d *decoder) learningCurve(n *node, path string) *LearningCurve {
	if n == nil || n.kind == kindNull {
		return nil
	}
	m, ok := d.fields(n, path, `an object such as {"train_sizes": [0.1, 0.5, 1.0], "cv": 5}`, learningCurveKeys, nil)
	if !ok {
		return nil
	}
	l := &LearningCurve{}
	if x := m["train_sizes"]; x != nil {
		if x.kind != kindArray {
			d.add(x, joinKey(path, "train_sizes"), "expected a list of fractions or numbers of rows such as [0.1, 0.5, 1.0], got "+got(x))
		} else if len(x.elems) > 0 {
			l.TrainSizes = make([]float64, len(x.elems))
			for i, e := range x.elems {
				l.TrainSizes[i] = d.number(e, joinIndex(joinKey(path, "train_sizes"), i))
			}
		}
	}
	l.CV = d.cv(m["cv"], joinKey(path, "cv"))
	if x := m["scoring"]; x != nil {
		l.Scoring = d.str(x, joinKey(path, "scoring"))
	}
	if x := m["shuffle"]; x != nil {
		if x.kind != kindBool {
			d.add(x, joinKey(path, "shuffle"), "expected true or false, got "+got(x))
		} else {
			l.Shuffle = x.boolean
		}
	}
	if x := m["random_state"]; x != nil && x.kind != kindNull {
		r := d.integer(x, joinKey(path, "random_state"))
		l.RandomState = &r
	}
	return l
}

// checkScoring checks a scoring at path and fills in the task's default.
func checkScoring(c *errs, path string, scoring *string, task ml.Task, class string) {
	if *scoring == "" {
		switch task {
		case ml.Classification:
			*scoring = "accuracy"
		case ml.Regression:
			*scoring = "r2"
		}
		return
	}
	if m, _, err := Scorer(*scoring); err != nil {
		c.add(path, err.Error())
	} else if task != "" && m.Task != task {
		c.add(path, fmt.Sprintf("%s is a %s metric but %s is a %s", quote(*scoring), m.Task, class, taskNoun(task)))
	}
}

// validateCurves checks validation_curve and learning_curve.
func (s *Spec) validateCurves(c *errs, task ml.Task) {
	if v := s.ValidationCurve; v != nil {
		if v.ParamName == "" {
			c.add("validation_curve.param_name", `required: the parameter to vary, such as "model__C"`)
		} else if len(v.ParamRange) == 0 {
			c.add("validation_curve.param_range", "required: a non-empty list of values")
		} else {
			s.checkGridKey(c, "validation_curve.param_range", v.ParamName, Values{List: v.ParamRange})
		}
		if v.CV == nil {
			v.CV = &CV{N: 5}
		}
		checkCV(c, "validation_curve.cv", v.CV, task)
		checkScoring(c, "validation_curve.scoring", &v.Scoring, task, s.Model.Class)
	}
	if l := s.LearningCurve; l != nil {
		if len(l.TrainSizes) == 0 {
			l.TrainSizes = []float64{0.1, 0.325, 0.55, 0.775, 1.0}
		}
		fractions := true
		for _, v := range l.TrainSizes {
			fractions = fractions && v <= 1
		}
		for i, v := range l.TrainSizes {
			p := joinIndex("learning_curve.train_sizes", i)
			switch {
			case v <= 0:
				c.add(p, fmt.Sprintf("expected a fraction in (0, 1] or a number of rows ≥ 1, got %v", v))
			case !fractions && v != math.Trunc(v):
				c.add(p, fmt.Sprintf("expected a whole number of rows (the list holds a size above 1, so its sizes are numbers of rows), got %v", v))
			}
		}
		if l.CV == nil {
			l.CV = &CV{N: 5}
		}
		checkCV(c, "learning_curve.cv", l.CV, task)
		checkScoring(c, "learning_curve.scoring", &l.Scoring, task, s.Model.Class)
		if l.RandomState == nil {
			r := s.Seed
			l.RandomState = &r
		} else if *l.RandomState < 0 || *l.RandomState > 1<<32-1 {
			c.add("learning_curve.random_state", fmt.Sprintf("expected an integer in [0, 4294967295], got %d", *l.RandomState))
		}
	}
}
