package optim

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/param"
)

// An optimizer or a scheduler is declared once, in its own file: a params
// struct whose tags describe its keyword arguments (package param), a
// constructor, and one registration line in an init function, e.g.
//
//	func init() { register("NAdam", "Adam with Nesterov momentum", DefaultNAdam, NewNAdam) }
//
// New, Names and Catalogue (and NewScheduler, SchedulerNames and
// SchedulerCatalogue) read everything else from there.

type optimBuilder func(params []*nn.Var, cfg any) (Optimizer, error)

type schedBuilder func(opt Optimizer, cfg any) (EpochScheduler, error)

var (
	optimizers = param.Registry[optimBuilder]{Kind: "optimizer"}
	schedulers = param.Registry[schedBuilder]{Kind: "scheduler"}
)

// Foreach is PyTorch's foreach keyword argument: its choice between loop
// and foreach kernels, which gives the same result, so it changes nothing.
type Foreach struct {
	Foreach *bool `json:"foreach" nullable:"true" type:"bool" help:"PyTorch's choice of loop or foreach kernels (null: its default); the same result, so it changes nothing here"`
}

// Differentiable is PyTorch's differentiable keyword argument; only false
// (the step is not differentiated here).
type Differentiable struct {
	Differentiable bool `json:"differentiable" help:"autograd through the optimizer step (PyTorch); false only: the step is not differentiated here"`
}

// Capturable is PyTorch's capturable keyword argument (CUDA graph
// capture); only false.
type Capturable struct {
	Capturable bool `json:"capturable" help:"CUDA graph capture (PyTorch); false only: training here runs on the CPU"`
}

// Fused is Adam's fused keyword argument (PyTorch's fused CUDA kernel);
// only false.
type Fused struct {
	Fused bool `json:"fused" help:"PyTorch's fused CUDA kernel; false only: training here runs on the CPU"`
}

// checkSwitches refuses the PyTorch switches that need what a run here
// lacks (CUDA, autograd through the step), set true in cfg.
func checkSwitches(name string, cfg any) error {
	v := reflect.Indirect(reflect.ValueOf(cfg))
	if v.Kind() != reflect.Struct {
		return nil
	}
	for _, f := range []struct{ field, key, why string }{
		{"Capturable", "capturable", "CUDA graph capture, and training here runs on the CPU"},
		{"Fused", "fused", "PyTorch's fused CUDA kernel, and training here runs on the CPU"},
		{"Differentiable", "differentiable", "autograd through the step, which is not differentiated here"},
	} {
		fv := v.FieldByName(f.field) // the embedded struct, then its field
		if fv.IsValid() && fv.Kind() == reflect.Struct {
			fv = fv.FieldByName(f.field)
		}
		if fv.IsValid() && fv.Kind() == reflect.Bool && fv.Bool() {
			return fmt.Errorf("optim: %s: %s true is refused: it is %s (leave it out, or false)", name, f.key, f.why)
		}
	}
	return nil
}

// register adds an optimizer: defaults returns its configuration with
// PyTorch's defaults, build makes it over parameters.
func register[C any, O Optimizer](name, doc string, defaults func() C, build func([]*nn.Var, C) (O, error)) {
	optimizers.Register(param.Class[optimBuilder]{Name: name, Doc: doc,
		Params: func() any { c := defaults(); return &c },
		New: func(params []*nn.Var, cfg any) (Optimizer, error) {
			if err := checkSwitches(name, cfg); err != nil {
				return nil, err
			}
			o, err := build(params, *cfg.(*C))
			if err != nil {
				return nil, err
			}
			return o, nil
		}})
}

// registerScheduler adds a scheduler: defaults returns its keyword
// arguments with PyTorch's defaults, build makes it over an optimizer.
func registerScheduler[C any](name, doc string, defaults func() C, build func(Optimizer, C) (EpochScheduler, error)) {
	schedulers.Register(param.Class[schedBuilder]{Name: name, Doc: doc,
		Params: func() any { c := defaults(); return &c },
		New:    func(opt Optimizer, cfg any) (EpochScheduler, error) { return build(opt, *cfg.(*C)) }})
}

// Names lists the optimizer names New accepts, sorted.
func Names() []string { return optimizers.Names() }

// Catalogue describes the optimizers New accepts, sorted by name, with
// their parameters and PyTorch's defaults.
func Catalogue() []param.Entry { return optimizers.Catalogue() }

// New builds the optimizer called name (PyTorch's class name) over params
// from a JSON object of PyTorch's keyword arguments ({"lr": 0.1,
// "momentum": 0.9}); missing keys take PyTorch's defaults (SGD requires lr).
// Unknown keys are errors with a suggestion; values out of range name the
// parameter and the accepted range.
func New(name string, params []*nn.Var, raw json.RawMessage) (Optimizer, error) {
	c, err := optimizers.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("optim: %w", err)
	}
	cfg, err := c.Decode(raw, param.Options{})
	if err != nil {
		return nil, fmt.Errorf("optim: %s: %w", name, wordParamError(err))
	}
	sparse, dense := false, false
	for _, p := range params {
		if nn.SparseGrad(p) {
			sparse = true
		} else {
			dense = true
		}
	}
	if err := CheckGrads(name, raw, sparse, dense); err != nil {
		return nil, fmt.Errorf("optim: %w", err)
	}
	return c.New(params, cfg)
}

// SchedulerNames lists the scheduler names NewScheduler accepts, sorted.
func SchedulerNames() []string { return schedulers.Names() }

// SchedulerCatalogue describes the schedulers NewScheduler accepts, sorted
// by name, with their parameters and PyTorch's defaults.
func SchedulerCatalogue() []param.Entry { return schedulers.Catalogue() }

// EpochScheduler is a learning-rate scheduler as a training loop drives it:
// Step is called once per epoch with the epoch's validation loss (which
// only ReduceLROnPlateau reads); State and LoadState save and restore it
// with a checkpoint.
type EpochScheduler interface {
	Step(valLoss float64)
	LR() float64
	State() map[string]float64
	LoadState(map[string]float64)
}

// NewScheduler builds a scheduler from its PyTorch class name and keyword
// arguments (a JSON object: {"step_size": 10, "gamma": 0.5}) over opt,
// with PyTorch's defaults for the keys left out. Unknown names and keys
// get a "did you mean".
func NewScheduler(name string, opt Optimizer, raw json.RawMessage) (EpochScheduler, error) {
	c, err := schedulers.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("optim: %w", err)
	}
	cfg, err := c.Decode(raw, param.Options{})
	if err != nil {
		return nil, fmt.Errorf("optim: %s: %w", name, wordParamError(err))
	}
	return c.New(opt, cfg)
}

// epochSched drives a Scheduler (stepped without a metric) per epoch.
type epochSched struct{ s Scheduler }

func (e epochSched) Step(float64) { e.s.Step() }
func (e epochSched) LR() float64  { return e.s.LR() }
func (e epochSched) State() map[string]float64 {
	return map[string]float64{"last_epoch": float64(e.s.LastEpoch())}
}
func (e epochSched) LoadState(m map[string]float64) { e.s.SetLastEpoch(int(m["last_epoch"])) }

// plateauSched drives a ReduceLROnPlateau with the validation loss.
type plateauSched struct{ r *ReduceLROnPlateau }

func (p plateauSched) Step(v float64)                 { p.r.Step(v) }
func (p plateauSched) LR() float64                    { return p.r.LR() }
func (p plateauSched) State() map[string]float64      { return p.r.State() }
func (p plateauSched) LoadState(m map[string]float64) { p.r.LoadState(m) }

// paramError words a *param.Error as optimizers and schedulers always
// have: `unknown parameter "x" (did you mean "y"?), expected one of a, b`
// and `x is required`; other errors read "x: expected ..., got ...".
type paramError struct{ pe *param.Error }

func (e paramError) Error() string {
	switch e.pe.Kind {
	case param.Unknown:
		return fmt.Sprintf("unknown parameter %s%s, expected one of %s", param.QuoteName(e.pe.Param), e.pe.Hint, strings.Join(e.pe.Known, ", "))
	case param.Missing:
		return e.pe.Param + " is required"
	}
	return e.pe.Error()
}

// Unwrap returns the *param.Error, which marks the error as bad input.
func (e paramError) Unwrap() error { return e.pe }

// BadInput marks the error as the user's input rather than a bug.
func (e paramError) BadInput() bool { return true }

func wordParamError(err error) error {
	var pe *param.Error
	if errors.As(err, &pe) {
		return paramError{pe}
	}
	return err
}
