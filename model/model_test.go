package model

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// shift is a test transformer that adds a fitted per-column offset.
type shift struct {
	Scale  float64 `json:"scale"`
	offset []float64
}

func (s *shift) Fit(_ context.Context, X *mat.Dense, _ []float64) error {
	_, c := X.Dims()
	s.offset = make([]float64, c)
	for j := range s.offset {
		s.offset[j] = s.Scale * float64(j+1)
	}
	return nil
}

func (s *shift) Transform(X *mat.Dense) (*mat.Dense, error) {
	if s.offset == nil {
		return nil, ml.ErrNotFitted
	}
	r, c := X.Dims()
	out := mat.NewDense(r, c, nil)
	out.Apply(func(_, j int, v float64) float64 { return v + s.offset[j] }, X)
	return out, nil
}

func (s *shift) MarshalState() (*ml.State, error) {
	st := ml.NewState()
	st.SetFloats("offset_", s.offset)
	st.SetAttr("n_features_in_", len(s.offset))
	return st, nil
}

func (s *shift) UnmarshalState(st *ml.State) error {
	var n int
	if err := st.Attr("n_features_in_", &n); err != nil {
		return err
	}
	off, _, err := st.Floats("offset_", n)
	s.offset = off
	return err
}

// sumClassifier predicts 1 when the row sum is positive.
type sumClassifier struct {
	fitted bool
}

func (c *sumClassifier) Fit(context.Context, *mat.Dense, []float64) error {
	c.fitted = true
	return nil
}

func (c *sumClassifier) Predict(X *mat.Dense) ([]float64, error) {
	r, _ := X.Dims()
	out := make([]float64, r)
	for i := range out {
		if mat.Sum(X.RowView(i)) > 0 {
			out[i] = 1
		}
	}
	return out, nil
}

func (c *sumClassifier) Classes() []float64 { return []float64{0, 1} }

func (c *sumClassifier) MarshalState() (*ml.State, error) {
	st := ml.NewState()
	st.SetAttr("fitted", c.fitted)
	return st, nil
}

func (c *sumClassifier) UnmarshalState(st *ml.State) error { return st.Attr("fitted", &c.fitted) }

func init() {
	ml.Register(ml.ClassInfo{Name: "modeltestShift", Task: ml.Transform, Doc: "test", New: func() ml.Estimator { return &shift{Scale: 1} }})
	ml.Register(ml.ClassInfo{Name: "modeltestSum", Task: ml.Classification, Doc: "test", New: func() ml.Estimator { return &sumClassifier{} }})
}

func fitted(t testing.TB) *Model {
	t.Helper()
	sh, err := ml.New("modeltestShift", json.RawMessage(`{"scale": -2.5}`))
	if err != nil {
		t.Fatal(err)
	}
	p := &ml.Pipeline{Steps: []ml.Transformer{sh.(ml.Transformer)}, Final: &sumClassifier{}}
	X := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	if err := p.Fit(context.Background(), X, []float64{0, 1}); err != nil {
		t.Fatal(err)
	}
	return &Model{Pipeline: p, Manifest: Manifest{
		Name: "t", Task: ml.Classification, Target: "y",
		Features: []Column{{"a", "number", nil}, {"b", "number", nil}},
		Classes:  []float64{0, 1}, Labels: []string{"neg", "pos"},
		Metrics: Metrics{"test": {"accuracy": 1}},
	}}
}

func TestSaveLoad(t *testing.T) {
	m := fitted(t)
	dir := filepath.Join(t.TempDir(), "m")
	path, err := Save(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manifest.Name != "t" || got.Manifest.FormatVersion != FormatVersion || len(got.Pipeline.Steps) != 1 {
		t.Fatalf("manifest = %+v", got.Manifest)
	}
	X := mat.NewDense(3, 2, []float64{10, 10, 0, 0, 2, 2})
	want, _ := m.Predict(X, false)
	have, err := got.Predict(X, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Values {
		if want.Values[i] != have.Values[i] || want.Labels[i] != have.Labels[i] {
			t.Errorf("row %d: loaded model predicts %v/%s, want %v/%s", i, have.Values[i], have.Labels[i], want.Values[i], want.Labels[i])
		}
	}
	if have.Labels[0] != "pos" || have.Labels[1] != "neg" {
		t.Errorf("labels = %v", have.Labels)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("model dir holds %d entries, want only %s", len(ents), FileName)
	}
}

func TestLoadRejectsDamagedFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, fitted(t)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	hl := int(binary.LittleEndian.Uint64(good))
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	replaceHeader := func(old, new string) []byte {
		h := strings.Replace(string(good[8:8+hl]), old, new, 1)
		for len(h)%8 != 0 {
			h += " "
		}
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		return append(append(b, h...), good[8+hl:]...)
	}
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"truncated":       {good[:len(good)-5], "not a readable model file"},
		"empty":           {nil, "not a readable model file"},
		"flipped data":    {mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "checksum mismatch"},
		"edited manifest": {replaceHeader(`\"scale\":-2.5`, `\"scale\":-3.5`), "checksum mismatch"},
		"future version":  {replaceHeader(`"format_version":"1"`, `"format_version":"9"`), `format version "9" is not supported`},
		"other format":    {replaceHeader(`"format":"mlforge-model"`, `"format":"pt"`), "not an mlforge model"},
	}
	for name, c := range cases {
		_, err := Decode(c.b)
		var me *Error
		if err == nil || !errors.As(err, &me) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a *model.Error containing %q", name, err, c.want)
		}
		if !ml.IsBadInput(err) {
			t.Errorf("%s: error is not marked as bad input", name)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestFloatBitsSurvive(t *testing.T) {
	m := fitted(t)
	sh := m.Pipeline.Steps[0].(*shift)
	sh.offset = []float64{math.Nextafter(1, 2), -0.0}
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	off := got.Pipeline.Steps[0].(*shift).offset
	for i := range off {
		if math.Float64bits(off[i]) != math.Float64bits(sh.offset[i]) {
			t.Errorf("offset[%d] = %v, want %v bit for bit", i, off[i], sh.offset[i])
		}
	}
}
