package spec

import (
	"fmt"
	"strings"

	"github.com/mlforge/mlforge/ml"
)

// Sequence specs: a network trained on windows of a CSV time series (or a
// built-in table read as one). data.sequence turns the table's rows, in
// file order, into samples of shape (window, features): sample i is the
// rows [i·stride, i·stride+window) of the feature columns, and its target
// is the target column horizon rows after the window's last row. A
// recurrent layer takes the windows batch first:
//
//	{ "name": "sine-lstm",
//	  "data": {"train": "sine.csv",
//	           "sequence": {"window": 16, "horizon": 1, "columns": ["y"], "target": "y"},
//	           "split": {"test_size": 0.2}},
//	  "model": {"layers": [
//	    {"type": "LSTM", "input_size": "auto", "hidden_size": 32, "batch_first": true, "return_sequences": false},
//	    {"type": "Linear", "in_features": "auto", "out_features": 1}]},
//	  "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 20 }
//
// The criterion defaults to MSELoss: the network regresses the value
// horizon steps ahead. A loss of classes (CrossEntropyLoss, ...) makes it a
// classifier of the target column's classes at that step. The split is
// chronological, never shuffled: without data.test the first rows train
// and the last ceil(test_size·rows) rows test, each part windowed on its
// own, so that no window of the training part sees a row of the test part
// (or its target). Prediction windows the rows it is given the same way
// and predicts one value per window.

// Sequence says how the rows of a table become windows (data.sequence).
type Sequence struct {
	// Window is the number of consecutive rows in a sample (required, ≥ 1).
	Window int `json:"window"`
	// Horizon is how many rows after a window's last row its target is
	// taken; Validate fills in 1 (the next row).
	Horizon int `json:"horizon"`
	// Columns are the feature columns of every row of a window; empty
	// means every column of the table, the target included (its past
	// values are inputs of the forecast).
	Columns []string `json:"columns,omitempty"`
	// Target is the column predicted; empty means data.target, or the last
	// column. Validate makes it and data.target agree.
	Target string `json:"target,omitempty"`
	// Stride is the number of rows between the starts of two windows;
	// Validate fills in 1.
	Stride int `json:"stride"`
}

// MaxWindow is the largest window and horizon of a sequence spec.
const MaxWindow = 1 << 20

var sequenceKeys = []string{"window", "horizon", "columns", "target", "stride"}

// sequence reads data.sequence.
func (d *decoder) sequence(n *node, path string) *Sequence {
	if n == nil || n.kind == kindNull {
		return nil
	}
	m, ok := d.fields(n, path, `an object such as {"window": 16, "horizon": 1}`, sequenceKeys, nil)
	if !ok {
		return nil
	}
	sq := &Sequence{}
	if v := m["window"]; v != nil {
		sq.Window = int(d.integer(v, joinKey(path, "window")))
	} else {
		d.add(n, joinKey(path, "window"), "required: the number of rows in a sample, such as 16")
	}
	if v := m["horizon"]; v != nil {
		sq.Horizon = int(d.integer(v, joinKey(path, "horizon")))
	}
	if v := m["stride"]; v != nil {
		sq.Stride = int(d.integer(v, joinKey(path, "stride")))
	}
	if v := m["target"]; v != nil {
		sq.Target = d.str(v, joinKey(path, "target"))
	}
	if v := m["columns"]; v != nil {
		sq.Columns = d.columns(v, joinKey(path, "columns"))
	}
	return sq
}

// IsSequence reports whether s trains a network on windows of a table
// (data.sequence).
func (s *Spec) IsSequence() bool { return s.Data.Sequence != nil }

// validateSequence checks data.sequence and fills in its defaults: the
// horizon and stride, the target (shared with data.target), and a split
// that is not stratified (the split is chronological).
func (s *Spec) validateSequence(c *errs, kind DataKind, dataOK bool) {
	sq := s.Data.Sequence
	if sq == nil {
		return
	}
	const p = "data.sequence"
	if sq.Window < 1 || sq.Window > MaxWindow {
		c.add(p+".window", fmt.Sprintf("expected an integer from 1 to %d, got %d", MaxWindow, sq.Window))
	}
	if sq.Horizon == 0 {
		sq.Horizon = 1
	} else if sq.Horizon < 1 || sq.Horizon > MaxWindow {
		c.add(p+".horizon", fmt.Sprintf("expected an integer from 1 to %d (the target's distance after the window's last row), got %d", MaxWindow, sq.Horizon))
	}
	if sq.Stride == 0 {
		sq.Stride = 1
	} else if sq.Stride < 1 || sq.Stride > MaxWindow {
		c.add(p+".stride", fmt.Sprintf("expected an integer from 1 to %d, got %d", MaxWindow, sq.Stride))
	}
	switch {
	case sq.Target == "":
		sq.Target = s.Data.Target
	case s.Data.Target == "":
		s.Data.Target = sq.Target
	case s.Data.Target != sq.Target:
		c.add(p+".target", fmt.Sprintf("is %s but data.target is %s; give one of them", quote(abbrev(sq.Target)), quote(abbrev(s.Data.Target))))
	}
	if dataOK && kind != TableData {
		c.add(p, "windows the rows of table data (a CSV file or a built-in table); "+quote(abbrev(s.Data.Train.String()))+" holds "+string(kind)+" data")
	}
	if st := s.Data.Split.Stratify; st != nil && *st && s.Data.Test.IsZero() {
		c.add("data.split.stratify", "a sequence's split is chronological (the last rows test); it cannot be stratified")
	}
	f := false
	s.Data.Split.Stratify = &f
	if len(s.Labels) > 0 && s.networkTask() != ml.Classification {
		c.add("labels", "names classes, but the criterion "+s.Criterion.Type+" makes the sequence network a regressor")
	}
}

// sequenceLayers lists the recurrent layer types, which take a sequence's
// windows only batch first.
var sequenceLayers = []string{"RNN", "GRU", "LSTM"}

// IsRecurrent reports whether a layer type is a recurrent layer (RNN, GRU
// or LSTM).
func IsRecurrent(typ string) bool {
	for _, t := range sequenceLayers {
		if strings.EqualFold(t, typ) {
			return t == typ
		}
	}
	return false
}
