package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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
}

// specHash identifies a validated spec: a checkpoint resumes only the spec
// that wrote it.
func specHash(s *spec.Spec) string {
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// checkpoint writes the weights, the optimizer and scheduler state, the
// epoch, the seeds and the metrics so far into dir/checkpoint.safetensors,
// atomically (temporary file, sync, rename).
func (t *trainer) checkpoint() error {
	ts := map[string]*safetensors.Tensor{}
	for _, p := range t.seq.Parameters() {
		ts["model."+p.Name] = &safetensors.Tensor{Shape: append([]int{}, p.Var.Data.Shape...), F32: append([]float32(nil), p.Var.Data.Data...)}
	}
	ost := t.optim.State()
	for k, v := range ost.Tensors {
		ts["optim."+k] = &safetensors.Tensor{Shape: append([]int{}, v.Shape...), F32: append([]float32(nil), v.Data...)}
	}
	st := checkpointState{SpecHash: t.hash, Epoch: t.epoch, Step: t.step, Seed: t.s.Seed, LR: t.optim.LR(),
		OptimKind: t.s.Optimizer.Type, OptimVals: ost.Scalars, History: t.history}
	if t.sched != nil {
		st.Scheduler = t.sched.State()
	}
	meta, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, ts, map[string]string{"format": checkpointFormat, "state": string(meta)}); err != nil {
		return err
	}
	return writeAtomic(t.dir, CheckpointFile, buf.Bytes())
}

// writeAtomic writes b to dir/name through a synced temporary file.
func writeAtomic(dir, name string, b []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".ckpt-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
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
	path := filepath.Join(t.dir, CheckpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.rep.Report(logEvent("no checkpoint in " + t.dir + ": starting from epoch 1"))
		return nil
	}
	if err != nil {
		return &CheckpointError{Path: path, Msg: err.Error()}
	}
	f, err := safetensors.Decode(b)
	if err != nil {
		return &CheckpointError{Path: path, Msg: "not readable: " + err.Error()}
	}
	if f.Metadata["format"] != checkpointFormat {
		return &CheckpointError{Path: path, Msg: fmt.Sprintf("not an mlforge checkpoint (format %q)", f.Metadata["format"])}
	}
	var st checkpointState
	if err := json.Unmarshal([]byte(f.Metadata["state"]), &st); err != nil {
		return &CheckpointError{Path: path, Msg: "bad state: " + err.Error()}
	}
	if st.SpecHash != t.hash {
		return &CheckpointError{Path: path, Msg: "was written by a different spec; resume needs the same spec (or delete the checkpoint to start over)"}
	}
	sd := map[string]*tensor.Tensor{}
	ost := &optim.State{Tensors: map[string]*tensor.Tensor{}, Scalars: st.OptimVals}
	for name, v := range f.Tensors {
		if v.F32 == nil {
			return &CheckpointError{Path: path, Msg: fmt.Sprintf("tensor %q is not float32", name)}
		}
		tt := &tensor.Tensor{Shape: append([]int(nil), v.Shape...), Data: v.F32}
		switch {
		case strings.HasPrefix(name, "model."):
			sd[strings.TrimPrefix(name, "model.")] = tt
		case strings.HasPrefix(name, "optim."):
			ost.Tensors[strings.TrimPrefix(name, "optim.")] = tt
		default:
			return &CheckpointError{Path: path, Msg: fmt.Sprintf("unexpected tensor %q", name)}
		}
	}
	if err := nn.LoadStateDict(t.seq, sd); err != nil {
		return &CheckpointError{Path: path, Msg: err.Error()}
	}
	if ost.Scalars == nil {
		ost.Scalars = map[string]float64{}
	}
	if err := t.optim.LoadState(ost); err != nil {
		return &CheckpointError{Path: path, Msg: err.Error()}
	}
	t.optim.SetLR(st.LR)
	if t.sched != nil && st.Scheduler != nil {
		t.sched.LoadState(st.Scheduler)
	}
	t.epoch, t.step, t.history = st.Epoch, st.Step, st.History
	t.rep.Report(logEvent(fmt.Sprintf("resuming after epoch %d of %d from %s", st.Epoch, t.s.Epochs, path)))
	// The epochs the checkpoint holds are reported again, as "history":
	// the process that recorded them may have died before it stored the
	// last ones, and a recorder keeps those it lacks.
	for _, h := range st.History {
		step := h.Step
		if step == 0 && st.Epoch > 0 {
			step = h.Epoch * (st.Step / st.Epoch) // every epoch has as many steps
		}
		loss := h.Loss
		t.rep.Report(ml.Event{Kind: "history", Epoch: h.Epoch, Epochs: t.s.Epochs, Step: step, Loss: &loss, Metrics: map[string]float64(h.Metrics)})
	}
	return nil
}

func logEvent(msg string) ml.Event { return ml.Event{Kind: "log", Message: msg} }
