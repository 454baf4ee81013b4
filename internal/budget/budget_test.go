package budget

import (
	"errors"
	"math"
	"testing"
)

func TestMulAddSaturate(t *testing.T) {
	if got := Mul(4, 10_000_000_010); got != 40_000_000_040 {
		t.Errorf("Mul = %d", got)
	}
	if got := Mul(1<<40, 1<<40); got != math.MaxInt64 {
		t.Errorf("Mul overflow = %d, want MaxInt64", got)
	}
	if got := Mul(-1, 5); got != math.MaxInt64 {
		t.Errorf("Mul negative = %d, want MaxInt64", got)
	}
	if got := Mul(0, math.MaxInt64, 7); got != 0 {
		t.Errorf("Mul zero = %d", got)
	}
	if got := Add(math.MaxInt64-1, 2); got != math.MaxInt64 {
		t.Errorf("Add overflow = %d", got)
	}
	if got := Add(1, 2, 3); got != 6 {
		t.Errorf("Add = %d", got)
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 999: "999 B", 1000: "1.0 kB", 1_234_567: "1.2 MB", 40_000_000_040: "40 GB",
		12_341_000_000: "12 GB", 999_600: "1.0 MB", math.MaxInt64: "more than 9.2 EB",
	} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 10_000_000_010: "10,000,000,010", -1234: "-1,234"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	l := Limits{MaxModelBytes: 12e9, MaxRunMemory: -1}
	err := l.CheckModel("model.layers[3].out_features", "the network", 40_000_000_040, Count(10_000_000_010)+" parameters")
	want := "model.layers[3].out_features: the network needs about 40 GB (10,000,000,010 parameters), over the budget of 12 GB (--max-model-bytes)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var be *Error
	if !errors.As(err, &be) || !be.BadInput() {
		t.Errorf("%T is not a bad-input *Error", err)
	}
	if err := l.CheckRun("x", "y", math.MaxInt64-1, ""); err != nil {
		t.Errorf("a negative limit is no limit, got %v", err)
	}
	if err := l.CheckModel("x", "y", 12e9, ""); err != nil {
		t.Errorf("an estimate equal to the budget fits, got %v", err)
	}
	if err := Check("f", 2, 1, "d"); err == nil || err.Error() != "f: this needs about 2 B (d), over the budget of 1 B" {
		t.Errorf("Check: %v", err)
	}
}

func TestMachineMemoryParsing(t *testing.T) {
	if got := memTotal("MemFree: 1 kB\nMemTotal:       24683652 kB\n"); got != 24683652*1024 {
		t.Errorf("memTotal = %d", got)
	}
	for s, want := range map[string]int64{"max\n": 0, "1073741824\n": 1 << 30, "9223372036854771712": 0, "": 0, "junk": 0} {
		if got := cgroupLimit(s); got != want {
			t.Errorf("cgroupLimit(%q) = %d, want %d", s, got, want)
		}
	}
	if m := MachineMemory(); m <= 0 {
		t.Errorf("MachineMemory = %d", m)
	}
	d := Default()
	if d.MaxModelBytes <= 0 || d.MaxRunMemory <= 0 || d.MaxModelBytes > MachineMemory() {
		t.Errorf("Default = %+v", d)
	}
	if got := (Limits{MaxRunMemory: 5}).OrDefault(); got.MaxRunMemory != 5 || got.MaxModelBytes != d.MaxModelBytes {
		t.Errorf("OrDefault = %+v", got)
	}
}

func TestParseBytes(t *testing.T) {
	for s, want := range map[string]int64{"12GB": 12e9, "512MiB": 512 << 20, "1e9": 1e9, "0": 0, "-1": -1, "none": -1, "3 k": 3000, "7B": 7} {
		got, err := ParseBytes(s)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "abc", "-5GB", "NaN", "-2"} {
		if _, err := ParseBytes(s); err == nil {
			t.Errorf("ParseBytes(%q): no error", s)
		}
	}
}
