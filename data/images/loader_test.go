package images_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/loader"
)

// TestFolderThroughLoader runs an image folder with random augmentation
// through the DataLoader: the same seed gives the same batches with 1 or 3
// workers, and a corrupt file stops the epoch with its name.
func TestFolderThroughLoader(t *testing.T) {
	root := t.TempDir()
	png, _ := os.ReadFile("testdata/rgb.png")
	for _, p := range []string{"a/1.png", "a/2.png", "a/3.png", "b/1.png", "b/2.png", "c/x.png", "c/y.png"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), png, 0o644)
	}
	tr := images.Compose{&images.RandomCrop{Size: images.Size{8}}, &images.RandomHorizontalFlip{P: 0.5}, images.ToTensor{}}
	f, err := images.ImageFolder(root, images.FolderOptions{Transform: tr, Cache: true})
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) string {
		l := &loader.DataLoader{Dataset: f, BatchSize: 3, Shuffle: true, Seed: 5, Workers: workers}
		var s strings.Builder
		for b, err := range l.Batches(context.Background(), 0) {
			if err != nil {
				t.Fatal(err)
			}
			if len(b.X.Shape) != 4 || b.X.Shape[1] != 3 || b.X.Shape[2] != 8 || len(b.Y.Shape) != 1 {
				t.Fatalf("batch shapes %v %v", b.X.Shape, b.Y.Shape)
			}
			for _, v := range b.X.Data {
				s.WriteByte(byte(v * 255))
			}
		}
		return s.String()
	}
	if run(1) != run(3) {
		t.Error("1 and 3 workers gave different batches")
	}
	os.WriteFile(filepath.Join(root, "b/2.png"), png[:100], 0o644)
	f, _ = images.ImageFolder(root, images.FolderOptions{}) // the cached folder would not read it again
	l := &loader.DataLoader{Dataset: f, BatchSize: 2}
	var got error
	for _, err := range l.Batches(context.Background(), 0) {
		got = err
	}
	if got == nil || !strings.Contains(got.Error(), "b/2.png: corrupt PNG image") {
		t.Errorf("corrupt file through the loader: %v", got)
	}
}
