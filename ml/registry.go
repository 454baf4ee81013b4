package ml

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/mlforge/mlforge/param"
)

// ClassInfo describes a registered estimator class.
type ClassInfo struct {
	// Name is the scikit-learn class name, e.g. "KNeighborsClassifier".
	Name string `json:"name"`
	// Task is what the class learns.
	Task Task `json:"task"`
	// Family is the package it lives in, e.g. "neighbors".
	Family string `json:"family"`
	// Doc is a one-line description.
	Doc string `json:"doc"`
	// New returns an estimator with scikit-learn's default hyperparameters.
	// The value must be a pointer to a struct whose parameters are declared
	// as package param describes: exported fields with json tags (and
	// help, min, max, gt, lt, enum, nullable, expect), embedded structs
	// flattened, so a classifier and a regressor can share one params
	// struct.
	New func() Estimator `json:"-"`
	// Params describes the hyperparameters, with the defaults New sets;
	// filled in by Register.
	Params []param.Info `json:"params"`
	// SampleWeight is whether the class's fit takes a weight per sample
	// (WeightedFitter, the spec's data.sample_weight); set by Register.
	SampleWeight bool `json:"sample_weight"`
}

var registry = struct {
	classes param.Registry[*ClassInfo]
	sync.RWMutex
	byType map[reflect.Type]*ClassInfo
}{classes: param.Registry[*ClassInfo]{Kind: "class"}, byType: map[reflect.Type]*ClassInfo{}}

// Register adds a class to the registry. It panics on a duplicate name or a
// New that does not return a pointer to a struct with well-formed tags:
// both are programming errors caught at init.
func Register(info ClassInfo) {
	e := info.New()
	rt := reflect.TypeOf(e)
	if rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
		panic("ml: " + info.Name + ".New must return a pointer to a struct")
	}
	info.Params = param.Describe(e)
	_, info.SampleWeight = e.(WeightedFitter)
	c := &info
	registry.classes.Register(param.Class[*ClassInfo]{Name: info.Name, Doc: info.Doc, Params: func() any { return c.New() }, New: c})
	registry.Lock()
	registry.byType[rt] = c
	registry.Unlock()
}

// Classes returns every registered class, sorted by name.
func Classes() []ClassInfo {
	cs := registry.classes.Classes()
	out := make([]ClassInfo, len(cs))
	for i, c := range cs {
		out[i] = *c.New
	}
	return out
}

// ClassNames returns the registered class names, sorted.
func ClassNames() []string { return registry.classes.Names() }

// Lookup returns the class registered under name. The error, for an unknown
// name, suggests the closest registered one.
func Lookup(name string) (*ClassInfo, error) {
	c, err := registry.classes.Lookup(name)
	if err != nil {
		le := err.(*param.LookupError)
		return nil, &ParamError{Param: "class", Msg: fmt.Sprintf("unknown class %s%s", param.QuoteName(name), le.Hint)}
	}
	return c.New, nil
}

// ClassOf returns the registration of e's type, or nil if it is not registered.
func ClassOf(e Estimator) *ClassInfo {
	registry.RLock()
	defer registry.RUnlock()
	return registry.byType[reflect.TypeOf(e)]
}

// ClassName returns the registered class name of e, or its Go type name.
func ClassName(e Estimator) string {
	if c, ok := e.(*ColumnStep); ok && c.Step != nil {
		return ClassName(c.Step)
	}
	if c := ClassOf(e); c != nil {
		return c.Name
	}
	return reflect.TypeOf(e).String()
}

// New builds the estimator registered as class with its default
// hyperparameters overridden by params, a JSON object (nil or empty means all
// defaults). Unknown parameters, values of the wrong type and values out of
// range are reported as *ParamError naming the parameter. New runs the
// estimator's Validate if it has one.
func New(class string, params json.RawMessage) (Estimator, error) {
	c, err := Lookup(class)
	if err != nil {
		return nil, err
	}
	e := c.New()
	if err := SetParams(e, params); err != nil {
		return nil, err
	}
	return e, nil
}

// SetParams sets the hyperparameters named in params (a JSON object) on e,
// which must be a registered estimator, then validates all of them.
func SetParams(e Estimator, params json.RawMessage) error {
	c := ClassOf(e)
	if c == nil {
		return fmt.Errorf("ml: %T is not a registered estimator", e)
	}
	if err := param.Decode(params, e, param.Options{Owner: c.Name}); err != nil {
		return err
	}
	return ValidateParams(e)
}

// ValidateParams checks every hyperparameter of a registered estimator against
// its tags (min, max, enum) and runs Validate if the estimator has one. Fit
// methods call it first.
func ValidateParams(e Estimator) error {
	if c := ClassOf(e); c != nil {
		if err := param.Validate(e); err != nil {
			return err
		}
	}
	if val, ok := e.(Validator); ok {
		return val.Validate()
	}
	return nil
}

// Params returns e's hyperparameters as a JSON object.
func Params(e Estimator) (json.RawMessage, error) {
	if ClassOf(e) == nil {
		return nil, fmt.Errorf("ml: %T is not a registered estimator", e)
	}
	return param.Encode(e)
}

// Clone returns a new, unfitted estimator of e's class with the same
// hyperparameters, like sklearn.base.clone.
func Clone(e Estimator) (Estimator, error) {
	c := ClassOf(e)
	if c == nil {
		return nil, fmt.Errorf("ml: %T is not a registered estimator", e)
	}
	p, err := Params(e)
	if err != nil {
		return nil, err
	}
	n := c.New()
	if err := SetParams(n, p); err != nil {
		return nil, err
	}
	return n, nil
}
