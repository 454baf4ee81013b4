package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// restarter is a scheduler that SequentialLR can restart at epoch 0 (as
// PyTorch's step(0) does): the rate set to the closed form at epoch 0.
type restarter interface{ restart() }

// initialStepper is a scheduler whose first step, as SequentialLR redoes
// it for its first scheduler, applies the epoch-0 change to the current
// rate (PyTorch's _initial_step, chainable), where restart uses the base
// rate; the schedulers without it restart.
type initialStepper interface{ initialStep() }

// baseSetter lets a composite scheduler give its children the optimizer's
// initial rate as their base rate (PyTorch's initial_lr).
type baseSetter interface{ setBase(lr float64) }

func (s *schedBase) setBase(lr float64) { s.baseLR = lr }

func (e epochSched) restart() {
	if r, ok := e.s.(restarter); ok {
		r.restart()
	}
}

func (e epochSched) initialStep() {
	if r, ok := e.s.(initialStepper); ok {
		r.initialStep()
	} else if r, ok := e.s.(restarter); ok {
		r.restart()
	}
}

// underlying returns the Scheduler inside an epoch scheduler (nil if none).
func underlying(s EpochScheduler) Scheduler {
	if e, ok := s.(epochSched); ok {
		return e.s
	}
	return nil
}

func (e epochSched) setBase(lr float64) {
	if b, ok := e.s.(baseSetter); ok {
		b.setBase(lr)
	}
}

func (s *StepLR) restart() { s.lastEpoch = 0; s.opt.SetLR(s.baseLR) }

func (s *StepLR) initialStep() { s.lastEpoch = 0 }

func (s *ExponentialLR) initialStep() { s.lastEpoch = 0 }

func (s *CosineAnnealingLR) initialStep() { s.lastEpoch = 0 }

func (s *ExponentialLR) restart() { s.lastEpoch = 0; s.opt.SetLR(s.baseLR) }

func (s *CosineAnnealingLR) restart() {
	s.lastEpoch = 0
	s.opt.SetLR(s.EtaMin + (s.baseLR-s.EtaMin)*(1+math.Cos(0))/2)
}

// wrap registers a Scheduler built by build as an epoch scheduler.
func wrap[C any](build func(Optimizer, C) (Scheduler, error)) func(Optimizer, C) (EpochScheduler, error) {
	return func(opt Optimizer, c C) (EpochScheduler, error) {
		s, err := build(opt, c)
		if err != nil {
			return nil, err
		}
		return epochSched{s}, nil
	}
}

// MultiStepLRParams are MultiStepLR's keyword arguments.
type MultiStepLRParams struct {
	Milestones []int   `json:"milestones" required:"true" min:"0" help:"epochs at which the rate is multiplied by gamma (a repeated epoch applies gamma again)"`
	Gamma      float64 `json:"gamma" gt:"0" help:"decay factor"`
	LastEpoch
}

// ConstantLRParams are ConstantLR's keyword arguments.
type ConstantLRParams struct {
	Factor     float64 `json:"factor" gt:"0" max:"1" help:"factor of the rate until total_iters (PyTorch divides by it then, so not 0)"`
	TotalIters int     `json:"total_iters" min:"0" help:"epochs at the reduced rate"`
	LastEpoch
}

// LinearLRParams are LinearLR's keyword arguments.
type LinearLRParams struct {
	StartFactor float64 `json:"start_factor" gt:"0" max:"1" help:"factor of the rate at epoch 0 (PyTorch divides by it, so not 0)"`
	EndFactor   float64 `json:"end_factor" min:"0" max:"1" help:"factor of the rate from total_iters on"`
	TotalIters  int     `json:"total_iters" min:"0" help:"epochs of the linear change (0: start_factor for ever, as in PyTorch)"`
	LastEpoch
}

// PolynomialLRParams are PolynomialLR's keyword arguments.
type PolynomialLRParams struct {
	TotalIters int     `json:"total_iters" min:"0" help:"epochs over which the rate decays to 0 (0: no decay)"`
	Power      float64 `json:"power" help:"power of the polynomial"`
	LastEpoch
}

// WarmRestartsParams are CosineAnnealingWarmRestarts' keyword arguments.
type WarmRestartsParams struct {
	T0     int     `json:"T_0" required:"true" min:"1" help:"epochs until the first restart"`
	TMult  int     `json:"T_mult" min:"1" help:"factor of the period after each restart"`
	EtaMin float64 `json:"eta_min" min:"0" help:"minimum rate"`
	LastEpoch
}

func init() {
	registerScheduler("MultiStepLR", "multiply the rate by gamma at each milestone epoch",
		func() MultiStepLRParams { return MultiStepLRParams{Gamma: 0.1, LastEpoch: LastEpoch{LastEpoch: -1}} },
		wrap(func(opt Optimizer, c MultiStepLRParams) (Scheduler, error) {
			return NewMultiStepLR(opt, c.Milestones, c.Gamma)
		}))
	registerScheduler("ConstantLR", "the rate times factor until total_iters, then the rate",
		func() ConstantLRParams {
			return ConstantLRParams{Factor: 1.0 / 3, TotalIters: 5, LastEpoch: LastEpoch{LastEpoch: -1}}
		},
		wrap(func(opt Optimizer, c ConstantLRParams) (Scheduler, error) {
			return NewConstantLR(opt, c.Factor, c.TotalIters)
		}))
	registerScheduler("LinearLR", "the rate's factor changed linearly from start_factor to end_factor over total_iters",
		func() LinearLRParams {
			return LinearLRParams{StartFactor: 1.0 / 3, EndFactor: 1, TotalIters: 5, LastEpoch: LastEpoch{LastEpoch: -1}}
		},
		wrap(func(opt Optimizer, c LinearLRParams) (Scheduler, error) {
			return NewLinearLR(opt, c.StartFactor, c.EndFactor, c.TotalIters)
		}))
	registerScheduler("PolynomialLR", "polynomial decay of the rate to 0 over total_iters",
		func() PolynomialLRParams {
			return PolynomialLRParams{TotalIters: 5, Power: 1, LastEpoch: LastEpoch{LastEpoch: -1}}
		},
		wrap(func(opt Optimizer, c PolynomialLRParams) (Scheduler, error) {
			return NewPolynomialLR(opt, c.TotalIters, c.Power)
		}))
	registerScheduler("CosineAnnealingWarmRestarts", "cosine annealing to eta_min, restarted every T_i epochs (T_i = T_0·T_multⁱ)",
		func() WarmRestartsParams { return WarmRestartsParams{TMult: 1, LastEpoch: LastEpoch{LastEpoch: -1}} },
		wrap(func(opt Optimizer, c WarmRestartsParams) (Scheduler, error) {
			return NewCosineAnnealingWarmRestarts(opt, c.T0, c.TMult, c.EtaMin)
		}))
}

// MultiStepLR multiplies the rate by Gamma at each of Milestones
// (torch.optim.lr_scheduler.MultiStepLR).
type MultiStepLR struct {
	schedBase
	Milestones []int
	Gamma      float64
}

// NewMultiStepLR returns a MultiStepLR; PyTorch's default gamma is 0.1.
func NewMultiStepLR(opt Optimizer, milestones []int, gamma float64) (*MultiStepLR, error) {
	if !(gamma > 0) || slices.ContainsFunc(milestones, func(m int) bool { return m < 0 }) {
		return nil, fmt.Errorf("optim: MultiStepLR: gamma %v must be positive and the milestones %v non-negative", gamma, milestones)
	}
	return &MultiStepLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, Milestones: slices.Clone(milestones), Gamma: gamma}, nil
}

func (s *MultiStepLR) count(pred func(m int) bool) int {
	n := 0
	for _, m := range s.Milestones {
		if pred(m) {
			n++
		}
	}
	return n
}

// Step advances one epoch.
func (s *MultiStepLR) Step() {
	s.lastEpoch++
	if n := s.count(func(m int) bool { return m == s.lastEpoch }); n > 0 {
		s.opt.SetLR(s.opt.LR() * math.Pow(s.Gamma, float64(n)))
	}
}

func (s *MultiStepLR) initialStep() {
	s.lastEpoch = 0
	if n := s.count(func(m int) bool { return m == 0 }); n > 0 {
		s.opt.SetLR(s.opt.LR() * math.Pow(s.Gamma, float64(n)))
	}
}

func (s *MultiStepLR) restart() {
	s.lastEpoch = 0
	s.opt.SetLR(s.baseLR * math.Pow(s.Gamma, float64(s.count(func(m int) bool { return m <= 0 }))))
}

// ConstantLR multiplies the rate by Factor from construction until
// TotalIters epochs have passed (torch.optim.lr_scheduler.ConstantLR).
type ConstantLR struct {
	schedBase
	Factor     float64
	TotalIters int
}

// NewConstantLR returns a ConstantLR and sets the reduced rate; PyTorch's
// defaults are factor 1/3 and total_iters 5.
func NewConstantLR(opt Optimizer, factor float64, totalIters int) (*ConstantLR, error) {
	if !(factor > 0 && factor <= 1) || totalIters < 0 {
		return nil, fmt.Errorf("optim: ConstantLR: factor %v must be in (0, 1] and total_iters %d non-negative", factor, totalIters)
	}
	s := &ConstantLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, Factor: factor, TotalIters: totalIters}
	opt.SetLR(opt.LR() * factor)
	return s, nil
}

// Step advances one epoch.
func (s *ConstantLR) Step() {
	s.lastEpoch++
	if s.lastEpoch == s.TotalIters {
		s.opt.SetLR(s.opt.LR() * (1 / s.Factor))
	}
}

// restart sets the closed form at epoch 0: base · factor, or base when
// total_iters is 0.
func (s *ConstantLR) restart() {
	s.lastEpoch = 0
	if s.TotalIters == 0 {
		s.opt.SetLR(s.baseLR)
		return
	}
	s.opt.SetLR(s.baseLR * s.Factor)
}

func (s *ConstantLR) initialStep() { s.lastEpoch = 0; s.opt.SetLR(s.opt.LR() * s.Factor) }

// LinearLR multiplies the rate by a factor that goes linearly from
// StartFactor (at construction) to EndFactor (after TotalIters epochs),
// with PyTorch's recursive formula (torch.optim.lr_scheduler.LinearLR).
type LinearLR struct {
	schedBase
	StartFactor, EndFactor float64
	TotalIters             int
}

// NewLinearLR returns a LinearLR and sets the starting rate; PyTorch's
// defaults are start_factor 1/3, end_factor 1 and total_iters 5.
func NewLinearLR(opt Optimizer, start, end float64, totalIters int) (*LinearLR, error) {
	if !(start > 0 && start <= 1) || !(end >= 0 && end <= 1) || totalIters < 0 {
		return nil, fmt.Errorf("optim: LinearLR: start_factor %v must be in (0, 1], end_factor %v in [0, 1] and total_iters %d non-negative", start, end, totalIters)
	}
	s := &LinearLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, StartFactor: start, EndFactor: end, TotalIters: totalIters}
	opt.SetLR(opt.LR() * start)
	return s, nil
}

// Step advances one epoch.
func (s *LinearLR) Step() {
	s.lastEpoch++
	if s.lastEpoch > s.TotalIters {
		return
	}
	d := s.EndFactor - s.StartFactor
	s.opt.SetLR(s.opt.LR() * (1 + d/(float64(s.TotalIters)*s.StartFactor+float64(s.lastEpoch-1)*d)))
}

func (s *LinearLR) initialStep() { s.lastEpoch = 0; s.opt.SetLR(s.opt.LR() * s.StartFactor) }

func (s *LinearLR) restart() {
	s.lastEpoch = 0
	s.opt.SetLR(s.baseLR * s.StartFactor) // the closed form at epoch 0
}

// PolynomialLR decays the rate to 0 over TotalIters epochs along
// (1 - t/TotalIters)^Power (torch.optim.lr_scheduler.PolynomialLR).
type PolynomialLR struct {
	schedBase
	TotalIters int
	Power      float64
}

// NewPolynomialLR returns a PolynomialLR; PyTorch's defaults are
// total_iters 5 and power 1.
func NewPolynomialLR(opt Optimizer, totalIters int, power float64) (*PolynomialLR, error) {
	if totalIters < 0 || math.IsNaN(power) || math.IsInf(power, 0) {
		return nil, fmt.Errorf("optim: PolynomialLR: total_iters %d must be non-negative and power %v finite", totalIters, power)
	}
	return &PolynomialLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, TotalIters: totalIters, Power: power}, nil
}

// Step advances one epoch.
func (s *PolynomialLR) Step() {
	s.lastEpoch++
	if s.lastEpoch > s.TotalIters {
		return
	}
	T, e := float64(s.TotalIters), float64(s.lastEpoch)
	s.opt.SetLR(s.opt.LR() * math.Pow((1-e/T)/(1-(e-1)/T), s.Power))
}

func (s *PolynomialLR) initialStep() { s.lastEpoch = 0 }

func (s *PolynomialLR) restart() {
	s.lastEpoch = 0
	s.opt.SetLR(s.baseLR) // the closed form at epoch 0: base · (1 - 0)^power
}

// CosineAnnealingWarmRestarts anneals the rate from its base value to
// EtaMin along a cosine over T_i epochs and then restarts, with T_0 = T0
// and T_{i+1} = T_i·TMult (torch.optim.lr_scheduler.
// CosineAnnealingWarmRestarts, stepped once per epoch).
type CosineAnnealingWarmRestarts struct {
	schedBase
	T0, TMult  int
	EtaMin     float64
	tCur, tCyc int
}

// NewCosineAnnealingWarmRestarts returns the scheduler and sets the rate
// of epoch 0; PyTorch's defaults are T_mult 1 and eta_min 0.
func NewCosineAnnealingWarmRestarts(opt Optimizer, t0, tMult int, etaMin float64) (*CosineAnnealingWarmRestarts, error) {
	if t0 < 1 || tMult < 1 || !(etaMin >= 0) {
		return nil, fmt.Errorf("optim: CosineAnnealingWarmRestarts: T_0 %d and T_mult %d must be positive integers and eta_min %v non-negative", t0, tMult, etaMin)
	}
	s := &CosineAnnealingWarmRestarts{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, T0: t0, TMult: tMult, EtaMin: etaMin}
	s.restart()
	return s, nil
}

// setBase sets the base rate and, at epoch 0, the rate from it (PyTorch's
// first step reads initial_lr).
func (s *CosineAnnealingWarmRestarts) setBase(lr float64) {
	s.baseLR = lr
	if s.lastEpoch == 0 {
		s.set()
	}
}

func (s *CosineAnnealingWarmRestarts) set() {
	s.opt.SetLR(s.EtaMin + (s.baseLR-s.EtaMin)*(1+math.Cos(math.Pi*float64(s.tCur)/float64(s.tCyc)))/2)
}

func (s *CosineAnnealingWarmRestarts) restart() {
	s.lastEpoch, s.tCur, s.tCyc = 0, 0, s.T0
	s.set()
}

// Step advances one epoch.
func (s *CosineAnnealingWarmRestarts) Step() {
	s.lastEpoch++
	s.tCur++
	if s.tCur >= s.tCyc {
		s.tCur -= s.tCyc
		s.tCyc *= s.TMult
	}
	s.set()
}

// SetLastEpoch restores the schedule at a given epoch (the position in the
// current period follows from it, as if stepped that many times).
func (s *CosineAnnealingWarmRestarts) SetLastEpoch(e int) {
	e = max(e, 0)
	s.lastEpoch, s.tCur, s.tCyc = e, e, s.T0
	if s.TMult == 1 {
		s.tCur = e % s.T0
		return
	}
	for s.tCur >= s.tCyc { // periods grow geometrically: few iterations
		s.tCur -= s.tCyc
		s.tCyc *= s.TMult
	}
}

// momentumOpt is an optimizer whose momentum a cyclic scheduler can set:
// SGD's and RMSprop's momentum, or β₁ of the Adam family (betas true).
type momentumOpt interface {
	momentum() (m float64, betas bool)
	setMomentum(m float64)
}

func (o *SGD) momentum() (float64, bool)            { return o.cfg.Momentum, false }
func (o *SGD) setMomentum(m float64)                { o.cfg.Momentum = m }
func (o *RMSprop) momentum() (float64, bool)        { return o.cfg.Momentum, false }
func (o *RMSprop) setMomentum(m float64)            { o.cfg.Momentum = m }
func (o *Adam) momentum() (float64, bool)           { return o.cfg.Betas[0], true }
func (o *Adam) setMomentum(m float64)               { o.cfg.Betas[0] = m }
func (o *Adamax) momentum() (float64, bool)         { return o.cfg.Betas[0], true }
func (o *Adamax) setMomentum(m float64)             { o.cfg.Betas[0] = m }
func (o *NAdam) momentum() (float64, bool)          { return o.cfg.Betas[0], true }
func (o *NAdam) setMomentum(m float64)              { o.cfg.Betas[0] = m }
func (o *RAdam) momentum() (float64, bool)          { return o.cfg.Betas[0], true }
func (o *RAdam) setMomentum(m float64)              { o.cfg.Betas[0] = m }
func optMomentum(opt Optimizer) (momentumOpt, bool) { m, ok := opt.(momentumOpt); return m, ok }

// CyclicLRParams are CyclicLR's keyword arguments. PyTorch's scale_fn is
// a Python function of the cycle (scale_mode "cycle") or of the step
// ("iterations"); a spec names one of these forms instead, each the
// Python lambda given (x is the cycle, from 1, or the step, from 0):
//
//	constant     lambda x: 1.0                 (mode triangular's)
//	halving      lambda x: 1 / (2.0 ** (x - 1)) (mode triangular2's)
//	exponential  lambda x: gamma ** x           (mode exp_range's)
//
// As in PyTorch, a scale_fn overrides mode, and scale_mode only applies
// with a scale_fn: without one, mode decides both (triangular and
// triangular2 scale per cycle, exp_range per step).
type CyclicLRParams struct {
	BaseLR        float64  `json:"base_lr" required:"true" min:"0" help:"lower boundary of the cycle"`
	MaxLR         float64  `json:"max_lr" required:"true" min:"0" help:"upper boundary of the cycle"`
	StepSizeUp    float64  `json:"step_size_up" gt:"0" help:"steps (epochs here) in the increasing half of a cycle"`
	StepSizeDown  *float64 `json:"step_size_down" nullable:"true" type:"float" gt:"0" help:"steps in the decreasing half (null: step_size_up)"`
	Mode          string   `json:"mode" enum:"triangular,triangular2,exp_range" help:"triangular, triangular2 (amplitude halved each cycle) or exp_range (scaled by gamma^step)"`
	Gamma         float64  `json:"gamma" gt:"0" help:"base of exp_range's scaling"`
	ScaleFn       string   `json:"scale_fn" nullable:"true" enum:"constant,halving,exponential" help:"the amplitude's scale by name (a Python function in PyTorch), overriding mode: constant (1), halving (1/2**(x-1)) or exponential (gamma**x), of the cycle or the step as scale_mode says (null: mode's)"`
	ScaleMode     string   `json:"scale_mode" enum:"cycle,iterations" help:"with scale_fn: its x is the cycle (from 1) or the step (from 0); ignored without scale_fn, as PyTorch does"`
	CycleMomentum bool     `json:"cycle_momentum" help:"cycle the momentum inversely (the optimizer needs a momentum: SGD or RMSprop)"`
	BaseMomentum  float64  `json:"base_momentum" min:"0" help:"lower boundary of the momentum"`
	MaxMomentum   float64  `json:"max_momentum" min:"0" help:"upper boundary of the momentum"`
	LastEpoch
}

// OneCycleLRParams are OneCycleLR's keyword arguments.
type OneCycleLRParams struct {
	MaxLR          float64 `json:"max_lr" required:"true" gt:"0" help:"peak rate"`
	TotalSteps     *int    `json:"total_steps" nullable:"true" type:"int" min:"1" help:"steps (epochs here) in the cycle (null: epochs · steps_per_epoch)"`
	Epochs         *int    `json:"epochs" nullable:"true" type:"int" min:"1" help:"with steps_per_epoch, when total_steps is null"`
	StepsPerEpoch  *int    `json:"steps_per_epoch" nullable:"true" type:"int" min:"1" help:"with epochs, when total_steps is null"`
	PctStart       float64 `json:"pct_start" min:"0" max:"1" help:"fraction of the cycle spent increasing the rate"`
	AnnealStrategy string  `json:"anneal_strategy" enum:"cos,linear" help:"cosine or linear annealing"`
	CycleMomentum  bool    `json:"cycle_momentum" help:"cycle the momentum (or Adam's β₁) inversely"`
	BaseMomentum   float64 `json:"base_momentum" min:"0" help:"lower boundary of the momentum"`
	MaxMomentum    float64 `json:"max_momentum" min:"0" help:"upper boundary of the momentum"`
	DivFactor      float64 `json:"div_factor" gt:"0" help:"initial rate = max_lr / div_factor"`
	FinalDivFactor float64 `json:"final_div_factor" gt:"0" help:"minimum rate = initial rate / final_div_factor"`
	ThreePhase     bool    `json:"three_phase" help:"a third phase annihilates the rate"`
	LastEpoch
}

func init() {
	registerScheduler("CyclicLR", "the rate cycled between base_lr and max_lr (stepped once per epoch here)",
		func() CyclicLRParams {
			return CyclicLRParams{StepSizeUp: 2000, Mode: "triangular", Gamma: 1, ScaleMode: "cycle", CycleMomentum: true,
				BaseMomentum: 0.8, MaxMomentum: 0.9, LastEpoch: LastEpoch{LastEpoch: -1}}
		},
		wrap(func(opt Optimizer, c CyclicLRParams) (Scheduler, error) { return NewCyclicLR(opt, c) }))
	registerScheduler("OneCycleLR", "the 1cycle policy: up to max_lr, then annealed far below (stepped once per epoch here)",
		func() OneCycleLRParams {
			return OneCycleLRParams{PctStart: 0.3, AnnealStrategy: "cos", CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95,
				DivFactor: 25, FinalDivFactor: 1e4, LastEpoch: LastEpoch{LastEpoch: -1}}
		},
		wrap(func(opt Optimizer, c OneCycleLRParams) (Scheduler, error) { return NewOneCycleLR(opt, c) }))
}

// CyclicLR cycles the rate between BaseLR and MaxLR (Smith, "Cyclical
// Learning Rates for Training Neural Networks"), and the momentum
// inversely, as torch.optim.lr_scheduler.CyclicLR; the training loop steps
// it once per epoch.
type CyclicLR struct {
	schedBase
	p         CyclicLRParams
	total     float64
	ratio     float64
	mom       momentumOpt
	baseMomen float64
}

// NewCyclicLR returns a CyclicLR and sets the rate (and momentum) of step 0.
func NewCyclicLR(opt Optimizer, p CyclicLRParams) (*CyclicLR, error) {
	if !(p.StepSizeUp > 0) || (p.StepSizeDown != nil && !(*p.StepSizeDown > 0)) || !(p.BaseLR >= 0) || !(p.MaxLR >= 0) || !(p.Gamma > 0) {
		return nil, fmt.Errorf("optim: CyclicLR: step sizes and gamma must be positive, base_lr %v and max_lr %v non-negative", p.BaseLR, p.MaxLR)
	}
	switch p.Mode {
	case "triangular", "triangular2", "exp_range":
	default:
		return nil, fmt.Errorf("optim: CyclicLR: mode is %q, expected triangular, triangular2 or exp_range", p.Mode)
	}
	switch p.ScaleFn {
	case "":
	case "constant", "halving", "exponential":
		if p.ScaleMode != "cycle" && p.ScaleMode != "iterations" {
			return nil, fmt.Errorf("optim: CyclicLR: scale_mode is %q, expected cycle or iterations", p.ScaleMode)
		}
	default:
		return nil, fmt.Errorf("optim: CyclicLR: scale_fn is %q, expected constant, halving or exponential (or null for mode's)", p.ScaleFn)
	}
	down := p.StepSizeUp
	if p.StepSizeDown != nil {
		down = *p.StepSizeDown
	}
	s := &CyclicLR{schedBase: schedBase{opt: opt}, p: p, total: p.StepSizeUp + down}
	s.ratio = p.StepSizeUp / s.total
	if p.CycleMomentum {
		m, ok := optMomentum(opt)
		if ok {
			_, betas := m.momentum()
			ok = !betas
		}
		if !ok {
			return nil, fmt.Errorf("optim: CyclicLR: cycle_momentum needs an optimizer with a momentum (SGD or RMSprop); set cycle_momentum to false")
		}
		s.mom = m
		m.setMomentum(p.BaseMomentum)
		s.baseMomen = p.BaseMomentum
	}
	opt.SetLR(p.BaseLR)
	s.baseLR = p.BaseLR
	s.set()
	return s, nil
}

func (s *CyclicLR) set() {
	e := float64(s.lastEpoch)
	cycle := math.Floor(1 + e/s.total)
	x := 1 + e/s.total - cycle
	var scale float64
	if x <= s.ratio {
		scale = x / s.ratio
	} else {
		scale = (x - 1) / (s.ratio - 1)
	}
	fn, byCycle := s.p.ScaleFn, s.p.ScaleMode == "cycle"
	switch {
	case fn != "":
	case s.p.Mode == "triangular":
		fn, byCycle = "constant", true
	case s.p.Mode == "triangular2":
		fn, byCycle = "halving", true
	default:
		fn, byCycle = "exponential", false
	}
	x = e
	if byCycle {
		x = cycle
	}
	var f float64
	switch fn {
	case "constant":
		f = 1
	case "halving":
		f = 1 / math.Pow(2, x-1)
	default:
		f = math.Pow(s.p.Gamma, x)
	}
	s.opt.SetLR(s.baseLR + (s.p.MaxLR-s.baseLR)*scale*f)
	if s.mom != nil {
		s.mom.setMomentum(s.p.MaxMomentum - (s.p.MaxMomentum-s.baseMomen)*scale*f)
	}
}

// Step advances one step.
func (s *CyclicLR) Step() { s.lastEpoch++; s.set() }

// SetLastEpoch restores the schedule, rate and momentum included, at a
// given step.
func (s *CyclicLR) SetLastEpoch(e int) { s.lastEpoch = e; s.set() }

func (s *CyclicLR) restart() { s.lastEpoch = 0; s.set() }

// setBase does nothing: CyclicLR's base is base_lr, as in PyTorch.
func (s *CyclicLR) setBase(float64) {}

// OneCycleLR is the 1cycle policy (Smith and Topin, "Super-Convergence")
// as torch.optim.lr_scheduler.OneCycleLR: the rate rises from
// max_lr/div_factor to max_lr over pct_start of the cycle and is annealed
// to the initial rate / final_div_factor, the momentum moving inversely.
// The training loop steps it once per epoch. Past total_steps the rate
// stays at its last value (PyTorch raises an error there).
type OneCycleLR struct {
	schedBase
	p                 OneCycleLRParams
	total             int
	initial, max, min float64
	phases            []ocPhase
	mom               momentumOpt
}

type ocPhase struct {
	end              float64
	startLR, endLR   *float64
	startMom, endMom *float64
}

// NewOneCycleLR returns a OneCycleLR and sets the rate (and momentum) of
// step 0.
func NewOneCycleLR(opt Optimizer, p OneCycleLRParams) (*OneCycleLR, error) {
	var total int
	switch {
	case p.TotalSteps != nil:
		total = *p.TotalSteps
	case p.Epochs != nil && p.StepsPerEpoch != nil:
		if *p.Epochs < 1 || *p.StepsPerEpoch < 1 || *p.Epochs > 1<<40 / *p.StepsPerEpoch {
			return nil, fmt.Errorf("optim: OneCycleLR: epochs %d and steps_per_epoch %d must be positive (and not absurdly large)", *p.Epochs, *p.StepsPerEpoch)
		}
		total = *p.Epochs * *p.StepsPerEpoch
	default:
		return nil, fmt.Errorf("optim: OneCycleLR: give total_steps, or epochs and steps_per_epoch")
	}
	if total < 1 || !(p.MaxLR > 0) || !(p.PctStart >= 0 && p.PctStart <= 1) || !(p.DivFactor > 0) || !(p.FinalDivFactor > 0) {
		return nil, fmt.Errorf("optim: OneCycleLR: total_steps %d, max_lr %v, div_factor %v and final_div_factor %v must be positive and pct_start %v in [0, 1]",
			total, p.MaxLR, p.DivFactor, p.FinalDivFactor, p.PctStart)
	}
	if p.AnnealStrategy != "cos" && p.AnnealStrategy != "linear" {
		return nil, fmt.Errorf("optim: OneCycleLR: anneal_strategy is %q, expected cos or linear", p.AnnealStrategy)
	}
	s := &OneCycleLR{schedBase: schedBase{opt: opt}, p: p, total: total}
	s.initial = p.MaxLR / p.DivFactor
	s.max = p.MaxLR
	s.min = s.initial / p.FinalDivFactor
	bm, mm := &s.p.BaseMomentum, &s.p.MaxMomentum
	T := float64(total)
	if p.ThreePhase {
		s.phases = []ocPhase{
			{p.PctStart*T - 1, &s.initial, &s.max, mm, bm},
			{2*p.PctStart*T - 2, &s.max, &s.initial, bm, mm},
			{T - 1, &s.initial, &s.min, mm, mm},
		}
	} else {
		s.phases = []ocPhase{
			{p.PctStart*T - 1, &s.initial, &s.max, mm, bm},
			{T - 1, &s.max, &s.min, bm, mm},
		}
	}
	start := 0.0
	for i, ph := range s.phases {
		if ph.end == start {
			return nil, fmt.Errorf("optim: OneCycleLR: pct_start %v over %d steps leaves phase %d empty (PyTorch divides by zero there)", p.PctStart, total, i+1)
		}
		start = ph.end
	}
	if p.CycleMomentum {
		m, ok := optMomentum(opt)
		if !ok {
			return nil, fmt.Errorf("optim: OneCycleLR: cycle_momentum needs an optimizer with a momentum or betas; set cycle_momentum to false")
		}
		s.mom = m
		m.setMomentum(p.MaxMomentum)
	}
	s.set()
	return s, nil
}

func (s *OneCycleLR) anneal(a, b, pct float64) float64 {
	if s.p.AnnealStrategy == "cos" {
		return b + (a-b)/2.0*(math.Cos(math.Pi*pct)+1)
	}
	return (b-a)*pct + a
}

func (s *OneCycleLR) set() {
	step := float64(s.lastEpoch)
	start := 0.0
	for i, ph := range s.phases {
		if step <= ph.end || i == len(s.phases)-1 {
			pct := (step - start) / (ph.end - start)
			s.opt.SetLR(s.anneal(*ph.startLR, *ph.endLR, pct))
			if s.mom != nil {
				s.mom.setMomentum(s.anneal(*ph.startMom, *ph.endMom, pct))
			}
			return
		}
		start = ph.end
	}
}

// Step advances one step.
func (s *OneCycleLR) Step() {
	if s.lastEpoch >= s.total {
		return
	}
	s.lastEpoch++
	s.set()
}

// SetLastEpoch restores the schedule, rate and momentum included.
func (s *OneCycleLR) SetLastEpoch(e int) { s.lastEpoch = min(max(e, 0), s.total); s.set() }

func (s *OneCycleLR) restart() { s.lastEpoch = 0; s.set() }

func (s *OneCycleLR) setBase(float64) {}

// SchedulerSpec is a scheduler inside SequentialLR or ChainedScheduler: its
// class name under "type" and its keyword arguments.
type SchedulerSpec map[string]json.RawMessage

// SequentialLRParams are SequentialLR's keyword arguments.
type SequentialLRParams struct {
	Schedulers []SchedulerSpec `json:"schedulers" required:"true" type:"list" help:"schedulers as objects with a \"type\", used in turn"`
	Milestones []int           `json:"milestones" required:"true" min:"1" help:"epochs at which the next scheduler takes over (one fewer than schedulers)"`
	LastEpoch
}

// ChainedSchedulerParams are ChainedScheduler's keyword arguments.
type ChainedSchedulerParams struct {
	Schedulers []SchedulerSpec `json:"schedulers" required:"true" type:"list" help:"schedulers as objects with a \"type\", all stepped every epoch in order"`
}

func init() {
	registerScheduler("SequentialLR", "schedulers used in turn, switching at the milestones",
		func() SequentialLRParams { return SequentialLRParams{LastEpoch: LastEpoch{LastEpoch: -1}} }, NewSequentialLR)
	registerScheduler("ChainedScheduler", "schedulers all stepped every epoch, their changes combined",
		func() ChainedSchedulerParams { return ChainedSchedulerParams{} },
		func(opt Optimizer, c ChainedSchedulerParams) (EpochScheduler, error) {
			return NewChainedScheduler(opt, c.Schedulers)
		})
}

// children builds the schedulers of a composite in order, as PyTorch's
// caller constructs them over the same optimizer, and returns them with
// the optimizer's initial_lr as PyTorch leaves it: the rate before the
// first scheduler (CyclicLR, first, sets it to its base_lr; OneCycleLR
// always sets it to max_lr / div_factor), each scheduler taking the value
// at its construction as its base. (A CyclicLR after the first sets the
// rate to initial_lr when it is built, as PyTorch's first step does, and
// cycles from its base_lr afterwards.)
func children(kind string, opt Optimizer, specs []SchedulerSpec) ([]EpochScheduler, float64, error) {
	if len(specs) == 0 {
		return nil, 0, fmt.Errorf("optim: %s: schedulers is empty, expected at least one", kind)
	}
	initial := opt.LR()
	var out []EpochScheduler
	for i, spec := range specs {
		var typ string
		if err := json.Unmarshal(spec["type"], &typ); err != nil || typ == "" {
			return nil, 0, fmt.Errorf("optim: %s: schedulers[%d]: expected an object with a \"type\" naming a scheduler", kind, i)
		}
		switch typ {
		case "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau":
			return nil, 0, fmt.Errorf("optim: %s: schedulers[%d]: %s cannot be nested (PyTorch steps the children with epoch counts only)", kind, i, typ)
		}
		params := map[string]json.RawMessage{}
		for k, v := range spec {
			if k != "type" {
				params[k] = v
			}
		}
		raw, _ := json.Marshal(params)
		s, err := NewScheduler(typ, opt, raw)
		if err != nil {
			return nil, 0, fmt.Errorf("optim: %s: schedulers[%d]: %s", kind, i, strings.TrimPrefix(err.Error(), "optim: "))
		}
		switch u := underlying(s).(type) {
		case *CyclicLR:
			if i == 0 {
				initial = u.p.BaseLR
			} else {
				// PyTorch's first step computes with the base rates read
				// from initial_lr (set by an earlier scheduler), at scale 0.
				opt.SetLR(initial)
			}
		case *OneCycleLR:
			initial = u.initial
		}
		if b, ok := s.(baseSetter); ok {
			b.setBase(initial)
		}
		out = append(out, s)
	}
	return out, initial, nil
}

// SequentialLR uses its schedulers in turn, switching to the next at each
// milestone, where that scheduler restarts at its epoch 0
// (torch.optim.lr_scheduler.SequentialLR).
type SequentialLR struct {
	opt        Optimizer
	scheds     []EpochScheduler
	milestones []int
	lastEpoch  int
}

// NewSequentialLR builds the schedulers and starts the first.
func NewSequentialLR(opt Optimizer, c SequentialLRParams) (EpochScheduler, error) {
	if len(c.Milestones) != len(c.Schedulers)-1 {
		return nil, fmt.Errorf("optim: SequentialLR: %d milestones for %d schedulers, expected one fewer milestone than schedulers", len(c.Milestones), len(c.Schedulers))
	}
	if !slices.IsSorted(c.Milestones) {
		return nil, fmt.Errorf("optim: SequentialLR: milestones %v are not in increasing order", c.Milestones)
	}
	scheds, initial, err := children("SequentialLR", opt, c.Schedulers)
	if err != nil {
		return nil, err
	}
	for i, sc := range scheds[1:] {
		switch u := underlying(sc).(type) {
		case *LinearLR:
			err = zeroIters(u.TotalIters, i+1)
		case *PolynomialLR:
			err = zeroIters(u.TotalIters, i+1)
		}
		if err != nil {
			return nil, err
		}
	}
	opt.SetLR(initial)
	scheds[0].(initialStepper).initialStep()
	return &SequentialLR{opt: opt, scheds: scheds, milestones: slices.Clone(c.Milestones)}, nil
}

// zeroIters refuses total_iters 0 for a scheduler that SequentialLR
// restarts, as PyTorch's closed form divides by it.
func zeroIters(n, i int) error {
	if n == 0 {
		return fmt.Errorf("optim: SequentialLR: schedulers[%d]: total_iters is 0, which PyTorch divides by when it restarts the scheduler at its milestone; expected at least 1", i)
	}
	return nil
}

// Step advances one epoch.
func (s *SequentialLR) Step(float64) {
	s.lastEpoch++
	idx := bisectRight(s.milestones, s.lastEpoch)
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		s.scheds[idx].(restarter).restart()
	} else {
		s.scheds[idx].Step(0)
	}
}

// bisectRight is Python's bisect_right.
func bisectRight(a []int, x int) int {
	i := 0
	for i < len(a) && a[i] <= x {
		i++
	}
	return i
}

// LR returns the optimizer's rate.
func (s *SequentialLR) LR() float64 { return s.opt.LR() }

// State returns the epoch and every scheduler's state, prefixed by its
// index.
func (s *SequentialLR) State() map[string]float64 { return compositeState(s.lastEpoch, s.scheds) }

// LoadState restores what State returned. The optimizer's rate (restored
// from its own state first) is kept; the scheduler in use loads last, so
// that the momentum a cyclic one sets is its.
func (s *SequentialLR) LoadState(m map[string]float64) {
	lr := s.opt.LR()
	s.lastEpoch = loadComposite(m, s.scheds)
	idx := bisectRight(s.milestones, s.lastEpoch)
	loadComposite(m, s.scheds[idx:idx+1], idx)
	s.opt.SetLR(lr)
}

func compositeState(last int, scheds []EpochScheduler) map[string]float64 {
	out := map[string]float64{"last_epoch": float64(last)}
	for i, c := range scheds {
		for k, v := range c.State() {
			out[fmt.Sprintf("%d.%s", i, k)] = v
		}
	}
	return out
}

// loadComposite loads the children's states, the first numbered first
// (0 unless given), and returns the composite's last epoch.
func loadComposite(m map[string]float64, scheds []EpochScheduler, first ...int) int {
	base := 0
	if len(first) > 0 {
		base = first[0]
	}
	for i, c := range scheds {
		prefix := fmt.Sprintf("%d.", base+i)
		sub := map[string]float64{}
		for k, v := range m {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				sub[rest] = v
			}
		}
		c.LoadState(sub)
	}
	return int(m["last_epoch"])
}

// ChainedScheduler steps all its schedulers every epoch, in order, so that
// their changes to the rate combine (torch.optim.lr_scheduler.
// ChainedScheduler).
type ChainedScheduler struct {
	opt       Optimizer
	scheds    []EpochScheduler
	lastEpoch int
}

// NewChainedScheduler builds the schedulers in order.
func NewChainedScheduler(opt Optimizer, specs []SchedulerSpec) (*ChainedScheduler, error) {
	scheds, _, err := children("ChainedScheduler", opt, specs)
	if err != nil {
		return nil, err
	}
	return &ChainedScheduler{opt: opt, scheds: scheds}, nil
}

// Step advances every scheduler one epoch.
func (s *ChainedScheduler) Step(float64) {
	s.lastEpoch++
	for _, c := range s.scheds {
		c.Step(0)
	}
}

// LR returns the optimizer's rate.
func (s *ChainedScheduler) LR() float64 { return s.opt.LR() }

// State returns every scheduler's state, prefixed by its index.
func (s *ChainedScheduler) State() map[string]float64 { return compositeState(s.lastEpoch, s.scheds) }

// LoadState restores what State returned, keeping the optimizer's rate
// (restored from its own state first).
func (s *ChainedScheduler) LoadState(m map[string]float64) {
	lr := s.opt.LR()
	s.lastEpoch = loadComposite(m, s.scheds)
	s.opt.SetLR(lr)
}
