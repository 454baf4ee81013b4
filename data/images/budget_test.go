package images

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"testing"
	"testing/fstest"
)

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFolderBudgets(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range 6 {
		fsys[fmt.Sprintf("imgs/c%d/%d.png", i%2, i)] = &fstest.MapFile{Data: pngBytes(t, 10, 20)}
	}
	fsys["imgs/c1/big.png"] = &fstest.MapFile{Data: pngBytes(t, 300, 200)}

	// 2 class folders + 7 files = 9 entries.
	if _, err := ImageFolderFS(fsys, "imgs", FolderOptions{MaxFiles: 8}); err == nil || err.Error() != "images: image folder imgs: more than 8 files and folders (the MaxFiles limit); use a smaller folder or raise the limit" {
		t.Errorf("MaxFiles 8: %v", err)
	}
	if _, err := ImageFolderFS(fsys, "imgs", FolderOptions{MaxFiles: 1}); err == nil {
		t.Error("MaxFiles 1 accepted 2 class folders")
	}
	f, err := ImageFolderFS(fsys, "imgs", FolderOptions{MaxFiles: 9, MaxPixels: 50_000, Cache: true, MaxCacheBytes: 3 * 600})
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Len() {
		_, err := f.Image(i)
		var e *Error
		if f.File(i) == "c1/big.png" {
			if !errors.As(err, &e) || err.Error() != "c1/big.png: PNG image of 300x200 pixels is larger than the limit of 50000 pixels" {
				t.Errorf("big image: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// RGB 10x20 images are 600 bytes: three fit in the cache.
	kept := 0
	for _, m := range f.cache {
		if m != nil {
			kept++
		}
	}
	if kept != 3 || f.cached != 1800 {
		t.Errorf("cache holds %d images, %d bytes; want 3 and 1800", kept, f.cached)
	}
	// Images past the cache budget still decode.
	for i := range f.Len() {
		if f.File(i) != "c1/big.png" {
			if _, err := f.Image(i); err != nil {
				t.Errorf("image %d: %v", i, err)
			}
		}
	}
}

func TestDecodeConfig(t *testing.T) {
	c, err := DecodeConfig(pngBytes(t, 7000, 7000), "x.png")
	if err != nil || c != (Config{Format: "PNG", Width: 7000, Height: 7000}) || c.Pixels() != 49_000_000 {
		t.Errorf("DecodeConfig = %+v, %v", c, err)
	}
	if _, err := DecodeConfig([]byte("nope"), "x.png"); err == nil || err.Error() != "x.png: unsupported image format (want PNG, JPEG or GIF)" {
		t.Errorf("not an image: %v", err)
	}
	if _, err := DecodeBytesLimit(pngBytes(t, 100, 100), "y.png", L, 9999); err == nil || err.Error() != "y.png: PNG image of 100x100 pixels is larger than the limit of 9999 pixels" {
		t.Errorf("DecodeBytesLimit: %v", err)
	}
}
