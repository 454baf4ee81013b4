package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// CopyBlobs copies the item blobs of src into dst (mlforge artifacts
// migrate: a data folder's blobs into a cluster's object store). Each
// blob's bytes must hash to the SHA-256 its key is made of, and do once
// read back from dst; a blob that dst holds already with the right bytes
// is left, so the copy can be run again. It returns the blobs copied and
// those found in place.
func CopyBlobs(ctx context.Context, dst, src *blob.Bucket) (copied, present int, err error) {
	it := src.List(&blob.ListOptions{Prefix: blobPrefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return copied, present, nil
		}
		if err != nil {
			return copied, present, fmt.Errorf("datasets: listing the blob store: %w", err)
		}
		sha := obj.Key[len(obj.Key)-min(len(obj.Key), 64):]
		if obj.IsDir || blobKey0(sha) != obj.Key {
			continue // not an item's blob: fsck reports it
		}
		if got, err := hashBlob(ctx, dst, obj.Key); err == nil && got == sha {
			present++
			continue
		} else if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return copied, present, fmt.Errorf("datasets: reading blob %s of the destination: %w", sha, err)
		}
		b, err := src.ReadAll(ctx, obj.Key)
		if err != nil {
			return copied, present, fmt.Errorf("datasets: reading blob %s: %w", sha, err)
		}
		if got := sum(b); got != sha {
			return copied, present, fmt.Errorf("datasets: blob %s hashes to %s (run mlforge datasets fsck)", sha, got)
		}
		if err := dst.WriteAll(ctx, obj.Key, b, nil); err != nil {
			return copied, present, fmt.Errorf("datasets: writing blob %s: %w", sha, err)
		}
		if got, err := hashBlob(ctx, dst, obj.Key); err != nil || got != sha {
			return copied, present, fmt.Errorf("datasets: blob %s read back from the destination does not match (%v)", sha, err)
		}
		copied++
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hashBlob reads key of b and returns its SHA-256.
func hashBlob(ctx context.Context, b *blob.Bucket, key string) (string, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
