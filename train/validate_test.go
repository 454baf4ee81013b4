package train_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// sizedFolder writes an image folder "imgs" under a temporary root with
// two classes; sizes[i] is the size of image i (alternating classes).
func sizedFolder(t *testing.T, sizes [][2]int) string {
	t.Helper()
	root := t.TempDir()
	for _, c := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(root, "imgs", c), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range sizes {
		c := []string{"a", "b"}[i%2]
		writePNG(t, filepath.Join(root, "imgs", c, itoa(i)+".png"), s[0], s[1], uint8(i), 9, 200)
	}
	return root
}

// checkFolder checks a small network spec on the folder at root with the
// given transforms (JSON, "" for none) and returns the error.
func checkFolder(t *testing.T, root, transforms string) error {
	t.Helper()
	js := `{"name": "sz", "data": {"train": "imgs"},` + transforms + `
	  "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	_, err = train.Check(s, train.Options{Root: root, Restrict: true})
	return err
}

func TestCheckMixedImageSizes(t *testing.T) {
	var sizes [][2]int
	for range 5 {
		sizes = append(sizes, [2]int{8, 8})
	}
	sizes = append(sizes, [2]int{6, 6}, [2]int{6, 6}, [2]int{12, 10})
	root := sizedFolder(t, sizes)

	err := checkFolder(t, root, "")
	want := "data.train: the 8 images have 3 sizes: 5 of 8x8, 2 of 6x6, 1 of 12x10; add a Resize"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("no transforms: got %v, want %q...", err, want)
	}
	// A Resize to one side keeps the aspect ratio: 12x10 still differs.
	err = checkFolder(t, root, `"transforms": [{"type": "Resize", "size": 8}, {"type": "ToTensor"}],`)
	if err == nil || !strings.Contains(err.Error(), "after the transforms") {
		t.Fatalf("Resize(8): got %v, want the shapes after the transforms", err)
	}
	for _, tr := range []string{
		`"transforms": [{"type": "Resize", "size": [8, 8]}, {"type": "ToTensor"}],`,
		`"transforms": [{"type": "Resize", "size": 8}, {"type": "CenterCrop", "size": 6}, {"type": "ToTensor"}],`,
		`"transforms": [{"type": "RandomResizedCrop", "size": 5}, {"type": "ToTensor"}],`,
		`"image_ops": [{"resize": {"size": [7, 7]}}],`,
	} {
		if err := checkFolder(t, root, tr); err != nil {
			t.Errorf("%s: %v", tr, err)
		}
	}
	// One size needs no transform.
	if err := checkFolder(t, sizedFolder(t, [][2]int{{5, 4}, {5, 4}, {5, 4}}), ""); err != nil {
		t.Errorf("one size: %v", err)
	}
}

func TestCheckCorruptImageHeader(t *testing.T) {
	root := sizedFolder(t, [][2]int{{4, 4}, {4, 4}, {4, 4}})
	if err := os.WriteFile(filepath.Join(root, "imgs", "b", "bad.png"), []byte("\x89PNG\r\n\x1a\nnot a header"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := checkFolder(t, root, "")
	if err == nil || !strings.HasPrefix(err.Error(), "data.train: ") || !strings.Contains(err.Error(), "b/bad.png") {
		t.Fatalf("got %v, want a data.train error naming b/bad.png", err)
	}
}

func TestCheckTextTargetRegressor(t *testing.T) {
	root := t.TempDir()
	csv := "sepal_length,petal_width,species\n5.1,0.2,NA\n4.9,0.2,setosa\n6.3,1.8,virginica\n"
	if err := os.WriteFile(filepath.Join(root, "iris.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(js string) error {
		t.Helper()
		s, err := spec.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		_, err = train.Check(s, train.Options{Root: root, Restrict: true})
		return err
	}
	err := check(`{"name": "r", "data": {"train": "iris.csv"}, "model": {"class": "Ridge"}}`)
	want := `data.target: Ridge is a regressor and expects a number as target, but the column "species" of "iris.csv" holds text ("setosa" on line 3)`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %q...", err, want)
	}
	if err := os.WriteFile(filepath.Join(root, "num.csv"), []byte("a,y\n1,0.5\n2,NA\n3,1.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, js := range []string{
		`{"name": "r", "data": {"train": "num.csv"}, "preprocess": [{"type": "SimpleImputer"}], "model": {"class": "Ridge"}}`,
		`{"name": "r", "data": {"train": "iris.csv"}, "model": {"class": "LogisticRegression"}}`,
	} {
		if err := check(js); err != nil {
			t.Errorf("%s: %v", js, err)
		}
	}
}

func TestCheckMissingFlatten(t *testing.T) {
	root := sizedFolder(t, [][2]int{{4, 4}, {4, 4}, {4, 4}})
	js := `{"name": "f", "data": {"train": "imgs"}, "transforms": [{"type": "ToTensor"}],
	  "model": {"layers": [{"type": "Conv2d", "in_channels": 3, "out_channels": 2, "kernel_size": 3}, {"type": "ReLU"},
	  {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`
	s, err := spec.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	_, err = train.Check(s, train.Options{Root: root, Restrict: true})
	want := `model.layers[2]: the network outputs shape [1 2 2 2], not (1, 2): the Linear at layers[2] gets shape [1 2 2 2]`
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "Flatten") || strings.Contains(err.Error(), "n_labels") {
		t.Fatalf("got %v, want %q... naming a missing Flatten", err, want)
	}
}
