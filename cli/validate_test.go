package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidate: mlforge validate checks a spec as train does (the data's
// shape, the layers, the budgets) and exits 2 on a problem.
func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"name": "n", "data": {"train": "builtin:digits"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`), 0o600)
	var out, errb bytes.Buffer
	if code := Main([]string{"validate", good}, strings.NewReader(""), &out, &errb); code != ExitOK {
		t.Fatalf("validate good: exit %d, %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "n is valid") || !strings.Contains(out.String(), "[1 10]") {
		t.Errorf("validate output:\n%s", out.String())
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name": "b", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "in_features": 5, "out_features": 3}]}}`), 0o600)
	out.Reset()
	errb.Reset()
	if code := Main([]string{"validate", bad}, strings.NewReader(""), &out, &errb); code != ExitBadInput {
		t.Fatalf("validate bad: exit %d, want %d", code, ExitBadInput)
	}
	if !strings.Contains(errb.String(), "model.layers[0]: Linear expects input of shape (*, 5), got [1 4]") {
		t.Errorf("validate bad stderr: %s", errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := Main([]string{"validate", "--max-model-bytes", "100", good}, strings.NewReader(""), &out, &errb); code != ExitBadInput || !strings.Contains(errb.String(), "over the budget of") {
		t.Errorf("validate over budget: exit %d, stderr %s", code, errb.String())
	}
}
