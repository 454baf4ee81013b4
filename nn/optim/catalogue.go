package optim

import (
	"math"
	"reflect"
	"strings"

	"github.com/mlforge/mlforge/nn"
)

// optimDefaults returns each optimizer's configuration with PyTorch's
// defaults, as New starts from; a NaN field is a required parameter.
var optimDefaults = map[string]func() any{
	"SGD":     func() any { return SGDConfig{LR: math.NaN()} },
	"Adam":    func() any { return DefaultAdam() },
	"AdamW":   func() any { return DefaultAdamW() },
	"RMSprop": func() any { return DefaultRMSprop() },
	"Adagrad": func() any { return DefaultAdagrad() },
}

var optimDocs = map[string]string{
	"SGD":     "stochastic gradient descent with optional (Nesterov) momentum",
	"Adam":    "Adam",
	"AdamW":   "Adam with decoupled weight decay",
	"RMSprop": "RMSprop",
	"Adagrad": "Adagrad",
}

type paramDoc struct {
	help     string
	min, max *float64
}

func bound(v float64) *float64 { return &v }

// optimParamDocs documents the optimizers' parameters by name, or by
// "Optimizer.name" where one needs its own wording.
var optimParamDocs = map[string]paramDoc{
	"lr":                        {help: "learning rate", min: bound(0)},
	"momentum":                  {help: "momentum factor", min: bound(0)},
	"dampening":                 {help: "dampening of the momentum", min: bound(0)},
	"weight_decay":              {help: "L2 penalty", min: bound(0)},
	"AdamW.weight_decay":        {help: "decoupled weight decay", min: bound(0)},
	"nesterov":                  {help: "Nesterov momentum (needs a momentum and zero dampening)"},
	"betas":                     {help: "decay rates of the moment estimates, each in [0, 1)", min: bound(0), max: bound(1)},
	"eps":                       {help: "added to the denominator", min: bound(0)},
	"amsgrad":                   {help: "the AMSGrad variant"},
	"alpha":                     {help: "smoothing constant", min: bound(0), max: bound(1)},
	"centered":                  {help: "normalize by the estimated variance"},
	"lr_decay":                  {help: "learning rate decay", min: bound(0)},
	"initial_accumulator_value": {help: "starting sum of squares", min: bound(0)},
}

// Catalogue describes the optimizers New accepts, sorted by name. The
// parameters, their order and defaults are read from the configuration
// structs New decodes into (their json tags and PyTorch defaults).
func Catalogue() []nn.Info {
	var out []nn.Info
	for _, name := range Names() {
		cfg := reflect.ValueOf(optimDefaults[name]())
		info := nn.Info{Name: name, Doc: optimDocs[name], Params: []nn.ParamInfo{}}
		for i := 0; i < cfg.NumField(); i++ {
			f := cfg.Type().Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			p := nn.ParamInfo{Name: tag, Default: cfg.Field(i).Interface()}
			switch f.Type.Kind() {
			case reflect.Float64:
				p.Type = "float"
				if math.IsNaN(cfg.Field(i).Float()) {
					p.Default, p.Required = nil, true
				}
			case reflect.Bool:
				p.Type = "bool"
			case reflect.Int:
				p.Type = "int"
			case reflect.Array, reflect.Slice:
				p.Type = "[]float"
				var l []float64
				for j := 0; j < cfg.Field(i).Len(); j++ {
					l = append(l, cfg.Field(i).Index(j).Float())
				}
				p.Default = l
			}
			d, ok := optimParamDocs[name+"."+tag]
			if !ok {
				d = optimParamDocs[tag]
			}
			p.Help, p.Min, p.Max = d.help, d.min, d.max
			info.Params = append(info.Params, p)
		}
		out = append(out, info)
	}
	return out
}

// schedulerCatalogue describes the keyword arguments NewScheduler decodes,
// with PyTorch's defaults; TestSchedulerCatalogue checks it against
// NewScheduler (same names, defaults that build the same scheduler).
var schedulerCatalogue = map[string]nn.Info{
	"StepLR": {Doc: "multiply the rate by gamma every step_size epochs", Params: []nn.ParamInfo{
		{Name: "step_size", Type: "int", Required: true, Min: bound(1), Help: "epochs between decays"},
		{Name: "gamma", Type: "float", Default: 0.1, Min: bound(0), Help: "decay factor"}}},
	"ExponentialLR": {Doc: "multiply the rate by gamma every epoch", Params: []nn.ParamInfo{
		{Name: "gamma", Type: "float", Required: true, Min: bound(0), Help: "decay factor"}}},
	"CosineAnnealingLR": {Doc: "cosine annealing from the initial rate to eta_min over T_max epochs", Params: []nn.ParamInfo{
		{Name: "T_max", Type: "int", Required: true, Min: bound(1), Help: "epochs of a half period"},
		{Name: "eta_min", Type: "float", Default: 0.0, Min: bound(0), Help: "minimum rate"}}},
	"ReduceLROnPlateau": {Doc: "reduce the rate when the validation loss stops improving", Params: []nn.ParamInfo{
		{Name: "mode", Type: "string", Default: "min", Enum: []string{"min", "max"}, Help: "min: lower is better"},
		{Name: "factor", Type: "float", Default: 0.1, Min: bound(0), Max: bound(1), Help: "multiplies the rate on a plateau"},
		{Name: "patience", Type: "int", Default: 10, Min: bound(0), Help: "epochs without improvement tolerated"},
		{Name: "threshold", Type: "float", Default: 1e-4, Min: bound(0), Help: "minimum improvement"},
		{Name: "threshold_mode", Type: "string", Default: "rel", Enum: []string{"rel", "abs"}, Help: "relative or absolute threshold"},
		{Name: "cooldown", Type: "int", Default: 0, Min: bound(0), Help: "epochs to wait after a reduction"},
		{Name: "min_lr", Type: "float", Default: 0.0, Min: bound(0), Help: "lower bound of the rate"},
		{Name: "eps", Type: "float", Default: 1e-8, Min: bound(0), Help: "smallest change applied"}}},
}

// SchedulerCatalogue describes the schedulers NewScheduler accepts, sorted
// by name.
func SchedulerCatalogue() []nn.Info {
	var out []nn.Info
	for _, name := range SchedulerNames() {
		info := schedulerCatalogue[name]
		info.Name = name
		info.Params = append([]nn.ParamInfo{}, info.Params...)
		out = append(out, info)
	}
	return out
}
