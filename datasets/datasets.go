// Package datasets keeps labelled image datasets: the rows in the store
// (package store: datasets and items), the bytes in a blob store
// (gocloud.dev/blob) under keys made from their SHA-256, so that an image
// is stored once however often it is imported. It imports class-folder
// archives (every image checked and decoded before it is stored), reports
// near duplicates by difference hash, exports class-folder zips and checks
// that the rows and the blobs agree (Fsck).
package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	neturl "net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	"gocloud.dev/blob/memblob"    // mem:// buckets (tests)
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets
	"gocloud.dev/gcerrors"

	"github.com/mlforge/mlforge/internal/gsblob"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/store"
)

// Error is a request the caller got wrong (a bad name, a missing dataset,
// an archive refused): its message says what and where.
type Error struct {
	Msg      string
	NotFound bool // the dataset or item does not exist
	Exists   bool // the dataset exists already
}

func (e *Error) Error() string { return e.Msg }

// BadInput marks the error as the caller's.
func (e *Error) BadInput() bool { return true }

func errorf(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// namePattern is what dataset names must match.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckName returns an error unless name is a valid dataset name: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return errorf("dataset name %s is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", text.Quote(text.Abbrev(name)))
	}
	return nil
}

// MaxLabel is the longest label, in bytes.
const MaxLabel = 100

// CheckLabel returns an error unless label is a valid label: 1 to MaxLabel
// bytes of UTF-8 letters, digits, spaces and the marks . _ - ( ) ' &, not
// starting with '.' or a space nor ending with a space.
func CheckLabel(label string) error {
	bad := func(why string) error {
		return errorf("label %s is not valid: %s", text.Quote(text.Abbrev(label)), why)
	}
	switch {
	case label == "":
		return bad("it is empty")
	case len(label) > MaxLabel:
		return bad(fmt.Sprintf("it is longer than %d bytes", MaxLabel))
	case !utf8.ValidString(label):
		return bad("it is not UTF-8")
	case label[0] == '.' || label[0] == ' ' || label[len(label)-1] == ' ':
		return bad("it starts with '.' or a space, or ends with a space")
	}
	for _, r := range label {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" ._-()'&", r)) {
			return bad(fmt.Sprintf("it contains %q; use letters, digits, spaces and . _ - ( ) ' &", r))
		}
	}
	return nil
}

// Kinds of dataset.
const (
	Images = "images"
	Table  = "table"
)

// Service is the dataset store: rows in Store, bytes in Bucket.
type Service struct {
	Store  *store.Store
	Bucket *blob.Bucket
	Limits Limits

	// gc is held for reading from the first blob an import writes to the
	// commit of its rows, and for writing while unreferenced blobs are
	// deleted: a blob is never deleted between its write and its row.
	gc sync.RWMutex

	// cache keeps the bytes of small blobs that Folder's files read
	// (keyed by SHA-256, so never stale), up to BlobCacheBytes in all: a
	// run reads every image once to check its size and again to train,
	// and a later epoch or run reads it again. A blob lost while the
	// service runs is thus noticed by fsck, and by the reads of a
	// process started after the loss.
	cacheMu sync.Mutex
	cache   map[string][]byte
	cached  int64

	// lists caches item listings by dataset ID and labels, each under the
	// dataset's version (see listing), ListCacheItems items in all.
	listMu   sync.Mutex
	lists    map[string]*listEntry
	listed   int
	listings atomic.Int64 // listings read from the store (tests)
}

// BlobCacheBytes caps the bytes a Service keeps in its cache of blobs;
// MaxCachedBlob is the largest blob it keeps.
const (
	BlobCacheBytes = 64 << 20
	MaxCachedBlob  = 1 << 20
)

// cachedBlob returns the cached bytes of sha, nil if none.
func (s *Service) cachedBlob(sha string) []byte {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	return s.cache[sha]
}

// keepBlob caches b as the bytes of sha if the cache has room.
func (s *Service) keepBlob(sha string, b []byte) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if _, ok := s.cache[sha]; ok || s.cached+int64(len(b)) > BlobCacheBytes {
		return
	}
	if s.cache == nil {
		s.cache = map[string][]byte{}
	}
	s.cache[sha] = b
	s.cached += int64(len(b))
}

// OpenBucket opens the blob store at url: file:///dir (created if
// missing), s3://bucket?region=...&prefix=... (credentials from the usual
// AWS environment), gs://bucket[/prefix] (Cloud Storage through its
// S3-compatible API, an HMAC key from GOOGLE_HMAC_ACCESS_ID and
// GOOGLE_HMAC_SECRET: internal/gsblob) or mem:// (in memory, for tests;
// mem://NAME is the process's one bucket of that name, which its users
// never close).
func OpenBucket(ctx context.Context, url string) (*blob.Bucket, error) {
	switch {
	case strings.HasPrefix(url, "file://"):
		if !strings.Contains(url, "?") {
			url += "?create_dir=1&no_tmp_dir=1&metadata=skip"
		}
	case strings.HasPrefix(url, "mem://"):
		if name := strings.TrimPrefix(url, "mem://"); name != "" {
			return sharedMem(name), nil
		}
	case strings.HasPrefix(url, "s3://"):
	case strings.HasPrefix(url, "gs://"):
		u, err := neturl.Parse(url)
		if err != nil {
			return nil, errorf("blob store %s: not a URL: %v", text.Quote(text.Abbrev(url)), err)
		}
		b, err := gsblob.Open(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("datasets: opening the blob store: %w", err)
		}
		return b, nil
	default:
		return nil, errorf("blob store %s: expected a file://, s3://, gs:// or mem:// URL", text.Quote(text.Abbrev(url)))
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("datasets: opening the blob store: %w", err)
	}
	return b, nil
}

var (
	memMu      sync.Mutex
	memBuckets = map[string]*blob.Bucket{}
)

// sharedMem is the process's in-memory bucket of that name.
func sharedMem(name string) *blob.Bucket {
	memMu.Lock()
	defer memMu.Unlock()
	b, ok := memBuckets[name]
	if !ok {
		b = memblob.OpenBucket(nil)
		memBuckets[name] = b
	}
	return b
}

// New returns the service over st and bucket with the default limits.
func New(st *store.Store, bucket *blob.Bucket) *Service {
	return &Service{Store: st, Bucket: bucket}
}

// blobPrefix is where item bytes live in the bucket.
const blobPrefix = "sha256/"

// blobKey is the key of the bytes whose SHA-256 is sha (64 hex digits):
// made from the hash alone, never from a client's name.
func blobKey(sha string) string { return blobPrefix + sha[:2] + "/" + sha }

// validSHA reports whether s is 64 lowercase hex digits.
func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Detail is a dataset with its labels.
type Detail struct {
	*store.Dataset
	Labels []store.LabelCount `json:"labels"`
}

// Create makes an empty dataset.
func (s *Service) Create(ctx context.Context, name, kind, description string) (*store.Dataset, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if kind == "" {
		kind = Images
	}
	if kind != Images {
		return nil, errorf("dataset kind %s is not supported: only %q datasets can be stored", text.Quote(text.Abbrev(kind)), Images)
	}
	if len(description) > 4096 {
		return nil, errorf("the description is longer than 4096 bytes")
	}
	d := &store.Dataset{ID: store.NewID(), Name: name, Kind: kind, Description: description}
	if err := s.Store.CreateDataset(ctx, d); errors.Is(err, store.ErrExists) {
		return nil, &Error{Msg: fmt.Sprintf("dataset %q exists already", name), Exists: true}
	} else if err != nil {
		return nil, err
	}
	return d, nil
}

// List returns every dataset.
func (s *Service) List(ctx context.Context) ([]*store.Dataset, error) {
	return s.Store.ListDatasets(ctx)
}

// Dataset returns the dataset called name.
func (s *Service) Dataset(ctx context.Context, name string) (*store.Dataset, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	d, err := s.Store.GetDataset(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Error{Msg: fmt.Sprintf("no dataset %q", name), NotFound: true}
	}
	return d, err
}

// Get returns the dataset called name with its per-label counts.
func (s *Service) Get(ctx context.Context, name string) (*Detail, error) {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, err
	}
	counts, err := s.Store.LabelCounts(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if counts == nil {
		counts = []store.LabelCount{}
	}
	return &Detail{Dataset: d, Labels: counts}, nil
}

// Delete removes a dataset, its items and the blobs no other item uses.
func (s *Service) Delete(ctx context.Context, name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	shas, err := s.Store.DeleteDataset(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Msg: fmt.Sprintf("no dataset %q", name), NotFound: true}
	}
	if err != nil {
		return err
	}
	return s.release(ctx, shas)
}

// release deletes the blobs of shas that no item references any more.
func (s *Service) release(ctx context.Context, shas []string) error {
	s.gc.Lock()
	defer s.gc.Unlock()
	for _, sha := range shas {
		used, err := s.Store.SHAReferenced(ctx, sha)
		if err != nil {
			return err
		}
		if used {
			continue
		}
		if err := s.Bucket.Delete(ctx, blobKey(sha)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("datasets: deleting blob %s: %w", sha, err)
		}
	}
	return nil
}

// Items returns a page of a dataset's items.
func (s *Service) Items(ctx context.Context, name string, o store.ItemOptions) ([]*store.Item, error) {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, l := range o.Labels {
		if err := CheckLabel(l); err != nil {
			return nil, err
		}
	}
	if o.After != "" && !store.ValidID(o.After) {
		return nil, errorf("the cursor %s is not an item ID", text.Quote(text.Abbrev(o.After)))
	}
	items, err := s.Store.ListItems(ctx, d.ID, o)
	if items == nil {
		items = []*store.Item{}
	}
	return items, err
}

// Item returns item id of the dataset called name.
func (s *Service) Item(ctx context.Context, name, id string) (*store.Dataset, *store.Item, error) {
	d, err := s.Dataset(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if !store.ValidID(id) {
		return nil, nil, &Error{Msg: fmt.Sprintf("no item %s in dataset %q", text.Quote(text.Abbrev(id)), name), NotFound: true}
	}
	it, err := s.Store.GetItem(ctx, d.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, &Error{Msg: fmt.Sprintf("no item %s in dataset %q", id, name), NotFound: true}
	}
	return d, it, err
}

// ContentType returns the media type of an item's format.
func ContentType(format string) string {
	switch format {
	case "PNG":
		return "image/png"
	case "JPEG":
		return "image/jpeg"
	case "GIF":
		return "image/gif"
	}
	return "application/octet-stream"
}

// Open returns a reader of an item's bytes.
func (s *Service) Open(ctx context.Context, it *store.Item) (io.ReadCloser, error) {
	if !validSHA(it.SHA256) {
		return nil, fmt.Errorf("datasets: item %s has a malformed hash", it.ID)
	}
	r, err := s.Bucket.NewReader(ctx, blobKey(it.SHA256), nil)
	if err != nil {
		return nil, fmt.Errorf("datasets: the bytes of item %s (sha256 %s) cannot be read (run mlforge datasets fsck): %w", it.ID, it.SHA256, err)
	}
	return r, nil
}

// DeleteItem removes an item (and its blob when no other item uses it).
func (s *Service) DeleteItem(ctx context.Context, name, id string) error {
	d, it, err := s.Item(ctx, name, id)
	if err != nil {
		return err
	}
	if _, err := s.Store.DeleteItem(ctx, d.ID, it.ID); err != nil {
		return err
	}
	return s.release(ctx, []string{it.SHA256})
}

// Relabel gives an item another label.
func (s *Service) Relabel(ctx context.Context, name, id, label string) (*store.Item, error) {
	if err := CheckLabel(label); err != nil {
		return nil, err
	}
	d, it, err := s.Item(ctx, name, id)
	if err != nil {
		return nil, err
	}
	if err := s.Store.RelabelItem(ctx, d.ID, it.ID, label); err != nil {
		return nil, err
	}
	it.Label = label
	return it, nil
}
