package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecConvertGradClip: mlforge spec convert maps a dictionary's
// grad_clip, clip_grad_norm_'s arguments or a number, onto the native
// grad_clip (max_norm), names a norm other than L2, and the dictionary
// trains with mlforge train.
func TestSpecConvertGradClip(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ clip, want string }{
		{`{"max_norm": 0.5, "norm_type": 2}`, `"grad_clip": 0.5`},
		{`{"max_norm": 2}`, `"grad_clip": 2`},
		{`0.25`, `"grad_clip": 0.25`},
	} {
		dict := filepath.Join(dir, "dict.json")
		os.WriteFile(dict, []byte(`{"model_name": "m", "n_epoch": 1, "data": {"train": "builtin:iris"}, "grad_clip": `+c.clip+`,
		  "optimizer": {"name": "SGD", "lr": 0.1},
		  "model": {"layers": [{"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`), 0o600)
		var out, errb bytes.Buffer
		if code := Main([]string{"spec", "convert", dict}, strings.NewReader(""), &out, &errb); code != ExitOK {
			t.Fatalf("convert %s: exit %d, %s", c.clip, code, errb.String())
		}
		if !strings.Contains(out.String(), c.want) || strings.Contains(out.String(), "max_norm") {
			t.Errorf("convert %s: output lacks %s:\n%s", c.clip, c.want, out.String())
		}
	}
	if code, out, errs := mlforge(t, dir, "train", "dict.json", "--json"); code != ExitOK || !strings.Contains(out, `"model_path"`) {
		t.Fatalf("train: exit %d, %s%s", code, out, errs)
	}
	out, errb := &bytes.Buffer{}, &bytes.Buffer{}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"model_name": "m", "grad_clip": {"max_norm": 1, "norm_type": "inf"}}`), 0o600)
	if code := Main([]string{"spec", "convert", bad}, strings.NewReader(""), out, errb); code != ExitBadInput || !strings.Contains(errb.String(), `grad_clip.norm_type: expected 2`) {
		t.Errorf("convert bad: exit %d, stderr %s", code, errb.String())
	}
}
