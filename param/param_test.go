package param_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/param"
)

// pair is a value type with its own JSON form: an int or [h, w].
type pair [2]int

func (p *pair) UnmarshalJSON(b []byte) error {
	var n int
	if json.Unmarshal(b, &n) == nil {
		*p = pair{n, n}
		return nil
	}
	var l []int
	if err := json.Unmarshal(b, &l); err != nil || len(l) != 2 {
		return fmt.Errorf("not a pair")
	}
	*p = pair{l[0], l[1]}
	return nil
}

func (pair) ParamType() (string, string) { return "pair", "an integer or a list of two integers" }
func (p pair) ParamNumbers() []float64   { return []float64{float64(p[0]), float64(p[1])} }

// selfWorded has its own JSON form and words its errors itself.
type selfWorded string

func (s *selfWorded) UnmarshalJSON(b []byte) error {
	if string(b) != `"ok"` {
		return fmt.Errorf("want \"ok\", got %s", b)
	}
	*s = "ok"
	return nil
}

type shared struct {
	K       int    `json:"k" min:"1" help:"neighbours"`
	Weights string `json:"weights" enum:"uniform,distance" help:"weighting"`
}

type inner struct {
	Rate float64 `json:"rate" gt:"0" lt:"1"`
}

type toy struct {
	shared
	P        float64            `json:"p" gt:"0" help:"power"`
	Betas    [2]float64         `json:"betas" min:"0" lt:"1"`
	Sizes    []int              `json:"sizes" min:"1"`
	Seed     int                `json:"seed" nullable:"true" min:"0" max:"4294967295"`
	In       int                `json:"in_features" auto:"true" min:"1"`
	Out      int                `json:"out_features" nlabels:"true" min:"1"`
	Step     int                `json:"step_size" required:"true" min:"1"`
	Kernel   pair               `json:"kernel_size" min:"1"`
	Word     selfWorded         `json:"word"`
	Fill     *float64           `json:"fill" nullable:"true" expect:"a number, or null for 0"`
	Channels int                `json:"channels" enum:"1,3"`
	Mapping  map[string]float64 `json:"mapping"`
	Opt      inner              `json:"opt"`
	Flag     bool               `json:"flag"`
	Raw      json.RawMessage    `json:"layers" type:"list"`
	hidden   int
	Ignored  int `json:"-"`
}

func newToy() *toy {
	return &toy{shared: shared{K: 5, Weights: "uniform"}, P: 2, Betas: [2]float64{0.9, 0.999}, Out: 10,
		Kernel: pair{3, 3}, Word: "ok", Channels: 1, Opt: inner{Rate: 0.5}}
}

func decode(t *testing.T, js string, o param.Options) (*toy, error) {
	t.Helper()
	v := newToy()
	if !strings.Contains(js, "step_size") && js != `{"k": 1}` {
		js = strings.Replace(js, "{", `{"step_size": 1, `, 1)
		js = strings.Replace(js, ", }", "}", 1)
	}
	return v, param.Decode(json.RawMessage(js), v, o)
}

func TestDecode(t *testing.T) {
	v, err := decode(t, `{"k": 3, "weights": "distance", "p": 1.5, "betas": [0.5, 0.25], "sizes": [4, 2],
		"seed": null, "in_features": "auto", "out_features": "n_labels", "kernel_size": [2, 4], "fill": 1.5,
		"channels": 3, "mapping": {"0": 1}, "opt": {"rate": 0.25}, "flag": true, "layers": [{"type": "ReLU"}]}`,
		param.Options{NLabels: 7})
	if err != nil {
		t.Fatal(err)
	}
	want := &toy{shared: shared{K: 3, Weights: "distance"}, P: 1.5, Betas: [2]float64{0.5, 0.25}, Sizes: []int{4, 2},
		In: 0, Out: 7, Step: 1, Kernel: pair{2, 4}, Word: "ok", Fill: v.Fill, Channels: 3, Mapping: map[string]float64{"0": 1},
		Opt: inner{Rate: 0.25}, Flag: true, Raw: json.RawMessage(`[{"type": "ReLU"}]`)}
	if v.Fill == nil || *v.Fill != 1.5 || !reflect.DeepEqual(v, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", v, want)
	}
	if v, err := decode(t, ``, param.Options{}); err == nil || v.K != 5 {
		t.Errorf("empty input: %v (a required parameter), k = %d", err, v.K)
	}
	v = newToy()
	v.Step = 1
	if err := param.Decode(json.RawMessage(`null`), v, param.Options{}); err == nil {
		t.Error("null input with a required parameter: no error")
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`[1]`, `params: expected an object, got [1]`},
		{`{"kk": 3}`, `kk: unknown parameter of Toy (did you mean "k"?); known: k, weights, p, betas, sizes, seed, in_features, out_features, step_size, kernel_size, word, fill, channels, mapping, opt, flag, layers`},
		{`{"k k": 3}`, `k k: unknown parameter of Toy`},
		{`{"opt": {"a b": 3}}`, `opt["a b"]: unknown parameter`},
		{`{"hidden": 3}`, `hidden: unknown parameter`},
		{`{"k": "five"}`, `k: expected an integer ≥ 1, got "five"`},
		{`{"k": 2.5}`, `k: expected an integer ≥ 1, got 2.5`},
		{`{"k": 0}`, `k: expected an integer ≥ 1, got 0`},
		{`{"k": 1e300}`, `k: expected an integer ≥ 1, got 1e300`},
		{`{"k": null}`, `k: expected an integer ≥ 1, got null`},
		{`{"weights": "uniformm"}`, `weights: expected one of "uniform", "distance" (did you mean "uniform"?), got "uniformm"`},
		{`{"p": 0}`, `p: expected a number > 0, got 0`},
		{`{"p": "2"}`, `p: expected a number > 0, got "2"`},
		{`{"betas": [0.9]}`, `betas: expected a list of numbers each ≥ 0 and < 1, got [0.9]`},
		{`{"betas": [0.9, 1]}`, `betas: expected a list of numbers each ≥ 0 and < 1, got 1`},
		{`{"sizes": [1, 0]}`, `sizes: expected a list of integers each ≥ 1, got 0`},
		{`{"sizes": [1, "a"]}`, `sizes: expected a list of integers each ≥ 1, got [1, "a"]`},
		{`{"seed": -1}`, `seed: expected an integer ≥ 0 and ≤ 4294967295 or null, got -1`},
		{`{"in_features": "n_labels"}`, `in_features: expected "auto" or an integer ≥ 1, got "n_labels"`},
		{`{"out_features": "n_labels"}`, `out_features: "n_labels" is the number of classes`},
		{`{"out_features": "auto"}`, `out_features: expected an integer ≥ 1 or "n_labels", got "auto"`},
		{`{"step_size": 0}`, `step_size: expected an integer ≥ 1, got 0`},
		{`{"k": 1}`, `step_size: required: expected an integer ≥ 1`},
		{`{"kernel_size": "x"}`, `kernel_size: expected an integer or a list of two integers, got "x"`},
		{`{"kernel_size": [1, 0]}`, `kernel_size: expected an integer or a list of two integers, got 0`},
		{`{"word": "no"}`, `word: want "ok", got "no"`},
		{`{"fill": "x"}`, `fill: expected a number, or null for 0, got "x"`},
		{`{"channels": 2}`, `channels: expected one of 1, 3, got 2`},
		{`{"mapping": {"0": "a"}}`, `mapping: expected an object, got {"0": "a"}`},
		{`{"opt": {"rate": 1}}`, `opt.rate: expected a number > 0 and < 1, got 1`},
		{`{"opt": {"rat": 0.5}}`, `opt.rat: unknown parameter (did you mean "rate"?); known: rate`},
		{`{"opt": 3}`, `opt: expected an object, got 3`},
		{`{"flag": 1}`, `flag: expected true or false, got 1`},
		{`{"weights": "` + strings.Repeat("é", 50) + `"}`, `got "` + strings.Repeat("é", 36) + `...`},
	} {
		_, err := decode(t, c.in, param.Options{Owner: "Toy"})
		var pe *param.Error
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &pe) || !pe.BadInput() {
			t.Errorf("%s: error %v, want an *Error containing %q", c.in, err, c.want)
		}
	}
	_, err := decode(t, `{"betas": [0.9, 1]}`, param.Options{})
	if pe := err.(*param.Error); pe.Kind != param.BadValue || pe.Param != "betas" {
		t.Errorf("bad value: %+v", pe)
	}
	_, err = decode(t, `{"kk": 1}`, param.Options{})
	if pe := err.(*param.Error); pe.Kind != param.Unknown || pe.Hint != ` (did you mean "k"?)` || len(pe.Known) != 17 {
		t.Errorf("unknown: %+v", pe)
	}
	_, err = decode(t, `{"k": 1}`, param.Options{})
	if pe, _ := err.(*param.Error); pe == nil || pe.Kind != param.Missing || pe.Param != "step_size" {
		t.Errorf("missing: %v", err)
	}
	v := newToy()
	if err := param.Decode(json.RawMessage(`{"type": "Toy", "step_size": 2}`), v, param.Options{Skip: []string{"type"}}); err != nil || v.Step != 2 {
		t.Errorf("skipped key: %v", err)
	}
}

func TestValidate(t *testing.T) {
	v := newToy()
	v.Step = 1
	if err := param.Validate(v); err != nil {
		t.Fatal(err)
	}
	v.P = math.NaN()
	if err := param.Validate(v); err == nil || err.Error() != "p: expected a number > 0, got NaN" {
		t.Errorf("NaN: %v", err)
	}
	v.P, v.Weights = 1, "gauss"
	if err := param.Validate(v); err == nil || !strings.HasPrefix(err.Error(), `weights: expected one of "uniform", "distance", got "gauss"`) {
		t.Errorf("enum: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	infos := param.Describe(newToy())
	byName := map[string]param.Info{}
	var names []string
	for _, p := range infos {
		byName[p.Name] = p
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != strings.Join(param.Names(&toy{}), ",") || !strings.HasPrefix(got, "k,weights,p,") {
		t.Errorf("names %s", got)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, want %#v", name, got, want)
		}
	}
	k := byName["k"]
	check("k", []any{k.Type, k.Default, *k.Min, k.Max == nil, k.Help}, []any{"int", 5, 1.0, true, "neighbours"})
	check("weights.enum", byName["weights"].Enum, []string{"uniform", "distance"})
	check("p", []any{byName["p"].MinExcl, *byName["p"].Min}, []any{true, 0.0})
	check("betas", []any{byName["betas"].Type, byName["betas"].Default, byName["betas"].MaxExcl}, []any{"[]float", [2]float64{0.9, 0.999}, true})
	check("in_features", []any{byName["in_features"].Default, byName["in_features"].Auto}, []any{"auto", true})
	check("out_features", byName["out_features"].NLabels, true)
	check("step_size", []any{byName["step_size"].Default, byName["step_size"].Required}, []any{nil, true})
	check("kernel_size", byName["kernel_size"].Type, "pair")
	check("word", byName["word"].Type, "any")
	check("fill", []any{byName["fill"].Type, byName["fill"].Nullable, byName["fill"].Expect}, []any{"any", true, "a number, or null for 0"})
	check("mapping", byName["mapping"].Type, "object")
	check("opt", byName["opt"].Type, "object")
	check("layers", byName["layers"].Type, "list")
	b, _ := json.Marshal(byName["k"])
	check("json", string(b), `{"name":"k","type":"int","default":5,"min":1,"help":"neighbours","auto":false,"n_labels":false}`)
}

func TestEncodeRoundTrip(t *testing.T) {
	v := newToy()
	v.Step, v.Seed, v.Sizes = 4, 9, []int{3}
	raw, err := param.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"in_features":"auto"`) {
		t.Errorf("auto not written as \"auto\": %s", raw)
	}
	w := &toy{}
	w.Kernel = pair{1, 1}
	if err := param.Decode(raw, w, param.Options{}); err == nil {
		// pair has no MarshalJSON: [2]int encodes as a list, which it reads.
		if !reflect.DeepEqual(v, w) {
			t.Errorf("round trip\n%+v\n%+v", v, w)
		}
	} else {
		t.Fatal(err)
	}
}

type opt struct{ Build func() string }

func TestRegistry(t *testing.T) {
	var r param.Registry[opt]
	r.Kind = "optimizer"
	r.Register(param.Class[opt]{Name: "SGD", Doc: "sgd", Params: func() any { return &inner{Rate: 0.1} }, New: opt{func() string { return "sgd" }}})
	r.Register(param.Class[opt]{Name: "Adam", Doc: "adam", New: opt{func() string { return "adam" }}})
	if got := r.Names(); !reflect.DeepEqual(got, []string{"Adam", "SGD"}) {
		t.Errorf("Names = %v", got)
	}
	c, err := r.Lookup("SGD")
	if err != nil || c.New.Build() != "sgd" {
		t.Fatalf("Lookup(SGD) = %v, %v", c, err)
	}
	p, err := c.Decode(json.RawMessage(`{"rate": 0.5}`), param.Options{})
	if err != nil || p.(*inner).Rate != 0.5 {
		t.Errorf("Decode = %v, %v", p, err)
	}
	a, _ := r.Lookup("Adam")
	if _, err := a.Decode(json.RawMessage(`{"lr": 1}`), param.Options{}); err == nil || err.Error() != "lr: unknown parameter; it takes no parameters" {
		t.Errorf("Decode on a class without parameters: %v", err)
	}
	_, err = r.Lookup("Adamm")
	var le *param.LookupError
	if !errors.As(err, &le) || err.Error() != `unknown optimizer "Adamm" (did you mean "Adam"?), expected one of Adam, SGD` || !le.BadInput() {
		t.Errorf("Lookup(Adamm) = %v", err)
	}
	cat := r.Catalogue()
	if len(cat) != 2 || cat[0].Name != "Adam" || len(cat[0].Params) != 0 || cat[0].Params == nil || cat[1].Params[0].Default != 0.1 {
		t.Errorf("Catalogue = %+v", cat)
	}
	ordered := param.Registry[int]{Kind: "transform", InOrder: true}
	ordered.Register(param.Class[int]{Name: "b"})
	ordered.Register(param.Class[int]{Name: "a"})
	if got := ordered.Names(); !reflect.DeepEqual(got, []string{"b", "a"}) {
		t.Errorf("InOrder Names = %v", got)
	}
	for name, f := range map[string]func(){
		"duplicate":  func() { ordered.Register(param.Class[int]{Name: "a"}) },
		"no name":    func() { ordered.Register(param.Class[int]{}) },
		"not struct": func() { ordered.Register(param.Class[int]{Name: "c", Params: func() any { return new(int) }}) },
		"bad tag": func() {
			ordered.Register(param.Class[int]{Name: "d", Params: func() any {
				return &struct {
					X int `json:"x" min:"one"`
				}{}
			}})
		},
		"twice": func() {
			param.Check(&struct {
				shared
				K int `json:"k"`
			}{})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// autoShape has an "auto" list and a value type with an expect tag.
type autoShape struct {
	Shape  []int  `json:"shape" auto:"true" min:"1"`
	In     int    `json:"in" auto:"true" min:"1"`
	Kernel pair   `json:"kernel" expect:"a kernel size"`
	Mode   string `json:"mode" enum:"a,b"`
}

// TestAutoAndBounds checks "auto" on a list, an explicit zero where the
// zero means "auto", the Bound flag and Cause.
func TestAutoAndBounds(t *testing.T) {
	v := &autoShape{Shape: []int{3}, In: 4, Mode: "a"}
	if err := param.Decode(json.RawMessage(`{"shape": "auto", "in": "auto"}`), v, param.Options{}); err != nil || v.Shape != nil || v.In != 0 {
		t.Fatalf("auto: %v %+v", err, v)
	}
	infos := param.Describe(v)
	if infos[0].Default != "auto" || infos[1].Default != "auto" {
		t.Errorf("defaults %v, %v, want auto", infos[0].Default, infos[1].Default)
	}
	err := param.Decode(json.RawMessage(`{"in": 0}`), &autoShape{Mode: "a"}, param.Options{})
	var pe *param.Error
	if !errors.As(err, &pe) || !pe.Bound || pe.Got != "0" || pe.Param != "in" {
		t.Errorf("explicit 0 for an auto size: %v (%+v)", err, pe)
	}
	err = param.Decode(json.RawMessage(`{"mode": "c"}`), &autoShape{Mode: "a"}, param.Options{})
	if !errors.As(err, &pe) || !pe.Bound || pe.Got != `"c"` {
		t.Errorf("enum: %v", err)
	}
	err = param.Decode(json.RawMessage(`{"in": "x"}`), &autoShape{Mode: "a"}, param.Options{})
	if !errors.As(err, &pe) || pe.Bound {
		t.Errorf("wrong type marked Bound: %+v", pe)
	}
	err = param.Decode(json.RawMessage(`{"kernel": "x"}`), &autoShape{Mode: "a"}, param.Options{})
	if !errors.As(err, &pe) || pe.Cause == nil || pe.Cause.Error() != "not a pair" || pe.Expected != "a kernel size" {
		t.Errorf("cause: %+v", pe)
	}
}
