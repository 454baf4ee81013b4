package optim

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/param"
)

// Scheduler changes an optimizer's learning rate once per epoch (or per
// call of Step), like torch.optim.lr_scheduler. Construction records the
// optimizer's current rate as the base rate (epoch 0).
type Scheduler interface {
	// Step advances one epoch and sets the new learning rate.
	Step()
	// LR returns the learning rate set by the last step.
	LR() float64
	// LastEpoch returns the number of steps taken.
	LastEpoch() int
	// SetLastEpoch restores the schedule at a given epoch, for resuming;
	// the caller restores the optimizer's learning rate from its State.
	SetLastEpoch(epoch int)
}

type schedBase struct {
	opt       Optimizer
	baseLR    float64
	lastEpoch int
}

// LR returns the optimizer's learning rate.
func (s *schedBase) LR() float64 { return s.opt.LR() }

// LastEpoch returns the number of steps taken.
func (s *schedBase) LastEpoch() int { return s.lastEpoch }

// SetLastEpoch sets the epoch counter.
func (s *schedBase) SetLastEpoch(e int) { s.lastEpoch = e }

// LastEpoch holds the last_epoch and verbose keyword arguments of
// PyTorch's epoch schedulers. Only last_epoch -1 (a new schedule) is
// accepted: a run resumes from its checkpoint, which restores the
// schedule.
type LastEpoch struct {
	LastEpoch int `json:"last_epoch" enum:"-1" help:"must be -1 (a resumed run restores the schedule from its checkpoint)"`
	Verbose
}

// Verbose is the schedulers' verbose keyword argument: PyTorch prints
// each new rate; here every epoch's rate is in the run's metrics ("lr")
// either way, so it changes nothing.
type Verbose struct {
	Verbose bool `json:"verbose" help:"PyTorch prints each new rate; every epoch's rate is in the run's metrics (lr) either way"`
}

// StepLRParams are StepLR's keyword arguments.
type StepLRParams struct {
	StepSize int     `json:"step_size" required:"true" min:"1" help:"epochs between decays"`
	Gamma    float64 `json:"gamma" gt:"0" help:"decay factor"`
	LastEpoch
}

func init() {
	registerScheduler("StepLR", "multiply the rate by gamma every step_size epochs",
		func() StepLRParams { return StepLRParams{Gamma: 0.1, LastEpoch: LastEpoch{LastEpoch: -1}} },
		func(opt Optimizer, c StepLRParams) (EpochScheduler, error) {
			s, err := NewStepLR(opt, c.StepSize, c.Gamma)
			if err != nil {
				return nil, err
			}
			return epochSched{s}, nil
		})
}

// StepLR multiplies the learning rate by Gamma every StepSize epochs.
type StepLR struct {
	schedBase
	StepSize int
	Gamma    float64
}

// NewStepLR returns a StepLR; PyTorch's default gamma is 0.1.
func NewStepLR(opt Optimizer, stepSize int, gamma float64) (*StepLR, error) {
	if stepSize < 1 || !(gamma > 0) {
		return nil, fmt.Errorf("optim: StepLR: step_size %d must be positive and gamma %v positive", stepSize, gamma)
	}
	return &StepLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, StepSize: stepSize, Gamma: gamma}, nil
}

// Step advances one epoch.
func (s *StepLR) Step() {
	s.lastEpoch++
	if s.lastEpoch%s.StepSize == 0 {
		s.opt.SetLR(s.opt.LR() * s.Gamma)
	}
}

// ExponentialLRParams are ExponentialLR's keyword arguments.
type ExponentialLRParams struct {
	Gamma float64 `json:"gamma" required:"true" gt:"0" help:"decay factor"`
	LastEpoch
}

func init() {
	registerScheduler("ExponentialLR", "multiply the rate by gamma every epoch",
		func() ExponentialLRParams { return ExponentialLRParams{LastEpoch: LastEpoch{LastEpoch: -1}} },
		func(opt Optimizer, c ExponentialLRParams) (EpochScheduler, error) {
			s, err := NewExponentialLR(opt, c.Gamma)
			if err != nil {
				return nil, err
			}
			return epochSched{s}, nil
		})
}

// ExponentialLR multiplies the learning rate by Gamma every epoch.
type ExponentialLR struct {
	schedBase
	Gamma float64
}

// NewExponentialLR returns an ExponentialLR.
func NewExponentialLR(opt Optimizer, gamma float64) (*ExponentialLR, error) {
	if !(gamma > 0) {
		return nil, fmt.Errorf("optim: ExponentialLR: gamma %v must be positive", gamma)
	}
	return &ExponentialLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, Gamma: gamma}, nil
}

// Step advances one epoch.
func (s *ExponentialLR) Step() {
	s.lastEpoch++
	s.opt.SetLR(s.opt.LR() * s.Gamma)
}

// CosineAnnealingLRParams are CosineAnnealingLR's keyword arguments.
type CosineAnnealingLRParams struct {
	TMax   int     `json:"T_max" required:"true" min:"1" help:"epochs of a half period"`
	EtaMin float64 `json:"eta_min" min:"0" help:"minimum rate"`
	LastEpoch
}

func init() {
	registerScheduler("CosineAnnealingLR", "cosine annealing from the initial rate to eta_min over T_max epochs",
		func() CosineAnnealingLRParams { return CosineAnnealingLRParams{LastEpoch: LastEpoch{LastEpoch: -1}} },
		func(opt Optimizer, c CosineAnnealingLRParams) (EpochScheduler, error) {
			s, err := NewCosineAnnealingLR(opt, c.TMax, c.EtaMin)
			if err != nil {
				return nil, err
			}
			return epochSched{s}, nil
		})
}

// CosineAnnealingLR anneals the learning rate from its base value to EtaMin
// over TMax epochs along a cosine, with PyTorch's recursive formula (which
// also defines what happens past TMax).
type CosineAnnealingLR struct {
	schedBase
	TMax   int
	EtaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR; PyTorch's default
// eta_min is 0.
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) (*CosineAnnealingLR, error) {
	if tMax < 1 || !(etaMin >= 0) {
		return nil, fmt.Errorf("optim: CosineAnnealingLR: T_max %d must be positive and eta_min %v non-negative", tMax, etaMin)
	}
	return &CosineAnnealingLR{schedBase: schedBase{opt: opt, baseLR: opt.LR()}, TMax: tMax, EtaMin: etaMin}, nil
}

// Step advances one epoch.
func (s *CosineAnnealingLR) Step() {
	s.lastEpoch++
	e, T := float64(s.lastEpoch), float64(s.TMax)
	lr := s.opt.LR()
	switch {
	case (s.lastEpoch-1-s.TMax)%(2*s.TMax) == 0:
		lr += (s.baseLR - s.EtaMin) * (1 - math.Cos(math.Pi/T)) / 2
	default:
		lr = (1+math.Cos(math.Pi*e/T))/(1+math.Cos(math.Pi*(e-1)/T))*(lr-s.EtaMin) + s.EtaMin
	}
	s.opt.SetLR(lr)
}

// PlateauParams are ReduceLROnPlateau's keyword arguments.
type PlateauParams struct {
	// Mode is "min" (lower is better) or "max".
	Mode string `json:"mode" enum:"min,max" help:"min: lower is better"`
	// Factor multiplies the rate on a plateau (< 1).
	Factor float64 `json:"factor" gt:"0" lt:"1" help:"multiplies the rate on a plateau"`
	// Patience is the number of epochs without improvement tolerated.
	Patience int `json:"patience" min:"0" help:"epochs without improvement tolerated"`
	// Threshold is the minimum improvement, relative ("rel") or absolute
	// ("abs") according to ThresholdMode.
	Threshold     float64 `json:"threshold" min:"0" help:"minimum improvement"`
	ThresholdMode string  `json:"threshold_mode" enum:"rel,abs" help:"relative or absolute threshold"`
	// Cooldown is the number of epochs to wait after a reduction.
	Cooldown int `json:"cooldown" min:"0" help:"epochs to wait after a reduction"`
	// MinLR bounds the rate from below.
	MinLR float64 `json:"min_lr" min:"0" help:"lower bound of the rate"`
	// Eps is the smallest change of rate applied.
	Eps float64 `json:"eps" min:"0" help:"smallest change applied"`
	Verbose
}

// DefaultPlateau returns PyTorch's defaults: mode "min", factor 0.1,
// patience 10, threshold 1e-4 ("rel"), cooldown 0, min_lr 0, eps 1e-8.
func DefaultPlateau() PlateauParams {
	return PlateauParams{Mode: "min", Factor: 0.1, Patience: 10, Threshold: 1e-4, ThresholdMode: "rel", Eps: 1e-8}
}

func init() {
	registerScheduler("ReduceLROnPlateau", "reduce the rate when the validation loss stops improving", DefaultPlateau,
		func(opt Optimizer, c PlateauParams) (EpochScheduler, error) {
			return plateauSched{&ReduceLROnPlateau{opt: opt, PlateauParams: c}}, nil
		})
}

// ReduceLROnPlateau multiplies the learning rate by Factor when a metric
// has stopped improving for Patience epochs (torch.optim.lr_scheduler.
// ReduceLROnPlateau). Its Step takes the metric.
type ReduceLROnPlateau struct {
	opt Optimizer
	PlateauParams

	best             float64
	numBad, cooldown int
	lastEpoch        int
	started          bool
}

// NewReduceLROnPlateau returns a scheduler with PyTorch's defaults (see
// DefaultPlateau). Change the fields before the first Step, then call
// Validate.
func NewReduceLROnPlateau(opt Optimizer) *ReduceLROnPlateau {
	return &ReduceLROnPlateau{opt: opt, PlateauParams: DefaultPlateau()}
}

// Validate checks the settings against the bounds and choices of
// PlateauParams.
func (r *ReduceLROnPlateau) Validate() error {
	if err := param.Validate(&r.PlateauParams); err != nil {
		return fmt.Errorf("optim: ReduceLROnPlateau: %w", err)
	}
	return nil
}

// Reset forgets the best value and counters (the first Step does it too,
// after the fields have been set).
func (r *ReduceLROnPlateau) Reset() {
	r.best = math.Inf(1)
	if r.Mode == "max" {
		r.best = math.Inf(-1)
	}
	r.numBad, r.cooldown = 0, 0
	r.started = true
}

func (r *ReduceLROnPlateau) better(a float64) bool {
	switch {
	case r.Mode == "min" && r.ThresholdMode == "rel":
		return a < r.best*(1-r.Threshold)
	case r.Mode == "min":
		return a < r.best-r.Threshold
	case r.ThresholdMode == "rel":
		return a > r.best*(r.Threshold+1)
	default:
		return a > r.best+r.Threshold
	}
}

// Step records the epoch's metric and reduces the rate on a plateau.
func (r *ReduceLROnPlateau) Step(metric float64) {
	if !r.started {
		r.Reset()
	}
	r.lastEpoch++
	if r.better(metric) {
		r.best = metric
		r.numBad = 0
	} else {
		r.numBad++
	}
	if r.cooldown > 0 {
		r.cooldown--
		r.numBad = 0
	}
	if r.numBad > r.Patience {
		old := r.opt.LR()
		lr := math.Max(old*r.Factor, r.MinLR)
		if old-lr > r.Eps {
			r.opt.SetLR(lr)
		}
		r.cooldown = r.Cooldown
		r.numBad = 0
	}
}

// LR returns the optimizer's learning rate.
func (r *ReduceLROnPlateau) LR() float64 { return r.opt.LR() }

// State returns the counters and best value for checkpoints.
func (r *ReduceLROnPlateau) State() map[string]float64 {
	return map[string]float64{"best": r.best, "num_bad_epochs": float64(r.numBad), "cooldown_counter": float64(r.cooldown), "last_epoch": float64(r.lastEpoch)}
}

// LoadState restores what State returned.
func (r *ReduceLROnPlateau) LoadState(s map[string]float64) {
	r.best, r.numBad, r.cooldown, r.lastEpoch = s["best"], int(s["num_bad_epochs"]), int(s["cooldown_counter"]), int(s["last_epoch"])
	r.started = true
}
