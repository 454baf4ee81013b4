package images

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// In a Compose, the transforms after FiveCrop or TenCrop apply to each
// crop and the crops are stacked, as torchvision's recipe
// Lambda(lambda crops: torch.stack([ToTensor()(c) for c in crops])) does.
func TestComposeStacksCrops(t *testing.T) {
	src := decodeTestdata(t, "rgb.png", RGB) // 23 x 17
	for _, tc := range []struct {
		list  string
		n     int
		shape []int
	}{
		{`[{"type": "FiveCrop", "size": [5, 7]}, {"type": "ToTensor"}]`, 5, []int{5, 3, 5, 7}},
		{`[{"type": "Resize", "size": 12}, [{"type": "TenCrop", "size": 8, "vertical_flip": true}, {"type": "Grayscale"}], {"type": "ToTensor"}, {"type": "Normalize", "mean": [0.5], "std": [0.25]}]`, 10, []int{10, 1, 8, 8}},
		{`[{"type": "FiveCrop", "size": 4}]`, 5, []int{5, 3, 4, 4}},
	} {
		tr, err := ParseTransforms(json.RawMessage(tc.list))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := NCrops(tr); n != tc.n || err != nil {
			t.Fatalf("%s: NCrops = %d, %v", tc.list, n, err)
		}
		v, err := tr.Apply(Value{Image: src}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.list, err)
		}
		if !slices.Equal(v.Tensor.Shape, tc.shape) {
			t.Fatalf("%s: shape %v, want %v", tc.list, v.Tensor.Shape, tc.shape)
		}
	}
	// Each crop is what the transforms after the crop make of it.
	tr, _ := ParseTransforms(json.RawMessage(`[{"type": "FiveCrop", "size": [5, 7]}, {"type": "ToTensor"}, {"type": "Normalize", "mean": [0.5], "std": [0.5]}]`))
	v, _ := tr.Apply(Value{Image: src}, nil)
	crops, _ := (&FiveCrop{Size: Size{5, 7}}).Crops(Value{Image: src})
	per := 3 * 5 * 7
	for k, c := range crops {
		want, _ := (&Normalize{Mean: []float64{0.5}, Std: []float64{0.5}}).Apply(Value{Tensor: ImageToTensor(c.Image)}, nil)
		if !slices.Equal(v.Tensor.Data[k*per:(k+1)*per], want.Tensor.Data) {
			t.Fatalf("crop %d differs", k)
		}
	}

	two, _ := ParseTransforms(json.RawMessage(`[{"type": "FiveCrop", "size": 4}, [{"type": "TenCrop", "size": 2}]]`))
	if _, err := NCrops(two); err == nil || !strings.Contains(err.Error(), "at most one FiveCrop or TenCrop") {
		t.Fatalf("two crops: %v", err)
	}
	if _, err := two.Apply(Value{Image: src}, nil); err == nil {
		t.Fatal("two crops applied")
	}
	big, _ := ParseTransforms(json.RawMessage(`[{"type": "FiveCrop", "size": [18, 5]}]`))
	if _, err := big.Apply(Value{Image: src}, nil); err == nil || !strings.Contains(err.Error(), "bigger than the 23x17 image") {
		t.Fatalf("crop larger than the image: %v", err)
	}
	if _, err := ParseTransforms(json.RawMessage(`[{"type": "RandomApply", "transforms": [{"type": "FiveCrop", "size": 3}]}]`)); err == nil || !strings.Contains(err.Error(), "not in a random choice") {
		t.Fatalf("FiveCrop in RandomApply: %v", err)
	}
	if _, err := ParseTransforms(json.RawMessage(`[{"type": "TenCrop"}]`)); err == nil || !strings.Contains(err.Error(), `param "size" is required`) {
		t.Fatalf("no size: %v", err)
	}
}
