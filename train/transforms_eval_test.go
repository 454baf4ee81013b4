package train_test

import (
	"testing"

	"github.com/mlforge/mlforge/train"
)

// TestFilterEvalTransforms: the random augmentations are left out of
// evaluation, a Compose (a nested list) is filtered in place, and a random
// crop becomes the centre crop of the same size, so that evaluation feeds
// the network samples of the shape it was built for.
func TestFilterEvalTransforms(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[{"type": "RandomHorizontalFlip"}, {"type": "ToTensor"}]`, `[{"type":"ToTensor"}]`},
		{`[[{"type": "CenterCrop", "size": 10}, {"type": "RandomVerticalFlip"}], {"type": "ToTensor"}]`,
			`[{"type":"CenterCrop","size":10},{"type":"ToTensor"}]`},
		{`[{"type": "RandomCrop", "size": 12, "padding": 4}, {"type": "ToTensor"}]`, `[{"size":12,"type":"CenterCrop"},{"type":"ToTensor"}]`},
		{`[{"type": "RandomResizedCrop", "size": [8, 6]}, {"type": "ToTensor"}]`,
			`[{"size":[8,6],"type":"Resize"},{"size":[8,6],"type":"CenterCrop"},{"type":"ToTensor"}]`},
		{`[{"type": "RandomRotation", "degrees": 30}]`, ``},
	} {
		got, err := train.FilterEvalTransforms([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if string(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
}
