// Package artifacts keeps the files of runs (their model and their last
// checkpoint) in an object store through gocloud.dev/blob, so that any
// server or worker sharing the database can read what any other trained:
// file:///dir (the default, DataDir/artifacts), s3://bucket?region=...&endpoint=...,
// gs://bucket/prefix (Cloud Storage through its S3-compatible API, an HMAC
// key in GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET: internal/gsblob)
// and mem://[name] (in memory, for tests: every Open of one name in a
// process shares its bucket).
//
// Keys are made from run ids alone (runs/<id>/model.safetensors), never
// from a client's path. Every object is written in one put (a blob
// writer's Close makes it visible whole or not at all) with its SHA-256 in
// the object's metadata; a reader checks the bytes against the SHA-256 it
// is given (the one recorded in the run's row) or else against the
// metadata.
package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	"gocloud.dev/blob/memblob"    // mem:// buckets (tests)
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets
	"gocloud.dev/gcerrors"

	"github.com/mlforge/mlforge/internal/crashpoint"
	"github.com/mlforge/mlforge/internal/gsblob"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/store"
)

// File names of a run's artifacts, in the bucket and in a model directory.
const (
	ModelFile      = "model.safetensors"
	CheckpointFile = "checkpoint.safetensors"
)

// shaKey is the metadata key of an object's SHA-256 (hex).
const shaKey = "sha256"

// ErrNotFound is an artifact that the bucket does not hold.
var ErrNotFound = errors.New("artifacts: not in the object store")

// HashError is an object whose bytes do not have the SHA-256 recorded for
// them: it is never served nor resumed from.
type HashError struct {
	Key       string
	Want, Got string
}

func (e *HashError) Error() string {
	return fmt.Sprintf("artifacts: %s has SHA-256 %s, but %s was recorded for it", e.Key, e.Got, e.Want)
}

// Store is a bucket of run artifacts.
type Store struct {
	b      *blob.Bucket
	url    string
	shared bool // a named mem:// bucket, never closed
}

var (
	memMu      sync.Mutex
	memBuckets = map[string]*blob.Bucket{}
)

// sharedMem is the process's in-memory bucket of that name.
func sharedMem(name string) *Store {
	memMu.Lock()
	defer memMu.Unlock()
	b, ok := memBuckets[name]
	if !ok {
		b = memblob.OpenBucket(nil)
		memBuckets[name] = b
	}
	return &Store{b: b, url: "mem://" + name, shared: true}
}

// DefaultURL is the bucket of a data folder: file://<abs dataDir>/artifacts.
func DefaultURL(dataDir string) (string, error) {
	abs, err := filepath.Abs(filepath.Join(dataDir, "artifacts"))
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// Open opens the bucket at rawURL: file:///dir (created if missing),
// s3://bucket[/prefix]?region=...&endpoint=...&use_path_style=true
// (credentials from the usual AWS environment), gs://bucket[/prefix]
// (internal/gsblob) or mem://.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--artifacts %s: not a URL: %v", text.Quote(text.Abbrev(rawURL)), err)
	}
	open := rawURL
	switch u.Scheme {
	case "file":
		if u.Host != "" || u.Path == "" || !filepath.IsAbs(filepath.FromSlash(u.Path)) {
			return nil, fmt.Errorf("--artifacts %s: a file:// URL needs an absolute folder (file:///srv/mlforge/artifacts)", text.Quote(text.Abbrev(rawURL)))
		}
		q := u.Query()
		if q.Get("create_dir") == "" {
			q.Set("create_dir", "1")
		}
		// Temporary files beside their final name: a rename never crosses
		// file systems.
		if q.Get("no_tmp_dir") == "" {
			q.Set("no_tmp_dir", "1")
		}
		u.RawQuery = q.Encode()
		open = u.String()
	case "mem":
		if u.Host != "" {
			return sharedMem(u.Host), nil
		}
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("--artifacts %s: an s3:// URL needs a bucket (s3://bucket/prefix?region=...)", text.Quote(text.Abbrev(rawURL)))
		}
	case "gs":
		// Google Cloud Storage through its S3-compatible API (gsblob).
		b, err := gsblob.Open(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("--artifacts: %w", err)
		}
		return &Store{b: b, url: redact(rawURL)}, nil
	default:
		return nil, fmt.Errorf("--artifacts %s: expected a file://, s3://, gs:// or mem:// URL", text.Quote(text.Abbrev(rawURL)))
	}
	prefix := ""
	if u.Scheme == "s3" && strings.Trim(u.Path, "/") != "" {
		// s3://bucket/prefix: the prefix is applied here, not by the driver.
		prefix = strings.Trim(u.Path, "/") + "/"
		u.Path = ""
		open = u.String()
	}
	b, err := blob.OpenBucket(ctx, open)
	if err != nil {
		return nil, fmt.Errorf("artifacts: opening the object store %s: %w", text.Quote(text.Abbrev(redact(rawURL))), err)
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix)
	}
	return &Store{b: b, url: redact(rawURL)}, nil
}

// redact drops the user information of a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// URL is the bucket's URL (without user information).
func (s *Store) URL() string { return s.url }

// Close closes the bucket (a named mem:// one stays open for the others).
func (s *Store) Close() error {
	if s.shared {
		return nil
	}
	return s.b.Close()
}

// Ping checks that the bucket answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.b.Exists(ctx, "runs/.ping")
	return err
}

// Key is the key of a run's artifact file (ModelFile or CheckpointFile):
// runs/<id>/<file>, from a server-made run id only.
func Key(runID, file string) (string, error) {
	if !store.ValidID(runID) {
		return "", fmt.Errorf("artifacts: %s is not a run id", text.Quote(text.Abbrev(runID)))
	}
	if file != ModelFile && file != CheckpointFile {
		return "", fmt.Errorf("artifacts: %s is not an artifact of a run", text.Quote(text.Abbrev(file)))
	}
	return "runs/" + runID + "/" + file, nil
}

// Put uploads the file at path as the run's artifact file in one put and
// returns its SHA-256 (hex) and size.
func (s *Store) Put(ctx context.Context, runID, file, path string) (sha string, size int64, err error) {
	key, err := Key(runID, file)
	if err != nil {
		return "", 0, err
	}
	return s.putKey(ctx, key, path)
}

func (s *Store) putKey(ctx context.Context, key, path string) (sha string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	// The hash goes into the metadata, which is set when the writer is
	// made: hash first, then stream the same bytes.
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		return "", 0, err
	}
	sha = hex.EncodeToString(h.Sum(nil))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream", Metadata: map[string]string{shaKey: sha}})
	if err != nil {
		return "", 0, fmt.Errorf("artifacts: writing %s: %w", key, err)
	}
	h2 := sha256.New()
	if _, err := io.Copy(io.MultiWriter(crashpoint.Writer("artifact-put", w), h2), f); err != nil {
		cancel() // abandons the write: nothing becomes visible
		w.Close()
		return "", 0, fmt.Errorf("artifacts: writing %s: %w", key, err)
	}
	if got := hex.EncodeToString(h2.Sum(nil)); got != sha {
		cancel()
		w.Close()
		return "", 0, fmt.Errorf("artifacts: %s changed while it was uploaded", path)
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("artifacts: writing %s: %w", key, err)
	}
	return sha, size, nil
}

// Get downloads the run's artifact file to dst (through a temporary file
// beside it, renamed once the bytes are checked), refusing an object over
// max bytes. The bytes must have the SHA-256 wantSHA; when wantSHA is ""
// they must match the object's metadata. It returns ErrNotFound when the
// bucket has no such object, and a *HashError on a mismatch.
func (s *Store) Get(ctx context.Context, runID, file, dst string, wantSHA string, max int64) error {
	key, err := Key(runID, file)
	if err != nil {
		return err
	}
	return s.getKey(ctx, key, dst, wantSHA, max)
}

func (s *Store) getKey(ctx context.Context, key, dst string, wantSHA string, max int64) error {
	r, err := s.b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	defer r.Close()
	if r.Size() > max {
		return fmt.Errorf("artifacts: %s is %d bytes, larger than the %d-byte limit", key, r.Size(), max)
	}
	if wantSHA == "" {
		attrs, err := s.b.Attributes(ctx, key)
		if err != nil {
			return fmt.Errorf("artifacts: reading %s: %w", key, err)
		}
		if wantSHA = attrs.Metadata[shaKey]; wantSHA == "" {
			return fmt.Errorf("artifacts: %s has no SHA-256 in its metadata", key)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = fmt.Errorf("artifacts: %s grew past the %d-byte limit while it was read", key, max)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA {
		return &HashError{Key: key, Want: wantSHA, Got: got}
	}
	return os.Rename(tmp.Name(), dst)
}

// Delete removes every artifact of a run (a missing one is no error).
func (s *Store) Delete(ctx context.Context, runID string) error {
	for _, f := range []string{ModelFile, CheckpointFile} {
		key, err := Key(runID, f)
		if err != nil {
			return err
		}
		if err := s.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("artifacts: deleting %s: %w", key, err)
		}
	}
	return nil
}

// The files uploaded to a server (POST /api/files) are shared through the
// object store too, under files/uploads/<name>, so that every server and
// worker of a cluster can read a spec's uploads/<name>.

// uploadPrefix is the prefix of uploaded files' keys.
const uploadPrefix = "files/uploads/"

// UploadKey is the key of the uploaded file name: files/uploads/<name>,
// for a name of 1 to 64 letters, digits, ".", "_" or "-" that does not
// start with ".".
func UploadKey(name string) (string, error) {
	if !ValidUploadName(name) {
		return "", fmt.Errorf("artifacts: %s is not an uploaded file's name", text.Quote(text.Abbrev(name)))
	}
	return uploadPrefix + name, nil
}

// ValidUploadName reports whether name can be an uploaded file's name.
func ValidUploadName(name string) bool {
	if len(name) == 0 || len(name) > 64 || name[0] == '.' {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// PutUpload puts the file at path as the uploaded file name, in one put,
// and returns its SHA-256 and size.
func (s *Store) PutUpload(ctx context.Context, name, path string) (sha string, size int64, err error) {
	key, err := UploadKey(name)
	if err != nil {
		return "", 0, err
	}
	return s.putKey(ctx, key, path)
}

// UploadSHA returns the SHA-256 (from its metadata) and the size of the
// uploaded file name, or ErrNotFound.
func (s *Store) UploadSHA(ctx context.Context, name string) (sha string, size int64, err error) {
	key, err := UploadKey(name)
	if err != nil {
		return "", 0, err
	}
	attrs, err := s.b.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "", 0, ErrNotFound
	}
	if err != nil {
		return "", 0, fmt.Errorf("artifacts: reading %s: %w", key, err)
	}
	return attrs.Metadata[shaKey], attrs.Size, nil
}

// GetUpload downloads the uploaded file name to dst as Get does (checked
// against wantSHA, or its metadata when wantSHA is "").
func (s *Store) GetUpload(ctx context.Context, name, dst, wantSHA string, max int64) error {
	key, err := UploadKey(name)
	if err != nil {
		return err
	}
	return s.getKey(ctx, key, dst, wantSHA, max)
}

// Upload is an uploaded file in the object store.
type Upload struct {
	Name string
	Size int64
}

// Uploads lists the uploaded files, at most max of them (and whether
// there were more).
func (s *Store) Uploads(ctx context.Context, max int) ([]Upload, bool, error) {
	var out []Upload
	it := s.b.List(&blob.ListOptions{Prefix: uploadPrefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return out, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("artifacts: listing the uploaded files: %w", err)
		}
		name := strings.TrimPrefix(obj.Key, uploadPrefix)
		if obj.IsDir || !ValidUploadName(name) {
			continue
		}
		if len(out) == max {
			return out, true, nil
		}
		out = append(out, Upload{Name: name, Size: obj.Size})
	}
}

// Bucket is the underlying bucket (tests corrupt objects through it).
func (s *Store) Bucket() *blob.Bucket { return s.b }
