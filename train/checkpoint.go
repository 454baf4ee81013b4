package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/internal/atomicfile"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/safetensors"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
)

// CheckpointFile is the checkpoint a network run writes into its output
// directory after every epoch.
const CheckpointFile = "checkpoint.safetensors"

const checkpointFormat = "mlforge-checkpoint"

// checkpointState is the JSON metadata of a checkpoint.
type checkpointState struct {
	SpecHash  string             `json:"spec_hash"`
	Epoch     int                `json:"epoch"`
	Step      int                `json:"step"`
	Seed      int64              `json:"seed"`
	LR        float64            `json:"lr"`
	OptimKind string             `json:"optimizer"`
	OptimVals map[string]float64 `json:"optimizer_scalars"`
	Scheduler map[string]float64 `json:"scheduler,omitempty"`
	History   []EpochMetrics     `json:"history"`
	// A GAN's second optimizer (the discriminator's, tensors "optim_d.*")
	// and the state of its training noise's generator.
	LRD        float64            `json:"lr_d,omitempty"`
	OptimDKind string             `json:"optimizer_d,omitempty"`
	OptimDVals map[string]float64 `json:"optimizer_d_scalars,omitempty"`
	Noise      []byte             `json:"noise_rng,omitempty"`
}

// specHash identifies a validated spec: a checkpoint resumes only the spec
// that wrote it.
func specHash(s *spec.Spec) string {
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ckptOptim is an optimizer of a checkpoint, its tensors under prefix
// ("optim." for the first, "optim_d." for a GAN's discriminator's).
type ckptOptim struct {
	prefix string
	o      optim.Optimizer
}

// checkpoint writes the weights, the optimizer and scheduler state, the
// epoch, the seeds and the metrics so far into dir/checkpoint.safetensors,
// atomically (temporary file, sync, rename).
func (t *trainer) checkpoint() error {
	st := checkpointState{SpecHash: t.hash, Epoch: t.epoch, Step: t.step, Seed: t.s.Seed, LR: t.optim.LR(),
		OptimKind: t.s.Optimizer.Type, History: t.history}
	if t.sched != nil {
		st.Scheduler = t.sched.State()
	}
	return saveCheckpoint(t.dir, t.seq, []ckptOptim{{"optim.", t.optim}}, &st)
}

// saveCheckpoint writes m's parameters ("model.*"), the optimizers' state
// and st (whose optimizer scalars it fills) into dir/CheckpointFile.
func saveCheckpoint(dir string, m nn.Module, opts []ckptOptim, st *checkpointState) error {
	ts := map[string]*safetensors.Tensor{}
	for _, p := range m.Parameters() {
		ts["model."+p.Name] = &safetensors.Tensor{Shape: append([]int{}, p.Var.Data.Shape...), F32: append([]float32(nil), p.Var.Data.Data...)}
	}
	for i, co := range opts {
		ost := co.o.State()
		for k, v := range ost.Tensors {
			ts[co.prefix+k] = &safetensors.Tensor{Shape: append([]int{}, v.Shape...), F32: append([]float32(nil), v.Data...)}
		}
		if i == 0 {
			st.OptimVals = ost.Scalars
		} else {
			st.OptimDVals, st.LRD = ost.Scalars, co.o.LR()
		}
	}
	meta, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, ts, map[string]string{"format": checkpointFormat, "state": string(meta)}); err != nil {
		return err
	}
	return writeAtomic(dir, CheckpointFile, buf.Bytes())
}

// writeAtomic writes b to dir/name through a synced temporary file and a
// synced rename.
func writeAtomic(dir, name string, b []byte) error {
	_, err := atomicfile.Write(dir, name, ".ckpt-*.tmp", func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	return err
}

// CheckpointError is a checkpoint that cannot be resumed.
type CheckpointError struct {
	Path, Msg string
}

func (e *CheckpointError) Error() string { return "checkpoint " + e.Path + ": " + e.Msg }

// BadInput marks the error as the user's: the checkpoint belongs to another
// spec or is damaged.
func (e *CheckpointError) BadInput() bool { return true }

// resume restores the state of the checkpoint in t.dir, if there is one.
func (t *trainer) resume() error {
	st, err := loadCheckpoint(t.dir, t.hash, t.rep, t.seq, []ckptOptim{{"optim.", t.optim}})
	if err != nil || st == nil {
		return err
	}
	if t.sched != nil && st.Scheduler != nil {
		t.sched.LoadState(st.Scheduler)
	}
	t.epoch, t.step, t.history = st.Epoch, st.Step, st.History
	reportResumed(t.rep, st, t.s.Epochs, filepath.Join(t.dir, CheckpointFile))
	return nil
}

// loadCheckpoint restores m's parameters and the optimizers' state (and
// learning rates) from dir/CheckpointFile, which the spec of hash must
// have written, and returns its state; it returns nil, and says so, when
// there is no checkpoint.
func loadCheckpoint(dir, hash string, rep ml.Reporter, m nn.Module, opts []ckptOptim) (*checkpointState, error) {
	path := filepath.Join(dir, CheckpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		rep.Report(logEvent("no checkpoint in " + dir + ": starting from epoch 1"))
		return nil, nil
	}
	if err != nil {
		return nil, &CheckpointError{Path: path, Msg: err.Error()}
	}
	f, err := safetensors.Decode(b)
	if err != nil {
		return nil, &CheckpointError{Path: path, Msg: "not readable: " + err.Error()}
	}
	if f.Metadata["format"] != checkpointFormat {
		return nil, &CheckpointError{Path: path, Msg: fmt.Sprintf("not an mlforge checkpoint (format %q)", f.Metadata["format"])}
	}
	var st checkpointState
	if err := json.Unmarshal([]byte(f.Metadata["state"]), &st); err != nil {
		return nil, &CheckpointError{Path: path, Msg: "bad state: " + err.Error()}
	}
	if st.SpecHash != hash {
		return nil, &CheckpointError{Path: path, Msg: "was written by a different spec; resume needs the same spec (or delete the checkpoint to start over)"}
	}
	sd := map[string]*tensor.Tensor{}
	osts := make([]*optim.State, len(opts))
	for i := range opts {
		sc := st.OptimVals
		if i > 0 {
			sc = st.OptimDVals
		}
		if sc == nil {
			sc = map[string]float64{}
		}
		osts[i] = &optim.State{Tensors: map[string]*tensor.Tensor{}, Scalars: sc}
	}
next:
	for name, v := range f.Tensors {
		if v.F32 == nil {
			return nil, &CheckpointError{Path: path, Msg: fmt.Sprintf("tensor %q is not float32", name)}
		}
		tt := &tensor.Tensor{Shape: append([]int(nil), v.Shape...), Data: v.F32}
		if k, ok := strings.CutPrefix(name, "model."); ok {
			sd[k] = tt
			continue
		}
		for i, co := range opts {
			if k, ok := strings.CutPrefix(name, co.prefix); ok {
				osts[i].Tensors[k] = tt
				continue next
			}
		}
		return nil, &CheckpointError{Path: path, Msg: fmt.Sprintf("unexpected tensor %q", name)}
	}
	if err := nn.LoadStateDict(m, sd); err != nil {
		return nil, &CheckpointError{Path: path, Msg: err.Error()}
	}
	for i, co := range opts {
		if err := co.o.LoadState(osts[i]); err != nil {
			return nil, &CheckpointError{Path: path, Msg: err.Error()}
		}
		if i == 0 {
			co.o.SetLR(st.LR)
		} else {
			co.o.SetLR(st.LRD)
		}
	}
	return &st, nil
}

// reportResumed says where a resumed run starts and reports the epochs the
// checkpoint holds again, as "history": the process that recorded them
// may have died before it stored the last ones, and a recorder keeps
// those it lacks.
func reportResumed(rep ml.Reporter, st *checkpointState, epochs int, path string) {
	rep.Report(logEvent(fmt.Sprintf("resuming after epoch %d of %d from %s", st.Epoch, epochs, path)))
	for _, h := range st.History {
		step := h.Step
		if step == 0 && st.Epoch > 0 {
			step = h.Epoch * (st.Step / st.Epoch) // every epoch has as many steps
		}
		loss := h.Loss
		rep.Report(ml.Event{Kind: "history", Epoch: h.Epoch, Epochs: epochs, Step: step, Loss: &loss, Metrics: map[string]float64(h.Metrics)})
	}
}

func logEvent(msg string) ml.Event { return ml.Event{Kind: "log", Message: msg} }
