package optim

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/param"
)

// acceptedNames returns the parameter names a constructor accepts, read
// from its error for an unknown key ("expected one of a, b, c").
func acceptedNames(t *testing.T, build func(raw json.RawMessage) error) []string {
	t.Helper()
	err := build(json.RawMessage(`{"zz_unknown": 1}`))
	if err == nil {
		t.Fatal("an unknown parameter was accepted")
	}
	_, list, ok := strings.Cut(err.Error(), "expected one of ")
	if !ok {
		t.Fatalf("unexpected error %v", err)
	}
	names := strings.Split(list, ", ")
	slices.Sort(names)
	return names
}

// checkCatalogue compares entries with their constructor: the same
// parameter names, required parameters rejected when missing, and every
// default, given explicitly, building what leaving it out builds.
func checkCatalogue(t *testing.T, cat []param.Entry, names []string, required map[string]any, build func(name string, raw json.RawMessage) (any, error)) {
	t.Helper()
	var got []string
	for _, info := range cat {
		got = append(got, info.Name)
		if info.Doc == "" {
			t.Errorf("%s: no doc", info.Name)
		}
		minimal, full := map[string]any{}, map[string]any{}
		var params []string
		for _, p := range info.Params {
			params = append(params, p.Name)
			if p.Help == "" || p.Type == "" {
				t.Errorf("%s.%s: no help or type", info.Name, p.Name)
			}
			if p.Required {
				v, ok := required[p.Name]
				if !ok {
					t.Fatalf("%s.%s is required: add a value to the test", info.Name, p.Name)
				}
				minimal[p.Name], full[p.Name] = v, v
				continue
			}
			full[p.Name] = p.Default
		}
		slices.Sort(params)
		accepted := acceptedNames(t, func(raw json.RawMessage) error { _, err := build(info.Name, raw); return err })
		if !slices.Equal(params, accepted) {
			t.Errorf("%s: catalogue lists %v, the constructor accepts %v", info.Name, params, accepted)
		}
		rawMin, _ := json.Marshal(minimal)
		rawFull, _ := json.Marshal(full)
		a, err := build(info.Name, rawMin)
		if err != nil {
			t.Fatalf("%s %s: %v", info.Name, rawMin, err)
		}
		b, err := build(info.Name, rawFull)
		if err != nil {
			t.Fatalf("%s %s: %v", info.Name, rawFull, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the defaults %s build %+v, expected %+v", info.Name, rawFull, b, a)
		}
		for name := range minimal {
			without := map[string]any{}
			for k, v := range minimal {
				if k != name {
					without[k] = v
				}
			}
			raw, _ := json.Marshal(without)
			if _, err := build(info.Name, raw); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s without %s: %v, expected an error naming it", info.Name, name, err)
			}
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("catalogue lists %v, expected %v", got, names)
	}
}

func TestCatalogue(t *testing.T) {
	checkCatalogue(t, Catalogue(), Names(), map[string]any{"lr": 0.1}, func(name string, raw json.RawMessage) (any, error) {
		return New(name, nil, raw)
	})
}

func TestSchedulerCatalogue(t *testing.T) {
	// A fresh optimizer for every scheduler: some set the rate (and the
	// momentum) when they are built.
	required := map[string]any{"step_size": 3, "gamma": 0.5, "T_max": 4, "milestones": []int{2}, "T_0": 3,
		"base_lr": 0.01, "max_lr": 0.1, "lr_lambda": "constant", "schedulers": []map[string]any{{"type": "LinearLR"}, {"type": "ExponentialLR", "gamma": 0.9}}}
	checkCatalogue(t, SchedulerCatalogue(), SchedulerNames(), required,
		func(name string, raw json.RawMessage) (any, error) {
			opt, err := NewSGD(nil, SGDConfig{LR: 0.1})
			if err != nil {
				t.Fatal(err)
			}
			if name == "OneCycleLR" { // PyTorch requires total_steps or epochs and steps_per_epoch
				m := map[string]any{}
				json.Unmarshal(raw, &m)
				if m["total_steps"] == nil {
					m["total_steps"] = 10
				}
				raw, _ = json.Marshal(m)
			}
			return NewScheduler(name, opt, raw)
		})
}

// TestTorchSwitches: PyTorch's foreach, capturable, differentiable and
// fused are taken where its 1.13 signatures have them; foreach changes
// nothing, and the others are refused when true (CUDA, autograd through
// the step).
func TestTorchSwitches(t *testing.T) {
	for _, c := range []struct{ name, raw, err string }{
		{"Adam", `{"foreach": null, "capturable": false, "differentiable": false, "fused": false}`, ""},
		{"Adam", `{"foreach": true}`, ""},
		{"AdamW", `{"foreach": false, "capturable": false}`, ""},
		{"SGD", `{"lr": 0.1, "foreach": true, "differentiable": false}`, ""},
		{"NAdam", `{"foreach": null}`, ""},
		{"Adam", `{"fused": true}`, "fused true is refused"},
		{"AdamW", `{"capturable": true}`, "capturable true is refused"},
		{"RMSprop", `{"differentiable": true}`, "differentiable true is refused"},
		{"AdamW", `{"fused": false}`, `"fused"`},
		{"LBFGS", `{"foreach": true}`, `"foreach"`},
	} {
		_, err := New(c.name, nil, json.RawMessage(c.raw))
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s %s: %v, want %q", c.name, c.raw, err, c.err)
		}
	}
}
