// Package budget holds the memory budgets that a spec is checked against
// before anything is allocated: the size of a model (its weights or fitted
// state) and the memory of one training run. The limits travel as a value
// (Limits) from the command line or the service down to the checks; nothing
// here is global. Estimates are computed with the saturating arithmetic of
// Mul and Add, so that a size that would overflow int64 is simply over any
// budget.
package budget

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Limits are the memory budgets of a run, in bytes. A zero field means the
// default (Default); a negative one means no limit.
type Limits struct {
	// MaxModelBytes bounds the model itself: a network's weights
	// (parameters x 4 bytes), an estimator's fitted state (--max-model-bytes).
	MaxModelBytes int64
	// MaxRunMemory bounds the estimated peak memory of one training run:
	// weights, gradients, optimizer state and activations of a network, the
	// working memory of an estimator's Fit (--max-run-memory).
	MaxRunMemory int64
}

// The flags that set the limits, named in the error messages.
const (
	ModelFlag = "--max-model-bytes"
	RunFlag   = "--max-run-memory"
)

// DefaultFraction is the part of the machine's memory each default limit
// allows.
const DefaultFraction = 0.5

// fallbackMemory is assumed where the machine's memory cannot be read.
const fallbackMemory = 8 << 30

// Default returns the default limits: DefaultFraction of MachineMemory for
// both.
func Default() Limits {
	m := int64(float64(MachineMemory()) * DefaultFraction)
	return Limits{MaxModelBytes: m, MaxRunMemory: m}
}

// OrDefault returns l with its zero fields replaced by the defaults.
func (l Limits) OrDefault() Limits {
	if l.MaxModelBytes != 0 && l.MaxRunMemory != 0 {
		return l
	}
	d := Default()
	if l.MaxModelBytes == 0 {
		l.MaxModelBytes = d.MaxModelBytes
	}
	if l.MaxRunMemory == 0 {
		l.MaxRunMemory = d.MaxRunMemory
	}
	return l
}

// MachineMemory returns the memory available to this process: the smaller
// of the machine's total memory (/proc/meminfo MemTotal) and the cgroup
// limit (cgroup v2 memory.max or v1 memory.limit_in_bytes) when one is set,
// or 8 GiB where neither can be read.
func MachineMemory() int64 {
	total := memTotal(readFile("/proc/meminfo"))
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if c := cgroupLimit(readFile(p)); c > 0 && (total <= 0 || c < total) {
			total = c
		}
	}
	if total <= 0 {
		return fallbackMemory
	}
	return total
}

func readFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

// memTotal returns MemTotal of a /proc/meminfo text in bytes, or 0.
func memTotal(meminfo string) int64 {
	for line := range strings.SplitSeq(meminfo, "\n") {
		rest, ok := strings.CutPrefix(line, "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return Mul(kb, 1024)
	}
	return 0
}

// cgroupLimit parses a cgroup memory limit ("max" or a number of bytes);
// no limit, or an absurd one (cgroup v1 writes about 2^63 for none), is 0.
func cgroupLimit(s string) int64 {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v >= 1<<60 {
		return 0
	}
	return v
}

// Mul returns the product of xs, saturating at math.MaxInt64 (and
// treating a negative factor as an overflow too: sizes are never
// negative).
func Mul(xs ...int64) int64 {
	p := int64(1)
	for _, x := range xs {
		switch {
		case x < 0:
			return math.MaxInt64
		case x == 0:
			return 0
		}
	}
	for _, x := range xs {
		if p > math.MaxInt64/x {
			return math.MaxInt64
		}
		p *= x
	}
	return p
}

// Add returns the sum of xs, saturating at math.MaxInt64 (a negative term
// counts as an overflow).
func Add(xs ...int64) int64 {
	s := int64(0)
	for _, x := range xs {
		if x < 0 || s > math.MaxInt64-x {
			return math.MaxInt64
		}
		s += x
	}
	return s
}

// Error is a spec over budget. It is bad input (the service answers 400,
// the CLI exits with 2).
type Error struct {
	// Field is the spec's field path most responsible for the estimate,
	// e.g. "model.layers[3].out_features" or "model.params.hidden_layer_sizes".
	Field string
	// What needs the memory: "the network", "MLPClassifier", ...
	What string
	// Detail says what the estimate counts, e.g. "10,000,000,010 parameters".
	Detail string
	// Need is the estimate and Limit the budget, in bytes.
	Need, Limit int64
	// Flag is the command-line flag that sets the budget, or "".
	Flag string
}

// Error reads like "model.layers[3].out_features: the network needs about
// 40 GB (10,000,000,010 parameters), over the budget of 12 GB
// (--max-model-bytes)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message())
	return b.String()
}

// Message is the error without the field path.
func (e *Error) Message() string {
	what := e.What
	if what == "" {
		what = "this"
	}
	msg := what + " needs about " + Bytes(e.Need)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	msg += ", over the budget of " + Bytes(e.Limit)
	if e.Flag != "" {
		msg += " (" + e.Flag + ")"
	}
	return msg
}

// BadInput marks the error as caused by the spec.
func (e *Error) BadInput() bool { return true }

// Check returns nil when need fits in limit (a negative limit is no
// limit), else an *Error for field whose message states the estimate,
// detail (what it counts) and the budget.
func Check(field string, need, limit int64, detail string) error {
	if limit < 0 || need <= limit {
		return nil
	}
	return &Error{Field: field, What: "this", Detail: detail, Need: need, Limit: limit}
}

// CheckModel checks a model's size against MaxModelBytes (or its default).
func (l Limits) CheckModel(field, what string, need int64, detail string) error {
	limit := l.OrDefault().MaxModelBytes
	if limit < 0 || need <= limit {
		return nil
	}
	return &Error{Field: field, What: what, Detail: detail, Need: need, Limit: limit, Flag: ModelFlag}
}

// CheckRun checks a run's memory against MaxRunMemory (or its default).
func (l Limits) CheckRun(field, what string, need int64, detail string) error {
	limit := l.OrDefault().MaxRunMemory
	if limit < 0 || need <= limit {
		return nil
	}
	return &Error{Field: field, What: what, Detail: detail, Need: need, Limit: limit, Flag: RunFlag}
}

// Bytes formats a size for people in decimal units with two or three
// significant digits: "750 B", "1.2 MB", "40 GB"; a saturated estimate
// reads "more than 9.2 EB".
func Bytes(n int64) string {
	if n == math.MaxInt64 {
		return "more than 9.2 EB"
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n)
	i := 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	switch {
	case i == 0:
		return fmt.Sprintf("%d B", n)
	case v < 9.95:
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.0f %s", v, units[i])
}

// Count formats a count with thousands separators: 10,000,000,010.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ParseBytes reads a size as a flag gives it: a number of bytes with an
// optional unit (k, M, G, T in powers of 1000; KiB, MiB, GiB, TiB in
// powers of 1024; B optional), e.g. "12GB", "512MiB", "1e9". "0" means the
// default and "-1" or "none" no limit.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "none") {
		return -1, nil
	}
	units := []struct {
		sfx string
		mul float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"t", 1e12}, {"b", 1}}
	mul := 1.0
	low := strings.ToLower(t)
	for _, u := range units {
		if strings.HasSuffix(low, u.sfx) {
			low, mul = strings.TrimSpace(strings.TrimSuffix(low, u.sfx)), u.mul
			break
		}
	}
	v, err := strconv.ParseFloat(low, 64)
	if err != nil || math.IsNaN(v) {
		return 0, fmt.Errorf("budget: %q is not a size; expected a number of bytes such as 12GB, 512MiB or -1 (no limit)", s)
	}
	if v < 0 {
		if v == -1 && mul == 1 {
			return -1, nil
		}
		return 0, fmt.Errorf("budget: %q is negative; expected a size, 0 (the default) or -1 (no limit)", s)
	}
	b := v * mul
	if b >= math.MaxInt64 {
		return math.MaxInt64, nil
	}
	return int64(b), nil
}
