package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPretrainedValidate(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.safetensors"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	const net = `"name": "n", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}`
	for _, tc := range []struct{ extra, want string }{
		{`"pretrained_weights": "w.safetensors", "freeze": true`, ""},
		{`"pretrained_weights": "w.safetensors"`, ""},
		{`"freeze": true`, "freeze: freezes the layers loaded from pretrained_weights"},
		{`"pretrained_weights": "none.safetensors"`, `pretrained_weights: no such file: "none.safetensors"`},
		{`"pretrained_weights": "../w.safetensors"`, "pretrained_weights: "},
		{`"pretrained_weights": ""`, "pretrained_weights: expected the path"},
		{`"pretrained_weights": 3`, "pretrained_weights: expected a string, got 3"},
		{`"freeze": "yes"`, `freeze: expected true or false, got "yes"`},
	} {
		s, err := Parse([]byte("{" + net + ", " + tc.extra + "}"))
		if err == nil {
			err = s.Validate(Env{Root: dir, Restrict: true})
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.extra, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.extra, err, tc.want)
		}
	}
	s, err := Parse([]byte(`{"name": "c", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression"}, "pretrained_weights": "w.safetensors"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(Env{Root: dir}); err == nil || !strings.Contains(err.Error(), "pretrained_weights: applies to neural networks") {
		t.Errorf("classic: %v", err)
	}
}
