package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecConvert: mlforge spec convert prints the native spec of a
// service dictionary, names the fields of a bad one and exits 2.
func TestSpecConvert(t *testing.T) {
	dir := t.TempDir()
	dict := filepath.Join(dir, "dict.json")
	os.WriteFile(dict, []byte(`{"model_name": "m", "n_epoch": 2, "n_labels": 3, "data": {"train": "builtin:iris"},
	  "optimizer": {"name": "Adam", "lr": 0.01},
	  "model": {"layers": [{"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`), 0o600)
	var out, errb bytes.Buffer
	if code := Main([]string{"spec", "convert", dict}, strings.NewReader(""), &out, &errb); code != ExitOK {
		t.Fatalf("convert: exit %d, %s", code, errb.String())
	}
	for _, want := range []string{`"name": "m"`, `"epochs": 2`, `"type": "Adam"`, `"type": "Linear"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("convert output lacks %s:\n%s", want, out.String())
		}
	}
	// The printed spec validates as the dictionary does.
	conv := filepath.Join(dir, "native.json")
	os.WriteFile(conv, out.Bytes(), 0o600)
	for _, f := range []string{dict, conv} {
		out.Reset()
		errb.Reset()
		if code := Main([]string{"validate", f}, strings.NewReader(""), &out, &errb); code != ExitOK || !strings.Contains(out.String(), "m is valid") {
			t.Errorf("validate %s: exit %d, %s%s", filepath.Base(f), code, out.String(), errb.String())
		}
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"model_name": "m", "n_epochs": 2}`), 0o600)
	out.Reset()
	errb.Reset()
	if code := Main([]string{"spec", "convert", bad}, strings.NewReader(""), &out, &errb); code != ExitBadInput || !strings.Contains(errb.String(), `n_epochs: unknown key in a service dictionary (did you mean "n_epoch"?)`) {
		t.Errorf("convert bad: exit %d, stderr %s", code, errb.String())
	}
	for _, args := range [][]string{{"spec"}, {"spec", "conver", dict}, {"spec", "convert"}, {"spec", "convert", filepath.Join(dir, "none.json")}} {
		errb.Reset()
		if code := Main(args, strings.NewReader(""), &out, &errb); code != ExitBadInput {
			t.Errorf("%q: exit %d, want %d (%s)", args, code, ExitBadInput, errb.String())
		}
	}
}
