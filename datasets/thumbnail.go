package datasets

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/store"
)

// Bounds of a thumbnail's longest side, in pixels.
const (
	DefaultThumbnail = 128
	MinThumbnail     = 16
	MaxThumbnail     = 512
)

// CheckThumbnailSize returns an error unless size is a thumbnail size
// (MinThumbnail to MaxThumbnail).
func CheckThumbnailSize(size int) error {
	if size < MinThumbnail || size > MaxThumbnail {
		return errorf("thumbnail size %d: expected %d to %d pixels", size, MinThumbnail, MaxThumbnail)
	}
	return nil
}

// Thumbnail returns item it reduced so that its longest side is at most
// size pixels (never enlarged), keeping its aspect ratio: decoded under
// the pixel cap, resized with images.ResizeImage (bilinear, antialiased
// as PIL's), encoded as JPEG for a JPEG item and as PNG otherwise. It
// returns the bytes and their media type.
func (s *Service) Thumbnail(ctx context.Context, it *store.Item, size int) ([]byte, string, error) {
	if err := CheckThumbnailSize(size); err != nil {
		return nil, "", err
	}
	rc, err := s.Open(ctx, it)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(io.LimitReader(rc, it.Bytes+1))
	rc.Close()
	if err != nil {
		return nil, "", fmt.Errorf("datasets: reading item %s: %w", it.ID, err)
	}
	return EncodeThumbnail(b, "item "+it.ID, it.Format == "JPEG", size, s.Limits.withDefaults().MaxPixels)
}

// EncodeThumbnail decodes the image b (name says which in errors) under
// the pixel cap maxPixels and returns it reduced to at most size pixels on
// its longest side, as JPEG (asJPEG) or PNG, with the media type.
func EncodeThumbnail(b []byte, name string, asJPEG bool, size int, maxPixels int64) ([]byte, string, error) {
	if err := CheckThumbnailSize(size); err != nil {
		return nil, "", err
	}
	m, err := images.DecodeBytesLimit(b, name, images.RGB, maxPixels)
	if err != nil {
		return nil, "", fmt.Errorf("datasets: %s does not decode: %w", name, err)
	}
	w, h := thumbSize(m.W, m.H, size)
	if w != m.W || h != m.H {
		if m, err = images.ResizeImage(m, w, h, images.Bilinear); err != nil {
			return nil, "", err
		}
	}
	src := &image.NRGBA{Pix: make([]uint8, w*h*4), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	for i := 0; i < w*h; i++ {
		copy(src.Pix[4*i:4*i+3], m.Pix[3*i:3*i+3])
		src.Pix[4*i+3] = 255
	}
	var out bytes.Buffer
	if asJPEG {
		err = jpeg.Encode(&out, src, &jpeg.Options{Quality: 85})
		return out.Bytes(), "image/jpeg", err
	}
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, src)
	return out.Bytes(), "image/png", err
}

// thumbSize returns w x h scaled so that the longest side is at most size,
// each side at least one pixel.
func thumbSize(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, (h*size+w/2)/w)
	}
	return max(1, (w*size+h/2)/h), size
}
