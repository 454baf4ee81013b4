package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/param"
)

// CV is a cross-validation, as scikit-learn's cv argument: a number of
// folds ("cv": 5, scikit-learn's default splitter for the task:
// StratifiedKFold for a classifier, KFold for a regressor) or a
// cross-validator of ml/modelselection with its parameters beside the
// type:
//
//	"cv": {"type": "StratifiedKFold", "n_splits": 5, "shuffle": true, "random_state": 0}
//
// At the top of a spec it makes the run cross-validate the pipeline on the
// training part (cross_validate) before fitting it as usual; in a search it
// is the search's cv.
type CV struct {
	// Type is the cross-validator's class name; empty when N is set.
	Type string
	// Params is a JSON object of the cross-validator's parameters.
	Params json.RawMessage
	// N is the number of folds of "cv": N.
	N int
	// Groups names the column of group labels a GroupKFold keeps together
	// ("groups" beside the type); the run leaves it out of the features.
	Groups string
	// MaxParallel ("max_parallel" beside the type, top-level cv only) is
	// how many folds the service trains at once as child runs of the run
	// (0: DefaultMaxParallel). The command line ignores it.
	MaxParallel int
}

// DefaultMaxParallel is how many trials (candidates, folds) of a search
// or cross-validation the service trains at once when the spec does not
// say (max_parallel); MaxParallel is the most it takes.
const (
	DefaultMaxParallel = 8
	MaxParallel        = 1000
)

// Splitter returns the class name and parameters of the cross-validator
// for a model of task t.
func (c *CV) Splitter(t ml.Task) (string, json.RawMessage) {
	if c.Type != "" {
		return c.Type, c.Params
	}
	p := json.RawMessage(`{"n_splits":` + strconv.Itoa(c.N) + `}`)
	if t == ml.Classification {
		return "StratifiedKFold", p
	}
	return "KFold", p
}

// MarshalJSON writes c as written in a spec: a number or an object.
func (c CV) MarshalJSON() ([]byte, error) {
	if c.Type == "" {
		return []byte(strconv.Itoa(c.N)), nil
	}
	b, err := Step{Type: c.Type, Params: c.Params}.MarshalJSON()
	if err != nil {
		return b, err
	}
	if c.Groups != "" {
		g, _ := json.Marshal(c.Groups)
		b = append(append(append(b[:len(b)-1], `,"groups":`...), g...), '}')
	}
	if c.MaxParallel != 0 {
		b = append(append(b[:len(b)-1], `,"max_parallel":`+strconv.Itoa(c.MaxParallel)...), '}')
	}
	return b, nil
}

// UnmarshalJSON reads c from a number or an object.
func (c *CV) UnmarshalJSON(b []byte) error {
	n, err := parseJSON(b)
	if err != nil {
		return err
	}
	d := &decoder{src: b}
	if v := d.cv(n, ""); v != nil {
		*c = *v
	}
	return d.err()
}

// Search is a hyperparameter search, as scikit-learn's GridSearchCV,
// RandomizedSearchCV and HalvingGridSearchCV: every candidate of the grid
// (or n_iter draws from the distributions, or the survivors of each halving
// iteration on growing subsamples) is cross-validated on the training part,
// ranked by scoring, and with refit the best candidate's pipeline is fitted
// on the whole training part and saved.
//
// A key names a parameter of the model ("C", "model__C" or
// "LogisticRegression__C") or of a preprocessing step by its type
// ("StandardScaler__with_mean", in any letter case); its value is a list of
// values, or for RandomizedSearchCV a distribution
// {"type": "uniform" | "loguniform" | "randint", ...} (scipy.stats').
//
// A network spec's keys are paths in the spec instead ("optimizer.lr",
// "batch_size", "model.layers[2].out_features"; netsearch.go); each
// candidate is trained on each fold of search.cv, or without it once on a
// hold-out split of the training part (a single split). A
// HalvingGridSearchCV over a network halves the number of training
// samples, as scikit-learn's default resource="n_samples" does.
type Search struct {
	// Type is "GridSearchCV", "RandomizedSearchCV" or "HalvingGridSearchCV".
	Type string `json:"type"`
	// ParamGrid is GridSearchCV's grid: one or more grids, each mapping a
	// key to its values; the candidates are the union of each grid's
	// products.
	ParamGrid []Grid `json:"param_grid,omitempty"`
	// ParamDistributions is RandomizedSearchCV's: keys to lists or
	// distributions.
	ParamDistributions []Grid `json:"param_distributions,omitempty"`
	// NIter is the number of candidates RandomizedSearchCV draws; Validate
	// fills in 10.
	NIter int `json:"n_iter,omitempty"`
	// CV is the cross-validation of each candidate; Validate fills in 5
	// (scikit-learn's default).
	CV *CV `json:"cv,omitempty"`
	// Scoring is the metric that ranks the candidates, a metric of the
	// task or scikit-learn's "neg_" scorer of an error; Validate fills in
	// accuracy for a classifier and r2 for a regressor (the estimators'
	// score).
	Scoring string `json:"scoring,omitempty"`
	// Refit fits the best candidate on the whole training part (the model
	// the run saves). Nil means true; false is refused, since a run saves
	// a model.
	Refit *bool `json:"refit,omitempty"`
	// RandomState seeds RandomizedSearchCV's draws and
	// HalvingGridSearchCV's subsamples (numpy's RandomState); nil means the
	// spec's seed.
	RandomState *int64 `json:"random_state,omitempty"`
	// MaxParallel is how many candidates the service trains at once as
	// child runs of the run (0: DefaultMaxParallel); the command line
	// ignores it.
	MaxParallel int `json:"max_parallel,omitempty"`
	// ErrorScore is what a candidate scores when its fit or its scoring
	// fails (scikit-learn's error_score): nil is NaN, the default (the
	// candidate ranks last, the failure is logged and the search goes on),
	// "raise" stops the search with the error, a number is the score of
	// each of its folds. When every candidate fails the run fails.
	ErrorScore *ErrorScore `json:"error_score,omitempty"`

	// HalvingGridSearchCV's successive halving over the number of rows:
	// Factor (3) is the elimination rate, MinResources "exhaust" (the
	// default), "smallest" or a number of rows for the first iteration,
	// MaxResources "auto" (every row, the default) or a number of rows;
	// AggressiveElimination runs the iterations needed to end with fewer
	// than Factor candidates even when the rows run out.
	Factor                float64    `json:"factor,omitempty"`
	MinResources          *Resources `json:"min_resources,omitempty"`
	MaxResources          *Resources `json:"max_resources,omitempty"`
	AggressiveElimination bool       `json:"aggressive_elimination,omitempty"`
}

// ErrorScore is a search's error_score other than NaN: "raise", or a
// number.
type ErrorScore struct {
	Raise bool
	Value float64
}

// MarshalJSON writes "raise" or the number.
func (e ErrorScore) MarshalJSON() ([]byte, error) {
	if e.Raise {
		return []byte(`"raise"`), nil
	}
	return json.Marshal(e.Value)
}

// String is error_score as scikit-learn writes it: raise, nan or the
// number.
func (e *ErrorScore) String() string {
	switch {
	case e == nil:
		return "nan"
	case e.Raise:
		return "raise"
	}
	return strconv.FormatFloat(e.Value, 'g', -1, 64)
}

// Resources is a number of rows or a named rule ("exhaust", "smallest",
// "auto").
type Resources struct {
	Rule string
	N    int
}

// MarshalJSON writes the rule or the number.
func (r Resources) MarshalJSON() ([]byte, error) {
	if r.Rule != "" {
		return json.Marshal(r.Rule)
	}
	return json.Marshal(r.N)
}

// Grid maps parameter keys to their values (a list) or, in
// param_distributions, a distribution.
type Grid map[string]Values

// Values are the values a search tries for one key: a list, or a
// distribution to draw from.
type Values struct {
	// List holds the values as JSON.
	List []json.RawMessage
	// Dist is a distribution, {"type": "uniform", "loc": 0, "scale": 1}
	// written as such.
	Dist *Distribution
}

// Distribution is a scipy.stats distribution a RandomizedSearchCV draws a
// parameter from: uniform(loc, scale) on [loc, loc+scale], loguniform(a,
// b) on [a, b], randint(low, high) on the integers in [low, high).
type Distribution struct {
	Type string  `json:"type"`
	Loc  float64 `json:"loc,omitempty"`
	// Scale defaults to 1 for uniform.
	Scale float64 `json:"scale,omitempty"`
	A     float64 `json:"a,omitempty"`
	B     float64 `json:"b,omitempty"`
	Low   int64   `json:"low,omitempty"`
	High  int64   `json:"high,omitempty"`
}

// MarshalJSON writes the distribution with its type's keys only.
func (d Distribution) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": d.Type}
	switch d.Type {
	case "uniform":
		m["loc"], m["scale"] = d.Loc, d.Scale
	case "loguniform":
		m["a"], m["b"] = d.A, d.B
	case "randint":
		m["low"], m["high"] = d.Low, d.High
	}
	return json.Marshal(m)
}

// MarshalJSON writes a list or a distribution.
func (v Values) MarshalJSON() ([]byte, error) {
	if v.Dist != nil {
		return json.Marshal(v.Dist)
	}
	if v.List == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(v.List)
}

var (
	searchKeys = []string{"type", "param_grid", "param_distributions", "n_iter", "cv", "scoring", "refit", "random_state",
		"factor", "min_resources", "max_resources", "aggressive_elimination", "max_parallel", "error_score"}
	distKeys = map[string][]string{"uniform": {"loc", "scale"}, "loguniform": {"a", "b"}, "randint": {"low", "high"}}
)

// SearchTypes are the searches a spec can ask for.
var SearchTypes = []string{"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV"}

// cv reads "cv": a number of folds or a cross-validator object.
func (d *decoder) cv(n *node, path string) *CV {
	const eg = `a number of folds or {"type": "KFold", "n_splits": 5}`
	switch {
	case n == nil || n.kind == kindNull:
		return nil
	case n.kind == kindNumber:
		return &CV{N: int(d.integer(n, path))}
	case n.kind == kindObject:
		// "groups" is the spec's (a column), the rest the splitter's.
		rest := *n
		rest.members = nil
		var groups string
		maxPar := 0
		for _, mem := range n.members {
			if mem.key == "max_parallel" {
				maxPar = int(d.integer(mem.val, joinKey(path, "max_parallel")))
				continue
			}
			if mem.key == "groups" {
				if groups = d.str(mem.val, joinKey(path, "groups")); groups == "" && mem.val.kind == kindString {
					d.add(mem.val, joinKey(path, "groups"), "expected the name of the column of group labels, got \"\"")
				}
				continue
			}
			rest.members = append(rest.members, mem)
		}
		st := d.step(&rest, path)
		if st.Type == "" {
			d.add(n, joinKey(path, "type"), "required: a cross-validator such as \"KFold\"")
		}
		return &CV{Type: st.Type, Params: st.Params, Groups: groups, MaxParallel: maxPar}
	}
	d.add(n, path, "expected "+eg+", got "+got(n))
	return nil
}

// search reads "search".
func (d *decoder) search(n *node, path string) *Search {
	if n == nil || n.kind == kindNull {
		return nil
	}
	m, ok := d.fields(n, path, `an object such as {"type": "GridSearchCV", "param_grid": {"C": [0.1, 1, 10]}}`, searchKeys, nil)
	if !ok {
		return nil
	}
	s := &Search{}
	if v := m["type"]; v != nil {
		s.Type = d.str(v, joinKey(path, "type"))
	}
	if v := m["param_grid"]; v != nil {
		s.ParamGrid = d.grids(v, joinKey(path, "param_grid"), false)
	}
	if v := m["param_distributions"]; v != nil {
		s.ParamDistributions = d.grids(v, joinKey(path, "param_distributions"), true)
	}
	if v := m["n_iter"]; v != nil {
		s.NIter = int(d.integer(v, joinKey(path, "n_iter")))
	}
	if v := m["cv"]; v != nil {
		s.CV = d.cv(v, joinKey(path, "cv"))
	}
	if v := m["scoring"]; v != nil {
		s.Scoring = d.str(v, joinKey(path, "scoring"))
	}
	if v := m["refit"]; v != nil {
		if v.kind != kindBool {
			d.add(v, joinKey(path, "refit"), "expected true or false, got "+got(v))
		} else {
			b := v.boolean
			s.Refit = &b
		}
	}
	if v := m["random_state"]; v != nil && v.kind != kindNull {
		r := d.integer(v, joinKey(path, "random_state"))
		s.RandomState = &r
	}
	if v := m["factor"]; v != nil {
		s.Factor = d.number(v, joinKey(path, "factor"))
	}
	if v := m["max_parallel"]; v != nil {
		s.MaxParallel = int(d.integer(v, joinKey(path, "max_parallel")))
	}
	if v := m["error_score"]; v != nil {
		switch {
		case v.kind == kindNull || v.kind == kindString && v.str == "nan":
		case v.kind == kindString && v.str == "raise":
			s.ErrorScore = &ErrorScore{Raise: true}
		case v.kind == kindNumber:
			s.ErrorScore = &ErrorScore{Value: d.number(v, joinKey(path, "error_score"))}
		default:
			d.add(v, joinKey(path, "error_score"), `expected "raise", "nan" or a number (scikit-learn's error_score: what a candidate whose fit fails scores), got `+got(v))
		}
	}
	for _, k := range []struct {
		key   string
		dst   **Resources
		rules []string
	}{{"min_resources", &s.MinResources, []string{"exhaust", "smallest"}}, {"max_resources", &s.MaxResources, []string{"auto"}}} {
		v := m[k.key]
		switch {
		case v == nil || v.kind == kindNull:
		case v.kind == kindString && contains(k.rules, v.str):
			*k.dst = &Resources{Rule: v.str}
		case v.kind == kindNumber:
			*k.dst = &Resources{N: int(d.integer(v, joinKey(path, k.key)))}
		default:
			d.add(v, joinKey(path, k.key), fmt.Sprintf("expected %s or a number of rows, got %s", quoteAll(k.rules), got(v)))
		}
	}
	if v := m["aggressive_elimination"]; v != nil {
		if v.kind != kindBool {
			d.add(v, joinKey(path, "aggressive_elimination"), "expected true or false, got "+got(v))
		} else {
			s.AggressiveElimination = v.boolean
		}
	}
	return s
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return strings.Join(q, " or ")
}

// grids reads one grid or a list of grids.
func (d *decoder) grids(n *node, path string, dists bool) []Grid {
	switch n.kind {
	case kindObject:
		return []Grid{d.grid(n, path, dists)}
	case kindArray:
		out := make([]Grid, len(n.elems))
		for i, e := range n.elems {
			ep := joinIndex(path, i)
			if e.kind != kindObject {
				d.add(e, ep, `expected a grid such as {"C": [0.1, 1, 10]}, got `+got(e))
				continue
			}
			out[i] = d.grid(e, ep, dists)
		}
		return out
	}
	d.add(n, path, `expected a grid such as {"C": [0.1, 1, 10]} or a list of grids, got `+got(n))
	return nil
}

func (d *decoder) grid(n *node, path string, dists bool) Grid {
	g := Grid{}
	for _, mem := range n.members {
		kp := joinKey(path, mem.key)
		if _, dup := g[mem.key]; dup {
			d.add(mem.val, kp, "listed twice")
			continue
		}
		switch {
		case mem.val.kind == kindArray:
			vals := Values{List: make([]json.RawMessage, len(mem.val.elems))}
			for i, e := range mem.val.elems {
				vals.List[i] = d.raw(e)
			}
			g[mem.key] = vals
		case dists && mem.val.kind == kindObject:
			g[mem.key] = Values{Dist: d.dist(mem.val, kp)}
		case dists:
			d.add(mem.val, kp, `expected a list of values or a distribution such as {"type": "loguniform", "a": 0.001, "b": 100}, got `+got(mem.val))
		default:
			d.add(mem.val, kp, "expected a list of values such as [1, 3, 5], got "+got(mem.val))
		}
	}
	return g
}

func (d *decoder) dist(n *node, path string) *Distribution {
	ds := &Distribution{}
	var typ string
	for _, mem := range n.members {
		if mem.key == "type" {
			typ = d.str(mem.val, joinKey(path, "type"))
		}
	}
	known, ok := distKeys[typ]
	if !ok {
		names := []string{"loguniform", "randint", "uniform"}
		d.add(n, joinKey(path, "type"), fmt.Sprintf("expected a distribution, one of %s%s, got %s", strings.Join(names, ", "), suggest.Hint(typ, names), quote(abbrev(typ))))
		return nil
	}
	ds.Type = typ
	if typ == "uniform" {
		ds.Scale = 1
	}
	m, _ := d.fields(n, path, "a distribution", known, []string{"type"})
	for k, v := range m {
		kp := joinKey(path, k)
		switch k {
		case "loc":
			ds.Loc = d.number(v, kp)
		case "scale":
			ds.Scale = d.number(v, kp)
		case "a":
			ds.A = d.number(v, kp)
		case "b":
			ds.B = d.number(v, kp)
		case "low":
			ds.Low = d.integer(v, kp)
		case "high":
			ds.High = d.integer(v, kp)
		}
	}
	return ds
}

// GridTarget says what a search key sets: the index of the preprocessing
// step (-1 for the model) and the parameter's name. The message, when the
// key names no step, says why.
func (s *Spec) GridTarget(key string) (step int, name, msg string) {
	prefix, name, ok := strings.Cut(key, "__")
	if !ok {
		return -1, key, ""
	}
	if strings.EqualFold(prefix, "model") || strings.EqualFold(prefix, s.Model.Class) {
		return -1, name, ""
	}
	step = -2
	var names []string
	for i, st := range s.Preprocess {
		names = append(names, st.Type)
		if strings.EqualFold(prefix, st.Type) {
			if step >= 0 {
				return 0, name, fmt.Sprintf("two preprocessing steps are %s; a search can set a parameter of a step whose type is listed once", st.Type)
			}
			step = i
		}
	}
	if step >= 0 {
		return step, name, ""
	}
	names = append(names, "model", s.Model.Class)
	return 0, name, fmt.Sprintf("%s names no step of the pipeline%s; expected model__PARAM, %s__PARAM or a preprocessing step's type (%s) before \"__\"",
		quote(abbrev(prefix)), suggest.Hint(prefix, names), s.Model.Class, strings.Join(names[:len(names)-2], ", "))
}

// WithParams returns a copy of s whose steps and model have the
// parameters of a search candidate (keys as GridTarget reads them, values
// as JSON) set over their own. The copy shares nothing that the
// candidate changes.
func (s *Spec) WithParams(cand map[string]json.RawMessage) (*Spec, error) {
	c := *s
	c.Preprocess = append([]Step(nil), s.Preprocess...)
	keys := make([]string, 0, len(cand))
	for k := range cand {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		step, name, msg := s.GridTarget(k)
		if msg != "" {
			return nil, errors.New(msg)
		}
		var err error
		if step < 0 {
			c.Model.Params, err = setParam(c.Model.Params, name, cand[k])
		} else {
			c.Preprocess[step].Params, err = setParam(c.Preprocess[step].Params, name, cand[k])
		}
		if err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// setParam returns the JSON object params with name set to v.
func setParam(params json.RawMessage, name string, v json.RawMessage) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if p := bytes.TrimSpace(params); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		if err := json.Unmarshal(p, &obj); err != nil {
			return nil, err
		}
	}
	obj[name] = v
	return json.Marshal(obj)
}

// Scorer returns the metric that ranks a search's candidates and whether
// its values are negated (scikit-learn's "neg_" scorers of errors, so
// that greater is better).
func Scorer(name string) (*metrics.Metric, bool, error) {
	if m, err := metrics.Lookup(name); err == nil {
		return m, !m.GreaterIsBetter, nil
	}
	if base, ok := strings.CutPrefix(name, "neg_"); ok {
		if m, err := metrics.Lookup(base); err == nil && !m.GreaterIsBetter {
			return m, true, nil
		}
	}
	_, err := metrics.Lookup(name)
	return nil, false, err
}

// validateModelSelection checks cv and search once the model's task is
// known, and fills in the search's defaults.
func (s *Spec) validateModelSelection(c *errs, task ml.Task) {
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{{"cv", s.CV != nil}, {"search", s.Search != nil}, {"validation_curve", s.ValidationCurve != nil}, {"learning_curve", s.LearningCurve != nil}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) == 0 {
		return
	}
	if s.IsNetwork() {
		for _, k := range kinds {
			switch {
			case k == "search" && s.IsAutoencoder() || k == "search" && s.IsGAN():
				c.add(k, "applies to classifiers and regressors (model.class or model.layers); an autoencoder or a GAN has no held-out score to rank candidates by")
			case k == "search":
				if len(kinds) > 1 {
					c.add(k, "a run does one of cv, search, validation_curve and learning_curve; this spec also has "+strings.Join(kinds[1:], " and "))
				} else {
					s.validateSearch(c, task)
				}
			default:
				c.add(k, "applies to classic estimators (model.class); a network is trained once on its training part (a search over a network's hyperparameters is \"search\")")
			}
		}
		return
	}
	if task != "" && task != ml.Classification && task != ml.Regression {
		for _, k := range kinds {
			c.add(k, fmt.Sprintf("applies to classifiers and regressors, which are scored on held-out folds; %s is a %s", s.Model.Class, taskNoun(task)))
		}
		return
	}
	if len(kinds) > 1 {
		msg := "a run does one of cv, search, validation_curve and learning_curve; this spec also has " + strings.Join(kinds[1:], " and ")
		if kinds[0] == "cv" && kinds[1] == "search" {
			msg = "a spec with a search cross-validates each candidate with search.cv; leave the top-level cv out"
		}
		c.add(kinds[0], msg)
		return
	}
	s.validateCurves(c, task)
	if s.CV != nil {
		checkCV(c, "cv", s.CV, task)
		checkMaxParallel(c, "cv.max_parallel", s.CV.MaxParallel)
	}
	if s.Search != nil {
		s.validateSearch(c, task)
		checkMaxParallel(c, "search.max_parallel", s.Search.MaxParallel)
		if s.Search.CV != nil && s.Search.CV.MaxParallel != 0 {
			c.add("search.cv.max_parallel", "a search's max_parallel counts candidates: write it in search, beside type")
		}
	}
	const curveMsg = "a curve trains in one run; max_parallel is a search's or a top-level cv's"
	if vc := s.ValidationCurve; vc != nil && vc.CV != nil && vc.CV.MaxParallel != 0 {
		c.add("validation_curve.cv.max_parallel", curveMsg)
	}
	if lc := s.LearningCurve; lc != nil && lc.CV != nil && lc.CV.MaxParallel != 0 {
		c.add("learning_curve.cv.max_parallel", curveMsg)
	}
}

// checkMaxParallel checks a max_parallel at path (0: not given).
func checkMaxParallel(c *errs, path string, n int) {
	if n < 0 || n > MaxParallel {
		c.add(path, fmt.Sprintf("expected how many trials the service trains at once, 1 to %d, got %d", MaxParallel, n))
	}
}

// checkCV checks a cross-validation at path.
func checkCV(c *errs, path string, cv *CV, task ml.Task) {
	if cv.Type == "" {
		if cv.Groups != "" {
			c.add(joinKey(path, "groups"), "GroupKFold takes groups; write {\"type\": \"GroupKFold\", \"n_splits\": 5, \"groups\": COLUMN}")
		}
		if cv.N < 2 {
			c.add(path, fmt.Sprintf("expected a number of folds ≥ 2 or a cross-validator such as {\"type\": \"KFold\", \"n_splits\": 5}, got %d", cv.N))
		}
		return
	}
	name, params := cv.Splitter(task)
	sp, err := modelselection.NewSplitter(name, params)
	var le *param.LookupError
	var pe *param.Error
	switch {
	case errors.As(err, &le):
		c.add(joinKey(path, "type"), fmt.Sprintf("unknown cross-validator %s%s; known: %s", quote(abbrev(name)), le.Hint, strings.Join(modelselection.SplitterNames(), ", ")))
		return
	case errors.As(err, &pe):
		p := path
		if pe.Param != "" && pe.Param != "params" {
			p = joinKey(path, pe.Param)
		}
		c.add(p, paramMsg(err))
		return
	case err != nil:
		c.add(path, err.Error())
		return
	}
	switch {
	case modelselection.IsStratified(sp) && task != "" && task != ml.Classification:
		c.add(joinKey(path, "type"), fmt.Sprintf("%s splits by class labels, but the model is a %s; use KFold or ShuffleSplit", name, taskNoun(task)))
	case modelselection.NeedsGroups(sp) && cv.Groups == "":
		c.add(joinKey(path, "groups"), "required: "+name+" keeps the rows of each group in one fold; name the column of group labels")
	case !modelselection.NeedsGroups(sp) && cv.Groups != "":
		c.add(joinKey(path, "groups"), name+" takes no groups; GroupKFold does")
	}
}

// validateSearch checks a search and fills in its defaults.
func (s *Spec) validateSearch(c *errs, task ml.Task) {
	se := s.Search
	grids, gpath := se.ParamGrid, "search.param_grid"
	switch se.Type {
	case "GridSearchCV":
		if se.ParamDistributions != nil {
			c.add("search.param_distributions", "belongs to RandomizedSearchCV; GridSearchCV takes param_grid")
		}
		if se.NIter != 0 {
			c.add("search.n_iter", "belongs to RandomizedSearchCV; GridSearchCV tries every candidate of param_grid")
		}
		if se.RandomState != nil {
			c.add("search.random_state", "belongs to RandomizedSearchCV; GridSearchCV draws nothing")
		}
	case "HalvingGridSearchCV":
		if se.ParamDistributions != nil {
			c.add("search.param_distributions", "belongs to RandomizedSearchCV; HalvingGridSearchCV takes param_grid")
		}
		if se.NIter != 0 {
			c.add("search.n_iter", "belongs to RandomizedSearchCV; HalvingGridSearchCV starts from every candidate of param_grid")
		}
		if se.Factor == 0 {
			se.Factor = 3
		} else if se.Factor <= 1 {
			c.add("search.factor", fmt.Sprintf("expected a number > 1, got %v", se.Factor))
		}
		if se.MinResources == nil {
			se.MinResources = &Resources{Rule: "exhaust"}
		} else if se.MinResources.Rule == "" && se.MinResources.N < 1 {
			c.add("search.min_resources", fmt.Sprintf("expected \"exhaust\", \"smallest\" or a number of rows ≥ 1, got %d", se.MinResources.N))
		}
		if se.MaxResources == nil {
			se.MaxResources = &Resources{Rule: "auto"}
		} else if se.MaxResources.Rule == "" && se.MaxResources.N < 1 {
			c.add("search.max_resources", fmt.Sprintf("expected \"auto\" or a number of rows ≥ 1, got %d", se.MaxResources.N))
		}
		if se.RandomState == nil {
			r := s.Seed
			se.RandomState = &r
		} else if *se.RandomState < 0 || *se.RandomState > 1<<32-1 {
			c.add("search.random_state", fmt.Sprintf("expected an integer in [0, 4294967295], got %d", *se.RandomState))
		}
	case "RandomizedSearchCV":
		grids, gpath = se.ParamDistributions, "search.param_distributions"
		if se.ParamGrid != nil {
			c.add("search.param_grid", "belongs to GridSearchCV; RandomizedSearchCV takes param_distributions")
		}
		if se.NIter == 0 {
			se.NIter = 10
		} else if se.NIter < 0 {
			c.add("search.n_iter", fmt.Sprintf("expected an integer ≥ 1, got %d", se.NIter))
		}
		if se.RandomState == nil {
			r := s.Seed
			se.RandomState = &r
		} else if *se.RandomState < 0 || *se.RandomState > 1<<32-1 {
			c.add("search.random_state", fmt.Sprintf("expected an integer in [0, 4294967295], got %d", *se.RandomState))
		}
	case "":
		c.add("search.type", "required: "+strings.Join(SearchTypes, " or "))
		return
	default:
		c.add("search.type", fmt.Sprintf("expected %s, got %s%s", strings.Join(SearchTypes, " or "), quote(abbrev(se.Type)), suggest.Hint(se.Type, SearchTypes)))
		return
	}
	if se.Type != "HalvingGridSearchCV" {
		for _, k := range []struct {
			key string
			set bool
		}{{"factor", se.Factor != 0}, {"min_resources", se.MinResources != nil}, {"max_resources", se.MaxResources != nil}, {"aggressive_elimination", se.AggressiveElimination}} {
			if k.set {
				c.add("search."+k.key, "belongs to HalvingGridSearchCV")
			}
		}
	}
	if len(grids) == 0 {
		c.add(gpath, `required: a non-empty grid such as {"C": [0.1, 1, 10]}`)
	}
	for gi, g := range grids {
		p := gpath
		if len(grids) > 1 {
			p = joinIndex(gpath, gi)
		}
		if len(g) == 0 {
			c.add(p, `the grid is empty; give each parameter a list of values, as in {"C": [0.1, 1, 10]}`)
			continue
		}
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s.IsNetwork() {
				s.checkNetGridKey(c, joinKey(p, k), k, g[k]) // netsearch.go
			} else {
				s.checkGridKey(c, joinKey(p, k), k, g[k])
			}
		}
	}
	if s.IsNetwork() {
		// Without search.cv each candidate trains once on a hold-out part
		// of the training data (data.split's test_size of it).
		if se.CV != nil {
			checkCV(c, "search.cv", se.CV, task)
			if se.CV.Groups != "" {
				c.add("search.cv.groups", "a search over a network splits its training samples without groups; use KFold, StratifiedKFold or ShuffleSplit")
			}
		}
	} else {
		if se.CV == nil {
			se.CV = &CV{N: 5}
		}
		checkCV(c, "search.cv", se.CV, task)
	}
	if se.Scoring == "" {
		switch task {
		case ml.Classification:
			se.Scoring = "accuracy"
		case ml.Regression:
			se.Scoring = "r2"
		}
	} else if m, _, err := Scorer(se.Scoring); err != nil {
		c.add("search.scoring", err.Error())
	} else if task != "" && m.Task != task {
		what := s.Model.Class
		if s.IsNetwork() {
			what = "the network"
		}
		c.add("search.scoring", fmt.Sprintf("%s is a %s metric but %s is a %s", quote(se.Scoring), m.Task, what, taskNoun(task)))
	}
	if se.Refit != nil && !*se.Refit {
		c.add("search.refit", "a run saves the best candidate refitted on the training part; leave refit out or true")
	}
}

// checkGridKey checks one key of a grid and each of its values, by
// building the class it sets with the value over the spec's parameters.
func (s *Spec) checkGridKey(c *errs, path, key string, vals Values) {
	step, name, msg := s.GridTarget(key)
	if msg != "" {
		c.add(path, msg)
		return
	}
	class, params, base := s.Model.Class, s.Model.Params, "model.params"
	if step >= 0 {
		class, params, base = s.Preprocess[step].Type, s.Preprocess[step].Params, joinIndex("preprocess", step)
	}
	if _, err := ml.Lookup(class); err != nil {
		return // reported at the step or the model
	}
	if vals.Dist != nil {
		d := vals.Dist
		var v json.RawMessage
		switch d.Type {
		case "uniform":
			if d.Scale <= 0 {
				c.add(joinKey(path, "scale"), fmt.Sprintf("expected a number > 0, got %v", d.Scale))
				return
			}
			v, _ = json.Marshal(d.Loc + 0.37*d.Scale) // a draw inside, not a whole number
		case "loguniform":
			if !(d.A > 0 && d.B > d.A) {
				c.add(path, fmt.Sprintf("loguniform needs 0 < a < b, got a=%v, b=%v", d.A, d.B))
				return
			}
			v, _ = json.Marshal(math.Exp(math.Log(d.A) + 0.37*(math.Log(d.B)-math.Log(d.A))))
		case "randint":
			if d.High <= d.Low {
				c.add(path, fmt.Sprintf("randint needs low < high, got low=%d, high=%d", d.Low, d.High))
				return
			}
			v, _ = json.Marshal(d.Low)
		default:
			return // reported by Parse
		}
		if !s.checkGridValue(c, path, name, class, params, base, v) || d.Type == "randint" {
			return
		}
		v, _ = json.Marshal(map[string]float64{"uniform": d.Loc + d.Scale, "loguniform": d.B}[d.Type])
		s.checkGridValue(c, path, name, class, params, base, v) // the upper end
		return
	}
	if len(vals.List) == 0 {
		c.add(path, "the list of values is empty")
		return
	}
	for i, v := range vals.List {
		if !s.checkGridValue(c, joinIndex(path, i), name, class, params, base, v) {
			return
		}
	}
}

// checkGridValue builds class with name set to v, reporting a problem at
// path (the parameter itself when it is unknown).
func (s *Spec) checkGridValue(c *errs, path, name, class string, params json.RawMessage, base string, v json.RawMessage) bool {
	p, err := setParam(params, name, v)
	if err != nil {
		c.add(base, err.Error())
		return false
	}
	_, err = ml.New(class, p)
	if err == nil {
		return true
	}
	var pe *ml.ParamError
	if errors.As(err, &pe) && pe.Param != name && pe.Param != "" && !strings.HasPrefix(pe.Param, name+".") && !strings.HasPrefix(pe.Param, name+"[") {
		// Another parameter is at fault: the spec's own, reported there.
		return false
	}
	if errors.As(err, &pe) && pe.Kind == param.Unknown {
		c.add(strings.TrimSuffix(path, "[0]"), fmt.Sprintf("%s has no parameter %s%s; known: %s", class, quote(abbrev(name)), pe.Hint, strings.Join(pe.Known, ", ")))
		return false
	}
	msg := paramMsg(err)
	if !strings.HasSuffix(path, "]") {
		msg = fmt.Sprintf("the distribution draws values such as %s, and %s", v, msg)
	}
	c.add(path, msg)
	return false
}
