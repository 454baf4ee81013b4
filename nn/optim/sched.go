package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
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

// ReduceLROnPlateau multiplies the learning rate by Factor when a metric
// has stopped improving for Patience epochs (torch.optim.lr_scheduler.
// ReduceLROnPlateau). Its Step takes the metric.
type ReduceLROnPlateau struct {
	opt Optimizer
	// Mode is "min" (lower is better) or "max".
	Mode string
	// Factor multiplies the rate on a plateau (< 1).
	Factor float64
	// Patience is the number of epochs without improvement tolerated.
	Patience int
	// Threshold is the minimum improvement, relative ("rel") or absolute
	// ("abs") according to ThresholdMode.
	Threshold     float64
	ThresholdMode string
	// Cooldown is the number of epochs to wait after a reduction.
	Cooldown int
	// MinLR bounds the rate from below.
	MinLR float64
	// Eps is the smallest change of rate applied.
	Eps float64

	best             float64
	numBad, cooldown int
	lastEpoch        int
	started          bool
}

// NewReduceLROnPlateau returns a scheduler with PyTorch's defaults: mode
// "min", factor 0.1, patience 10, threshold 1e-4 ("rel"), cooldown 0,
// min_lr 0, eps 1e-8. Change the fields before the first Step, then call
// Validate.
func NewReduceLROnPlateau(opt Optimizer) *ReduceLROnPlateau {
	return &ReduceLROnPlateau{opt: opt, Mode: "min", Factor: 0.1, Patience: 10, Threshold: 1e-4, ThresholdMode: "rel", Eps: 1e-8}
}

// Validate checks the settings.
func (r *ReduceLROnPlateau) Validate() error {
	if r.Mode != "min" && r.Mode != "max" {
		return fmt.Errorf("optim: ReduceLROnPlateau: mode is %q, expected \"min\" or \"max\"", r.Mode)
	}
	if r.ThresholdMode != "rel" && r.ThresholdMode != "abs" {
		return fmt.Errorf("optim: ReduceLROnPlateau: threshold_mode is %q, expected \"rel\" or \"abs\"", r.ThresholdMode)
	}
	if !(r.Factor > 0 && r.Factor < 1) {
		return fmt.Errorf("optim: ReduceLROnPlateau: factor %v must be in (0, 1)", r.Factor)
	}
	if r.Patience < 0 || r.Cooldown < 0 || !(r.MinLR >= 0) || !(r.Threshold >= 0) || !(r.Eps >= 0) {
		return fmt.Errorf("optim: ReduceLROnPlateau: patience %d, cooldown %d, min_lr %v, threshold %v and eps %v must be non-negative", r.Patience, r.Cooldown, r.MinLR, r.Threshold, r.Eps)
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

// SchedulerNames lists the scheduler names NewScheduler accepts.
func SchedulerNames() []string {
	return []string{"CosineAnnealingLR", "ExponentialLR", "ReduceLROnPlateau", "StepLR"}
}

// NewScheduler builds a scheduler from its PyTorch class name and keyword
// arguments (a JSON object: {"step_size": 10, "gamma": 0.5}). StepLR,
// ExponentialLR and CosineAnnealingLR return a Scheduler;
// ReduceLROnPlateau returns a *ReduceLROnPlateau, stepped with a metric.
func NewScheduler(name string, opt Optimizer, raw json.RawMessage) (any, error) {
	switch name {
	case "StepLR":
		c := struct {
			StepSize *int    `json:"step_size"`
			Gamma    float64 `json:"gamma"`
		}{Gamma: 0.1}
		if err := decodeOpt(raw, &c); err != nil {
			return nil, fmt.Errorf("optim: StepLR: %w", err)
		}
		if c.StepSize == nil {
			return nil, fmt.Errorf("optim: StepLR: step_size is required")
		}
		return NewStepLR(opt, *c.StepSize, c.Gamma)
	case "ExponentialLR":
		c := struct {
			Gamma *float64 `json:"gamma"`
		}{}
		if err := decodeOpt(raw, &c); err != nil {
			return nil, fmt.Errorf("optim: ExponentialLR: %w", err)
		}
		if c.Gamma == nil {
			return nil, fmt.Errorf("optim: ExponentialLR: gamma is required")
		}
		return NewExponentialLR(opt, *c.Gamma)
	case "CosineAnnealingLR":
		c := struct {
			TMax   *int    `json:"T_max"`
			EtaMin float64 `json:"eta_min"`
		}{}
		if err := decodeOpt(raw, &c); err != nil {
			return nil, fmt.Errorf("optim: CosineAnnealingLR: %w", err)
		}
		if c.TMax == nil {
			return nil, fmt.Errorf("optim: CosineAnnealingLR: T_max is required")
		}
		return NewCosineAnnealingLR(opt, *c.TMax, c.EtaMin)
	case "ReduceLROnPlateau":
		r := NewReduceLROnPlateau(opt)
		c := struct {
			Mode          *string  `json:"mode"`
			Factor        *float64 `json:"factor"`
			Patience      *int     `json:"patience"`
			Threshold     *float64 `json:"threshold"`
			ThresholdMode *string  `json:"threshold_mode"`
			Cooldown      *int     `json:"cooldown"`
			MinLR         *float64 `json:"min_lr"`
			Eps           *float64 `json:"eps"`
		}{&r.Mode, &r.Factor, &r.Patience, &r.Threshold, &r.ThresholdMode, &r.Cooldown, &r.MinLR, &r.Eps}
		if err := decodeOpt(raw, &c); err != nil {
			return nil, fmt.Errorf("optim: ReduceLROnPlateau: %w", err)
		}
		if err := r.Validate(); err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, fmt.Errorf("optim: unknown scheduler %q%s, expected one of %s", name, suggest.Hint(name, SchedulerNames()), strings.Join(SchedulerNames(), ", "))
}

func decodeOpt(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return decodeStrict(raw, v)
}
