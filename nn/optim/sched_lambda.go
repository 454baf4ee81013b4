package optim

import (
	"fmt"
	"math"
)

// LambdaLRParams are LambdaLR's keyword arguments. PyTorch's lr_lambda
// is a Python function of the epoch; a spec names one of these forms
// instead (e is the epoch, from 0), each the Python lambda given:
//
//	constant       lambda e: 1.0
//	exponential    lambda e: gamma ** e
//	step           lambda e: gamma ** (e // step_size)
//	linear_warmup  lambda e: min(1.0, (e + 1) / warmup_epochs)
//	linear_decay   lambda e: max(0.0, 1 - e / total_epochs)
//	warmup_cosine  lambda e: (e + 1) / warmup_epochs if e < warmup_epochs else
//	               0.5 * (1 + math.cos(math.pi * min(1.0, (e - warmup_epochs) / max(1, total_epochs - warmup_epochs))))
//
// warm-up is linear_warmup (to the base rate and held) or warmup_cosine
// (then annealed to 0 by total_epochs).
type LambdaLRParams struct {
	LRLambda     string  `json:"lr_lambda" required:"true" enum:"constant,exponential,step,linear_warmup,linear_decay,warmup_cosine" help:"the factor of the base rate at each epoch, by name (a Python function in PyTorch): constant, exponential (gamma**e), step (gamma**(e//step_size)), linear_warmup (min(1, (e+1)/warmup_epochs)), linear_decay (max(0, 1-e/total_epochs)), warmup_cosine (linear warm-up, then cosine to 0 at total_epochs)"`
	Gamma        float64 `json:"gamma" gt:"0" help:"exponential and step: the factor per epoch, or per step_size epochs"`
	StepSize     int     `json:"step_size" min:"1" help:"step: epochs between factors of gamma"`
	WarmupEpochs int     `json:"warmup_epochs" min:"1" help:"linear_warmup and warmup_cosine: epochs to reach the base rate"`
	TotalEpochs  int     `json:"total_epochs" min:"0" help:"linear_decay and warmup_cosine: the epoch at which the factor reaches 0 (required by them)"`
	LastEpoch
}

func init() {
	registerScheduler("LambdaLR", "the base rate times a named function of the epoch (warm-up, decay; PyTorch's lr_lambda)",
		func() LambdaLRParams {
			return LambdaLRParams{Gamma: 0.1, StepSize: 1, WarmupEpochs: 5, LastEpoch: LastEpoch{LastEpoch: -1}}
		},
		wrap(func(opt Optimizer, c LambdaLRParams) (Scheduler, error) { return NewLambdaLR(opt, c) }))
}

// LambdaLR sets the rate to the base rate times a named function of the
// epoch (torch.optim.lr_scheduler.LambdaLR with the lambdas of
// LambdaLRParams).
type LambdaLR struct {
	schedBase
	params LambdaLRParams
}

// NewLambdaLR returns a LambdaLR and sets the rate of epoch 0, as
// PyTorch's constructor does.
func NewLambdaLR(opt Optimizer, c LambdaLRParams) (*LambdaLR, error) {
	need := ""
	switch c.LRLambda {
	case "constant":
	case "exponential", "step":
		if !(c.Gamma > 0) || c.StepSize < 1 {
			need = "gamma > 0 and step_size ≥ 1"
		}
	case "linear_warmup":
		if c.WarmupEpochs < 1 {
			need = "warmup_epochs ≥ 1"
		}
	case "linear_decay":
		if c.TotalEpochs < 1 {
			need = "total_epochs ≥ 1"
		}
	case "warmup_cosine":
		if c.WarmupEpochs < 1 || c.TotalEpochs < 1 {
			need = "warmup_epochs ≥ 1 and total_epochs ≥ 1"
		}
	default:
		return nil, fmt.Errorf("optim: LambdaLR: unknown lr_lambda %q (want constant, exponential, step, linear_warmup, linear_decay or warmup_cosine)", c.LRLambda)
	}
	if need != "" {
		return nil, fmt.Errorf("optim: LambdaLR: lr_lambda %q needs %s", c.LRLambda, need)
	}
	s := &LambdaLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, params: c}
	opt.SetLR(s.baseLR * s.factor(0))
	return s, nil
}

// factor is lr_lambda at epoch e, as the Python lambda of its form.
func (s *LambdaLR) factor(e int) float64 {
	c := s.params
	switch c.LRLambda {
	case "exponential":
		return math.Pow(c.Gamma, float64(e))
	case "step":
		return math.Pow(c.Gamma, float64(e/c.StepSize))
	case "linear_warmup":
		return min(1, float64(e+1)/float64(c.WarmupEpochs))
	case "linear_decay":
		return max(0, 1-float64(e)/float64(c.TotalEpochs))
	case "warmup_cosine":
		w, T := c.WarmupEpochs, c.TotalEpochs
		if e < w {
			return float64(e+1) / float64(w)
		}
		p := min(1, float64(e-w)/float64(max(1, T-w)))
		return 0.5 * (1 + math.Cos(math.Pi*p))
	}
	return 1
}

// Step advances one epoch: the base rate times the factor of the epoch.
func (s *LambdaLR) Step() {
	s.lastEpoch++
	s.opt.SetLR(s.baseLR * s.factor(s.lastEpoch))
}

// restart sets the rate of epoch 0 (PyTorch's step(0) and initial step
// inside SequentialLR, where LambdaLR has no closed form but its own).
func (s *LambdaLR) restart() {
	s.lastEpoch = 0
	s.opt.SetLR(s.baseLR * s.factor(0))
}
