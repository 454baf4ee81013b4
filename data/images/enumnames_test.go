package images

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTorchvisionEnumNames: interpolation and policy take torchvision's
// enum names as Python code writes them and PIL's integer constants, as
// torchvision 0.14 does; what is not supported here is refused by name.
func TestTorchvisionEnumNames(t *testing.T) {
	for _, c := range []struct {
		json string
		want Interpolation
	}{
		{`"bilinear"`, Bilinear}, {`"InterpolationMode.BICUBIC"`, Bicubic}, {`"T.InterpolationMode.NEAREST"`, Nearest},
		{`"torchvision.transforms.InterpolationMode.BILINEAR"`, Bilinear}, {`"'bicubic'"`, Bicubic}, {`"BILINEAR"`, Bilinear},
		{`0`, Nearest}, {`2`, Bilinear}, {`3`, Bicubic}, {`1`, "lanczos"}, {`"InterpolationMode.NEAREST_EXACT"`, "nearest-exact"},
	} {
		var i Interpolation
		if err := json.Unmarshal([]byte(c.json), &i); err != nil || i != c.want {
			t.Errorf("%s: %q, %v; want %q", c.json, i, err, c.want)
		}
	}
	for _, bad := range []string{`7`, `2.5`, `true`} {
		var i Interpolation
		if err := json.Unmarshal([]byte(bad), &i); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	for _, c := range []struct{ list, err string }{
		{`[{"type": "Resize", "size": 8, "interpolation": "InterpolationMode.BICUBIC"}]`, ""},
		{`[{"type": "RandomAffine", "degrees": 8, "interpolation": 2}]`, ""},
		{`[{"type": "AutoAugment", "policy": "AutoAugmentPolicy.SVHN", "interpolation": "InterpolationMode.BILINEAR"}]`, ""},
		{`[{"type": "AutoAugment", "policy": "CIFAR10"}]`, ""},
		{`[{"type": "Resize", "size": 8, "interpolation": "InterpolationMode.LANCZOS"}]`, ""},
		{`[{"type": "RandomAffine", "degrees": 8, "interpolation": "InterpolationMode.LANCZOS"}]`, `"lanczos"`},
		{`[{"type": "ToTensor"}, {"type": "Resize", "size": 8, "interpolation": 1}]`, ""},
		{`[{"type": "AutoAugment", "policy": "AutoAugmentPolicy.MNIST"}]`, `"mnist"`},
		{`[{"type": "RandAugment", "interpolation": 9}]`, `unknown interpolation 9`},
	} {
		_, err := ParseTransforms(json.RawMessage(c.list))
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %v, want %q", c.list, err, c.err)
		}
	}
	var a AutoAugment
	if err := json.Unmarshal([]byte(`{"policy": "AutoAugmentPolicy.CIFAR10"}`), &a); err != nil || a.Policy != "cifar10" {
		t.Errorf("policy %q, %v", a.Policy, err)
	}
}
