package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlforge/mlforge/store"
)

// The copy of a data folder's artifacts into another object store
// (mlforge artifacts migrate): every object is copied with its SHA-256,
// read back and hashed again; an object the destination holds already with
// that SHA-256 (read back too) is left, so a migration can be run again.

// validKey reports whether key is a key this package makes: a run's model
// or checkpoint, or an uploaded file.
func validKey(key string) bool {
	if name, ok := strings.CutPrefix(key, uploadPrefix); ok {
		return ValidUploadName(name)
	}
	parts := strings.Split(key, "/")
	return len(parts) == 3 && parts[0] == "runs" && store.ValidID(parts[1]) && (parts[2] == ModelFile || parts[2] == CheckpointFile)
}

// Keys calls f with the key of every artifact in the store (other objects
// are not listed).
func (s *Store) Keys(ctx context.Context, f func(key string) error) error {
	it := s.b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("artifacts: listing %s: %w", s.url, err)
		}
		if obj.IsDir || !validKey(obj.Key) {
			continue
		}
		if err := f(obj.Key); err != nil {
			return err
		}
	}
}

// CopyFrom copies the object key of src into s, unless s holds it with the
// same SHA-256 already; it reports whether it copied. The source's bytes
// must hash to its recorded SHA-256 (its metadata) and the copy, read
// back, to the same.
func (s *Store) CopyFrom(ctx context.Context, src *Store, key string) (copied bool, err error) {
	if !validKey(key) {
		return false, fmt.Errorf("artifacts: %q is not an artifact's key", key)
	}
	attrs, err := src.b.Attributes(ctx, key)
	if err != nil {
		return false, fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	sha := attrs.Metadata[shaKey]
	if sha == "" { // an object put without one: its bytes are their own record
		if sha, err = hashObject(ctx, src.b, key); err != nil {
			return false, err
		}
	}
	if s.holds(ctx, key, sha) {
		return false, nil
	}
	r, err := src.b.NewReader(ctx, key, nil)
	if err != nil {
		return false, fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	defer r.Close()
	if err := s.write(ctx, key, sha, r); err != nil {
		return false, err
	}
	return true, nil
}

// PutFile puts the file at path under key (a run's artifact or an upload:
// Key, UploadKey), unless s holds it with the file's SHA-256 already;
// it returns the SHA-256 and size and whether it copied. The copy is read
// back and hashed.
func (s *Store) PutFile(ctx context.Context, key, path string) (sha string, size int64, copied bool, err error) {
	if !validKey(key) {
		return "", 0, false, fmt.Errorf("artifacts: %q is not an artifact's key", key)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, false, err
	}
	defer f.Close()
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		return "", 0, false, err
	}
	sha = hex.EncodeToString(h.Sum(nil))
	if s.holds(ctx, key, sha) {
		return sha, size, false, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, false, err
	}
	if err := s.write(ctx, key, sha, f); err != nil {
		return "", 0, false, err
	}
	return sha, size, true, nil
}

// Has reports whether the store has an object at key.
func (s *Store) Has(ctx context.Context, key string) (bool, error) {
	return s.b.Exists(ctx, key)
}

// holds reports whether s has key with the SHA-256 sha, its bytes read and
// hashed.
func (s *Store) holds(ctx context.Context, key, sha string) bool {
	attrs, err := s.b.Attributes(ctx, key)
	if err != nil || attrs.Metadata[shaKey] != sha {
		return false
	}
	got, err := hashObject(ctx, s.b, key)
	return err == nil && got == sha
}

// write puts r's bytes under key with the SHA-256 sha in one put; the bytes
// must hash to sha, and do once read back.
func (s *Store) write(ctx context.Context, key, sha string, r io.Reader) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream", Metadata: map[string]string{shaKey: sha}})
	if err != nil {
		return fmt.Errorf("artifacts: writing %s: %w", key, err)
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), r); err != nil {
		cancel()
		w.Close()
		return fmt.Errorf("artifacts: writing %s: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		cancel() // nothing becomes visible
		w.Close()
		return &HashError{Key: key, Want: sha, Got: got}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("artifacts: writing %s: %w", key, err)
	}
	got, err := hashObject(ctx, s.b, key)
	if err != nil {
		return err
	}
	if got != sha {
		return &HashError{Key: key, Want: sha, Got: got}
	}
	return nil
}

// hashObject reads key and returns its SHA-256.
func hashObject(ctx context.Context, b *blob.Bucket, key string) (string, error) {
	r, err := b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
