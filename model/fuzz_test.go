package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/safetensors"
)

// resign is the fuzzers' checksum hook: it returns b with its sha256
// recomputed over the manifest and data it holds, so that mutations of the
// manifest reach its decoder instead of stopping at the checksum; nil when
// b is not a safetensors file.
func resign(b []byte) []byte {
	f, err := safetensors.Decode(b)
	if err != nil {
		return nil
	}
	md := make(map[string]string, len(f.Metadata)+1)
	for k, v := range f.Metadata {
		md[k] = v
	}
	md["sha256"] = checksum([]byte(md["manifest"]), f.Data)
	var out bytes.Buffer
	if err := safetensors.Encode(&out, f.Tensors, md); err != nil {
		return nil
	}
	// Encode lays the tensors out afresh: sign the data it wrote.
	g, err := safetensors.Decode(out.Bytes())
	if err != nil {
		return nil
	}
	if !bytes.Equal(g.Data, f.Data) {
		md["sha256"] = checksum([]byte(md["manifest"]), g.Data)
		out.Reset()
		if err := safetensors.Encode(&out, f.Tensors, md); err != nil {
			return nil
		}
	}
	return out.Bytes()
}

// withHeader returns the model file b with its safetensors header edited
// by replacing old by new (then resigned).
func withHeader(t testing.TB, b []byte, old, new string) []byte {
	t.Helper()
	hl := int(binary.LittleEndian.Uint64(b))
	h := string(b[8 : 8+hl])
	if !strings.Contains(h, old) {
		t.Fatalf("header has no %s", old)
	}
	h = strings.Replace(h, old, new, 1)
	for len(h)%8 != 0 {
		h += " "
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(append(out, h...), b[8+hl:]...)
	if r := resign(out); r != nil {
		return r
	}
	t.Fatalf("edited header does not decode")
	return nil
}

// tableNet returns the model file of a small network on 4 table features
// with 3 classes: Linear, ReLU, Unflatten to (1, 2, 2), ConvTranspose2d
// (to 3 x 3), AdaptiveAvgPool2d, Flatten, Linear.
func tableNet(t testing.TB) []byte {
	t.Helper()
	var layers []nn.LayerSpec
	if err := json.Unmarshal([]byte(`[{"type": "Linear", "in_features": 4, "out_features": 4}, {"type": "ReLU"},
		{"type": "Unflatten", "dim": 1, "unflattened_size": [1, 2, 2]},
		{"type": "ConvTranspose2d", "in_channels": 1, "out_channels": 1, "kernel_size": 1, "stride": 2},
		{"type": "AdaptiveAvgPool2d", "output_size": 3}, {"type": "Flatten"}, {"type": "Linear", "in_features": 9, "out_features": 3}]`), &layers); err != nil {
		t.Fatal(err)
	}
	net, err := BuildNetwork(NetworkManifest{Layers: layers, InputShape: []int{4}, Data: "table"})
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Net: net, Manifest: Manifest{Name: "tnet", Task: ml.Classification, Target: "y",
		Features: []Column{{"a", "number", nil}, {"b", "number", nil}, {"c", "number", nil}, {"d", "number", nil}}, Classes: []float64{0, 1, 2}}}
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func modelSeeds(t testing.TB, good []byte) map[string][]byte {
	seeds := map[string][]byte{
		"good":               good,
		"empty classes":      withHeader(t, good, `\"classes\":[0,1],\"labels\":[\"neg\",\"pos\"]`, `\"classes\":[]`),
		"duplicate features": withHeader(t, good, `{\"name\":\"b\",\"type\":\"number\"}`, `{\"name\":\"a\",\"type\":\"number\"}`),
	}
	for _, p := range []string{"testdata/go_net/model.safetensors", "testdata/torch_net.safetensors"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		seeds[p] = b
	}
	// A network on table data (the fuzzer predicts a row with it).
	seeds["table network"] = tableNet(t)
	// A network declaring far more weights than the file holds, and one
	// over any budget: both refused from the plan.
	net := seeds["testdata/go_net/model.safetensors"]
	seeds["declares 16M outputs"] = withHeader(t, net, `\"out_features\":16,`, `\"out_features\":16000000,`)
	seeds["over budget"] = withHeader(t, net, `\"out_features\":16,`, `\"out_features\":16000000000000,`)
	seeds["zero input"] = withHeader(t, net, `\"input_shape\":[2,8,8]`, `\"input_shape\":[2,0,8]`)
	return seeds
}

// FuzzModelFile decodes mutated model files end to end: as they are (the
// checksum stops most) and resigned (the manifest decoder, the registry and
// each step's UnmarshalState see them). Nothing may panic, every error is a
// message, and a model that loads predicts a row or says why not.
func FuzzModelFile(f *testing.F) {
	var buf bytes.Buffer
	if err := Encode(&buf, fitted(f)); err != nil {
		f.Fatal(err)
	}
	for _, b := range modelSeeds(f, buf.Bytes()) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, resign(b)} {
			if in == nil {
				continue
			}
			m, err := Decode(in)
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error")
				}
				continue
			}
			if m.Net != nil {
				shape := m.InputShape()
				n := 1
				for _, d := range shape {
					n *= d
				}
				if len(shape) != 1 || n < 1 || n > 4096 {
					continue // image networks: predicting needs images
				}
				m.Predict(mat.NewDense(1, n, nil), true)
				continue
			}
			if n := len(m.Manifest.Features); n <= 4096 {
				m.Predict(mat.NewDense(1, n, nil), true)
			}
		}
	})
}

func TestManifestChecks(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, fitted(t)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if r := resign(good); r == nil {
		t.Fatal("resign failed on a good file")
	} else if _, err := Decode(r); err != nil {
		t.Fatalf("resigned good file: %v", err)
	}
	for _, c := range []struct{ old, new, want string }{
		{`\"classes\":[0,1],\"labels\":[\"neg\",\"pos\"]`, `\"classes\":[]`, "model file: manifest: a classifier with no classes; expected the class values it predicts"},
		{`{\"name\":\"b\",\"type\":\"number\"}`, `{\"name\":\"a\",\"type\":\"number\"}`, `model file: manifest: feature "a" appears twice (columns 1 and 2); columns are matched by name`},
		{`{\"name\":\"b\",\"type\":\"number\"}`, `{\"name\":\"\",\"type\":\"number\"}`, `model file: manifest: feature 2 has no name`},
		{`\"classes\":[0,1]`, `\"classes\":[1,1]`, `model file: manifest: class 1 appears twice`},
		{`\"labels\":[\"neg\",\"pos\"]`, `\"labels\":[\"neg\",\"neg\"]`, `model file: manifest: label "neg" appears twice`},
		{`\"labels\":[\"neg\",\"pos\"]`, `\"labels\":[\"neg\"]`, `model file: manifest: 1 labels for 2 classes`},
		{`\"features\":[{\"name\":\"a\",\"type\":\"number\"},{\"name\":\"b\",\"type\":\"number\"}]`, `\"features\":[]`, `model file: manifest: no feature columns; expected the columns the pipeline was trained on`},
	} {
		_, err := Decode(withHeader(t, good, c.old, c.new))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s → %s: %v\nwant %s", c.old, c.new, err, c.want)
		}
	}
}

// TestNetworkPlannedBeforeBuilt: a small file whose manifest declares a
// network far larger than its tensors is refused from the plan, before any
// weight is allocated (it took 1 GB and 9 s when the network was built
// first), and one whose weights are over the model budget names the
// budget.
func TestNetworkPlannedBeforeBuilt(t *testing.T) {
	good, err := os.ReadFile("testdata/go_net/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		old, new string
		limits   budget.Limits
		want     string
	}{
		{`\"out_features\":16,`, `\"out_features\":16000000,`, budget.Limits{},
			"model file: the file holds 1,216 weight values, the network its manifest describes has 1,120,000,096"},
		{`\"input_shape\":[2,8,8]`, `\"input_shape\":[2,10,10]`, budget.Limits{},
			"model file: the file holds 1,216 weight values, the network its manifest describes has 1,792"},
		{`\"out_features\":16,`, `\"out_features\":16000000,`, budget.Limits{MaxModelBytes: 100 << 20},
			"model file: network: the network needs about 4.5 GB (1,120,000,096 parameters), over the budget of 105 MB (--max-model-bytes)"},
		{`\"out_features\":16,`, `\"out_features\":16000000000000,`, budget.Limits{},
			"model file: network: layers[5]: Linear: out_features is 16000000000000, which is beyond any size this machine can hold (more than 2^40)"},
		{`\"input_shape\":[2,8,8]`, `\"input_shape\":[2,0,8]`, budget.Limits{},
			"model file: network: input_shape[1] is 0; sizes must be at least 1"},
	} {
		b := withHeader(t, good, c.old, c.new)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decode(b, c.limits)
		runtime.ReadMemStats(&after)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v\nwant %s", c.new, err, c.want)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%s: refusing it allocated %d bytes", c.new, n)
		}
	}
}

// TestLoadLimits: LoadLimits applies its model budget; Load the default.
func TestLoadLimits(t *testing.T) {
	path := "testdata/go_net/model.safetensors"
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLimits(path, budget.Limits{MaxModelBytes: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	// The network holds 1,216 weights (4,864 bytes): a 1 kB budget refuses it.
	_, err := LoadLimits(path, budget.Limits{MaxModelBytes: 1000})
	if err == nil || !strings.Contains(err.Error(), "over the budget") || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadLimits under a 1 kB budget = %v, want an error naming the file and the budget", err)
	}
}

func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "zero.safetensors")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Skipf("symbolic links: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(link)
	runtime.ReadMemStats(&after)
	want := "model file " + link + ": not a regular file (a character device); expected a model file or a model directory"
	if err == nil || err.Error() != want {
		t.Errorf("Load(/dev/zero link) = %v\nwant %s", err, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing /dev/zero allocated %d bytes", n)
	}
	// A model directory whose model.safetensors is a folder.
	if err := os.MkdirAll(filepath.Join(dir, "m", FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(dir, "m")); err == nil || !strings.Contains(err.Error(), "not a regular file (a directory)") {
		t.Errorf("directory: %v", err)
	}
}

// TestNetworkActivationsBounded: a network of a few weights whose
// activations are huge (a ConvTranspose2d with a large stride) loads only
// when one sample's activations fit the run budget, and predicts in
// batches that fit it.
func TestNetworkActivationsBounded(t *testing.T) {
	good := tableNet(t)
	// stride 2 -> 30000: one sample's output is 30001 x 30001 values (3.6 GB).
	big := withHeader(t, good, `\"stride\":2`, `\"stride\":30000`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decode(big, budget.Limits{MaxRunMemory: 1 << 30})
	runtime.ReadMemStats(&after)
	want := "model file: network: predicting with the network needs about"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("huge activations: %v\nwant %s...", err, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing it allocated %d bytes", n)
	}
}

// TestNetworkPredictBatch: under a small run budget a network predicts in
// smaller batches, with the same predictions.
func TestNetworkPredictBatch(t *testing.T) {
	b := tableNet(t)
	full, err := decode(b, budget.Limits{MaxRunMemory: -1})
	if err != nil {
		t.Fatal(err)
	}
	small, err := decode(b, budget.Limits{MaxRunMemory: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if full.Net.batch%predictBatch != 0 || small.Net.batch >= 10 || small.Net.batch < 1 {
		t.Fatalf("batches %d and %d", full.Net.batch, small.Net.batch)
	}
	X := mat.NewDense(300, 4, nil)
	for i := range 300 {
		for j := range 4 {
			X.Set(i, j, float64((i*7+j*3)%11)-5)
		}
	}
	p, err := full.Predict(X, true)
	if err != nil {
		t.Fatal(err)
	}
	q, err := small.Predict(X, true)
	if err != nil {
		t.Fatal(err)
	}
	// The rows are computed alike whatever the batch; 1e-6 leaves room for
	// kernels that block rows differently (float32 outputs).
	if !mat.EqualApprox(p.Proba, q.Proba, 1e-6) || !slices.Equal(p.Values, q.Values) {
		t.Error("predictions differ with the batch size")
	}
}
