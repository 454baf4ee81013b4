package images_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/mlforge/mlforge/data/images"
)

func ExampleParseTransforms() {
	tr, err := images.ParseTransforms(json.RawMessage(`[
		{"type": "Resize", "size": 4},
		{"type": "CenterCrop", "size": 4},
		{"type": "RandomHorizontalFlip", "p": 0.5},
		{"type": "ToTensor"},
		{"type": "Normalize", "mean": [0.5], "std": [0.5]}]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// An 8x6 gray gradient.
	m := images.NewImage(8, 6, 1)
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 5)
	}
	out, err := tr.Apply(images.ImageValue(m), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Tensor.Shape)
	fmt.Printf("%.3f\n", out.Tensor.Data[:4])

	_, err = images.ParseTransforms(json.RawMessage(`[{"type": "Resize", "sise": 4}]`))
	fmt.Println(err)
	// Output:
	// [1 4 4]
	// [-0.867 -0.804 -0.741 -0.686]
	// transforms[0]: Resize: unknown param "sise" (did you mean "size"?) (known: size, interpolation, max_size, antialias)
}

func ExampleCatalogue() {
	for _, info := range images.Catalogue() {
		if info.Name == "RandomCrop" {
			for _, p := range info.Params {
				fmt.Printf("%s %s %v\n", p.Name, p.Type, p.Default)
			}
		}
	}
	// Output:
	// size size <nil>
	// padding padding []
	// pad_if_needed bool false
	// fill float 0
	// padding_mode string constant
}

func ExampleParseImageOps() {
	// Pillow calls as a service dictionary writes them: one key per
	// operation, Pillow's enum names as strings.
	ops, err := images.ParseImageOps(json.RawMessage(`[
		{"convert": "L"},
		{"resize": {"size": [4, 2], "resample": "Image.Resampling.BILINEAR"}},
		{"transpose": "Image.Transpose.FLIP_LEFT_RIGHT"}]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := images.NewImage(8, 4, 3)
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 2)
	}
	out, err := ops.Apply(m, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.W, out.H, out.C, out.Pix) // Pillow 9.4 gives the same
	_, err = images.ParseImageOps(json.RawMessage(`[{"resize": {"size": [4, 2], "resample": "Image.BICUBLIC"}}]`))
	fmt.Println(err)
	// Output:
	// 4 2 1 [74 63 51 40 150 139 127 116]
	// image_ops[0]: resize: param "resample": unknown resampling filter "Image.BICUBLIC" (did you mean "BICUBIC"?)
}
