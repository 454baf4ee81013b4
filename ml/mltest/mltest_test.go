package mltest

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
)

// TestCorrectFakesPass runs the whole suite, through Check, on the correct
// fakes.
func TestCorrectFakesPass(t *testing.T) {
	for _, class := range []string{"FakeCentroid", "FakeLinear", "FakeScaler"} {
		t.Run(class, func(t *testing.T) { Check(t, class) })
	}
	t.Run("FakeNaNScaler", func(t *testing.T) {
		CheckWith(t, "FakeNaNScaler", Options{AllowNaN: true})
	})
	t.Run("FakeCentroid/manhattan", func(t *testing.T) {
		CheckWith(t, "FakeCentroid", Options{Params: json.RawMessage(`{"metric": "manhattan", "max_iter": 3}`)})
	})
}

// results runs the suite on class and returns the names of the failed
// checks and their errors.
func results(t *testing.T, class string, opts Options) (failed []string, errs map[string]error) {
	t.Helper()
	res, err := Run(class, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(CheckNames()) {
		t.Fatalf("Run returned %d results for %d checks", len(res), len(CheckNames()))
	}
	errs = map[string]error{}
	for _, r := range res {
		if r.Err != nil {
			failed = append(failed, r.Check)
			errs[r.Check] = r.Err
		}
	}
	return failed, errs
}

// TestBrokenFakesAreCaught checks that each deliberately broken classifier
// fails exactly the checks written for its bug.
func TestBrokenFakesAreCaught(t *testing.T) {
	for class, want := range classifierBugs {
		t.Run(class, func(t *testing.T) {
			failed, errs := results(t, class, Options{})
			slices.Sort(failed)
			want := slices.Clone(want)
			slices.Sort(want)
			if !slices.Equal(failed, want) {
				t.Errorf("failed checks %v, want %v", failed, want)
				for k, e := range errs {
					t.Logf("%s: %v", k, e)
				}
			}
		})
	}
}

// TestMessages checks that failures say what went wrong.
func TestMessages(t *testing.T) {
	for _, c := range []struct{ class, check, want string }{
		{"FakeMutatesX", "inputs_not_mutated", "Fit changed its input: X[0, 0]"},
		{"FakeIgnoresNaN", "bad_input", "Fit with NaN in X: no error"},
		{"FakeIgnoresNaN", "bad_input", "Predict with NaN in X: no error"},
		{"FakePanicsOnShape", "bad_input", "panicked"},
		{"FakePlainErrors", "bad_input", "not marked as bad input"},
		{"FakeNoNotFitted", "not_fitted", `Predict before Fit: error "not ready" does not wrap ml.ErrNotFitted`},
		{"FakeLaxState", "state_tampered", "UnmarshalState of a state with nothing in it (an empty state): UnmarshalState panicked"},
		{"FakeLaxState", "state_tampered", `UnmarshalState accepted a state with attribute "n_features_in_" removed`},
		{"FakeNoValidate", "fit_validates_params", "Fit with max_iter = 0 (out of range) returned no error"},
		{"FakeNoValidate", "fit_validates_params", "Fit with shrink = 1.5"},
		{"FakeNoValidate", "fit_validates_params", "Fit with metric = mltest-invalid-choice"},
		{"FakeBadProba", "outputs", "sums to"},
		{"FakeStaleRefit", "refit", "Fit must reset all fitted state"},
		{"FakeBadEvents", "progress", "Step is 0"},
		{"FakeNoCancel", "cancelled_context", "want an error wrapping context.Canceled"},
		{"FakeNoCancel", "cancel_during_fit", "more iterations"},
		{"FakeKeepsX", "no_aliasing", "must copy what it keeps"},
		{"FakeAliasClasses", "no_aliasing", "must return copies"},
		{"FakeLossyState", "state_round_trip", "after a save and load the outputs differ"},
		{"FakeRandomFit", "deterministic", "two fits with the same parameters"},
		{"FakeNoState", "stateful", "does not implement ml.Stateful"},
		{"FakeChangesParams", "params_unchanged", `Fit changed the hyperparameters`},
		{"FakePanicsOnTiny", "bad_input", "Fit with 1 feature: Fit panicked"},
		{"FakePoorFit", "learns", "training accuracy on 3-class blobs 60x4 is 0.000, want ≥ 0.83"},
	} {
		err := RunCheck(c.class, OptionsFor(c.class), c.check)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %v does not contain %q", c.class, c.check, err, c.want)
		}
	}
}

// TestPoorScore checks that Options.PoorScore exempts a class from learns:
// the check skips and says why.
func TestPoorScore(t *testing.T) {
	err := RunCheck("FakePoorFit", Options{PoorScore: true}, "learns")
	var sk *SkipError
	if !errors.As(err, &sk) || !strings.Contains(sk.Reason, "poor_score") {
		t.Errorf("learns with PoorScore: %v, want a *SkipError naming poor_score", err)
	}
	if !OptionsFor("MLPRegressor").PoorScore || OptionsFor("MLPClassifier").PoorScore {
		t.Error("OptionsFor's PoorScore does not follow the exemptions table")
	}
}

// TestSkipsSayWhy checks that a check that does not apply is reported as
// skipped with its reason, not as passed: Run puts the reason in
// Result.Skipped.
func TestSkipsSayWhy(t *testing.T) {
	res, err := Run("FakeScaler", OptionsFor("FakeScaler"))
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Check, r.Err)
		}
		if r.Skipped != "" {
			skipped[r.Check] = r.Skipped
		}
	}
	for check, want := range map[string]string{"learns": "transformer", "cancel_during_fit": "no iterations"} {
		if !strings.Contains(skipped[check], want) {
			t.Errorf("%s: skipped %q, want a reason containing %q", check, skipped[check], want)
		}
	}
	if len(skipped) != 2 {
		t.Errorf("skipped %v, want only learns and cancel_during_fit", skipped)
	}
}

// TestExemptionsStayTrue checks both sides of the cancel_during_fit
// exemption: a class without progress events that is not in the table
// fails, and a class in the table that reports progress fails too.
func TestExemptionsStayTrue(t *testing.T) {
	saved := exemptions
	defer func() { exemptions = saved }()
	exemptions = slices.DeleteFunc(slices.Clone(saved), func(e Exemption) bool { return e.Class == "FakeScaler" })
	if err := RunCheck("FakeScaler", Options{}, "cancel_during_fit"); err == nil || !strings.Contains(err.Error(), "exemptions table") {
		t.Errorf("FakeScaler outside the table: %v, want an error pointing at the exemptions table", err)
	}
	exemptions = append(slices.Clone(saved), Exemption{"FakeCentroid", "cancel_during_fit", "wrongly listed"})
	if err := RunCheck("FakeCentroid", Options{}, "cancel_during_fit"); err == nil || !strings.Contains(err.Error(), "remove the exemption") {
		t.Errorf("FakeCentroid in the table: %v, want an error saying to remove the exemption", err)
	}
	for _, e := range Exemptions() {
		if e.Reason == "" {
			t.Errorf("exemption of %s from %s has no reason", e.Class, e.Check)
		}
		if !slices.Contains(CheckNames(), e.Check) {
			t.Errorf("exemption of %s from unknown check %q", e.Class, e.Check)
		}
	}
}

// TestAllowNaN checks the exemption both ways: a scaler that passes NaN
// through fails bad_input unless AllowNaN is set.
func TestAllowNaN(t *testing.T) {
	if err := RunCheck("FakeNaNScaler", Options{}, "bad_input"); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("FakeNaNScaler without AllowNaN: bad_input error %v, want one about NaN", err)
	}
	if err := RunCheck("FakeNaNScaler", Options{AllowNaN: true}, "bad_input"); err != nil {
		t.Errorf("FakeNaNScaler with AllowNaN: %v", err)
	}
	for _, c := range []string{"StandardScaler", "MinMaxScaler", "SimpleImputer"} {
		if !OptionsFor(c).AllowNaN {
			t.Errorf("OptionsFor(%q).AllowNaN is false", c)
		}
	}
	if OptionsFor("KNeighborsClassifier").AllowNaN {
		t.Error("OptionsFor(KNeighborsClassifier).AllowNaN is true")
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run("NoSuchClass", Options{}); err == nil {
		t.Error("Run of an unknown class: no error")
	}
	if _, err := Run("FakeCentroid", Options{Params: json.RawMessage(`{"max_iter": -1}`)}); err == nil {
		t.Error("Run with bad params: no error")
	}
	if err := RunCheck("FakeCentroid", Options{}, "nope"); err == nil {
		t.Error("RunCheck of an unknown check: no error")
	}
}

// TestStateCodec checks that EncodeState and DecodeState keep every bit,
// including NaN payloads, infinities, negative zero and float32 arrays.
func TestStateCodec(t *testing.T) {
	st := ml.NewState()
	st.SetFloats("a", []float64{1.5, math.Copysign(0, -1), math.Inf(-1), math.Float64frombits(0x7ff8000000000123), 5e-324, 0.1}, 2, 3)
	st.SetFloat32s("b", []float32{1.25, float32(math.Inf(1)), -0})
	st.SetFloats("empty", nil, 0)
	st.SetAttr("n", 3)
	st.SetAttr("s", map[string]any{"k": []int{1, 2}})
	b, err := EncodeState(st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := diffState(got, st); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeState([]byte(`{"arrays": {"x": {"shape": [1], "dtype": "f16", "data": ""}}}`)); err == nil {
		t.Error("DecodeState of dtype f16: no error")
	}
	bad := ml.NewState()
	bad.Arrays["x"] = &ml.Array{Shape: []int{3}, F64: []float64{1}}
	if _, err := EncodeState(bad); err == nil {
		t.Error("EncodeState of an array whose data disagrees with its shape: no error")
	}
	bad = ml.NewState()
	bad.Attrs["x"] = json.RawMessage(`{`)
	if err := CheckState(bad); err == nil {
		t.Error("CheckState of invalid JSON: no error")
	}
}

// TestData checks the generated datasets' promises: positive features,
// labels in turn, and the same values for the same seed.
func TestData(t *testing.T) {
	X, y := Blobs(1, 60, 4, []float64{0, 1, 2})
	X2, _ := Blobs(1, 60, 4, []float64{0, 1, 2})
	if !slices.Equal(X.RawMatrix().Data, X2.RawMatrix().Data) {
		t.Error("Blobs is not deterministic")
	}
	if m := slices.Min(X.RawMatrix().Data); m <= 0 {
		t.Errorf("Blobs has a feature value %v ≤ 0", m)
	}
	if y[0] != 0 || y[1] != 1 || y[2] != 2 || y[3] != 0 {
		t.Errorf("Blobs labels start %v, want 0 1 2 0", y[:4])
	}
	for _, d := range []dataset{mainData(kindClassifier), binaryData(), otherData(kindClassifier), mainData(kindRegressor), otherData(kindRegressor)} {
		if m := slices.Min(d.X.RawMatrix().Data); m < 0 {
			t.Errorf("%s has a feature value %v < 0", d.name, m)
		}
	}
}

// TestCategorizeCoversCategories checks categorize's promise: every
// category occurs in every training column of the data sets it is used
// with, and the test rows hold no other value.
func TestCategorizeCoversCategories(t *testing.T) {
	for _, d := range []dataset{mainData(kindTransformer), otherData(kindTransformer)} {
		c := categorize(d)
		r, p := c.X.Dims()
		for j := 0; j < p; j++ {
			seen := map[float64]bool{}
			for i := 0; i < r; i++ {
				seen[c.X.At(i, j)] = true
			}
			if len(seen) != 3 || !seen[0] || !seen[1] || !seen[2] {
				t.Errorf("%s: column %d has categories %v, want 0, 1 and 2", c.name, j, seen)
			}
			rt, _ := c.XTest.Dims()
			for i := 0; i < rt; i++ {
				if v := c.XTest.At(i, j); !seen[v] {
					t.Errorf("%s: test row %d column %d is %v, not a training category", c.name, i, j, v)
				}
			}
		}
	}
}
