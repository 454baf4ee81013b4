package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/store"
)

// Folder opens the dataset called name (only the given labels, when any)
// as an image folder, one class per label in sorted order like any image
// folder: the same transforms, caching (opts.Cache keeps decoded images
// after their first epoch) and caps apply. Images are read from the blob
// store when first needed. It returns the folder and the hash of the item
// manifest it holds (Manifest), which a run records to name the exact
// images it saw.
func (s *Service) Folder(ctx context.Context, name string, labels []string, opts images.FolderOptions) (*images.Folder, string, error) {
	if err := CheckName(name); err != nil {
		return nil, "", err
	}
	for _, l := range labels {
		if err := CheckLabel(l); err != nil {
			return nil, "", err
		}
	}
	items, manifest, err := s.listing(ctx, name, labels)
	if err != nil {
		return nil, "", err
	}
	for _, l := range labels {
		if !slices.ContainsFunc(items, func(it *store.Item) bool { return it.Label == l }) {
			return nil, "", errorf("dataset %q has no items labelled %q", name, l)
		}
	}
	if len(items) == 0 {
		return nil, "", errorf("dataset %q has no items", name)
	}
	f, err := images.ImageFolderFS(s.itemFS(ctx, items), ".", opts)
	if err != nil {
		return nil, "", err
	}
	return f, manifest, nil
}

// ListCacheItems caps the items that a Service keeps in its cache of item
// listings, all listings together (an item is a few hundred bytes).
const ListCacheItems = 200_000

// listEntry is a cached listing of a dataset's items (of some labels) at
// one version of the dataset, with the hash of its manifest.
type listEntry struct {
	version  int64
	items    []*store.Item
	manifest string
}

// listing returns the items of the dataset called name (of labels only,
// when given) and the hash of their manifest. A run opens its dataset at
// its check and again at its load: the second costs one indexed query of
// the dataset's version (store.Dataset.Version, bumped in the transaction
// of every change of its items), the listing is reused while the version
// holds. The version is read before the items: a listing cached under a
// version is at least that new, and served only while the dataset is at
// that version.
func (s *Service) listing(ctx context.Context, name string, labels []string) ([]*store.Item, string, error) {
	id, version, err := s.Store.DatasetVersion(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", &Error{Msg: fmt.Sprintf("no dataset %q", name), NotFound: true}
	}
	if err != nil {
		return nil, "", err
	}
	ls := slices.Clone(labels)
	slices.Sort(ls)
	key := id + "\x00" + strings.Join(slices.Compact(ls), "\x00")
	s.listMu.Lock()
	e, ok := s.lists[key]
	s.listMu.Unlock()
	if ok && e.version == version {
		return e.items, e.manifest, nil
	}
	items, err := s.Store.ListItems(ctx, id, store.ItemOptions{Labels: labels, Limit: -1})
	if err != nil {
		return nil, "", err
	}
	s.listings.Add(1)
	// The manifest of the items just listed: what Manifest would return,
	// without a second listing.
	e = &listEntry{version: version, items: items, manifest: manifestOf(items)}
	if len(items) <= ListCacheItems {
		s.listMu.Lock()
		if old, ok := s.lists[key]; ok {
			s.listed -= len(old.items)
			delete(s.lists, key)
		}
		if s.listed+len(items) > ListCacheItems {
			clear(s.lists) // rare: a few very large datasets
			s.listed = 0
		}
		if s.lists == nil {
			s.lists = map[string]*listEntry{}
		}
		s.lists[key] = e
		s.listed += len(items)
		s.listMu.Unlock()
	}
	return e.items, e.manifest, nil
}

// RegisterSource makes the "dataset:NAME" sources of the runs that read
// from the folder dir (their data.Root) open through the service that svc
// returns (called at each open: a server opens its blob store lazily).
func RegisterSource(dir string, svc func(context.Context) (*Service, error)) {
	source.RegisterDatasets(dir, func(ctx context.Context, name string, labels []string, o images.FolderOptions) (*images.Folder, string, error) {
		s, err := svc(ctx)
		if err != nil {
			return nil, "", err
		}
		return s.Folder(ctx, name, labels, o)
	})
}

// BlobURL is the blob store of the data folder dataDir: file://DIR/blobs.
func BlobURL(dataDir string) (string, error) {
	dir, err := filepath.Abs(filepath.Join(dataDir, "blobs"))
	if err != nil {
		return "", err
	}
	return "file://" + filepath.ToSlash(dir), nil
}

// StoreURL is the blob store of the datasets of a server or worker of the
// data folder dataDir whose object store of artifacts is artifactsURL:
// BlobURL(dataDir) when artifactsURL is "" (the default, so that existing
// data folders keep their blobs), else the prefix "datasets/" of that
// store (file:///dir/datasets, s3://bucket?prefix=[path/]datasets/,
// gs://bucket/[path/]datasets, mem://NAME/datasets), shared by every process that shares the store.
func StoreURL(dataDir, artifactsURL string) (string, error) {
	if artifactsURL == "" {
		return BlobURL(dataDir)
	}
	u, err := url.Parse(artifactsURL)
	if err != nil {
		return "", errorf("--artifacts %s: not a URL: %v", text.Quote(text.Abbrev(artifactsURL)), err)
	}
	switch u.Scheme {
	case "file":
		u.Path = strings.TrimSuffix(u.Path, "/") + "/datasets"
		q := u.Query()
		for k, v := range map[string]string{"create_dir": "1", "no_tmp_dir": "1", "metadata": "skip"} {
			if q.Get(k) == "" {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
	case "mem":
		u.Path = strings.TrimSuffix(u.Path, "/") + "/datasets"
	case "s3":
		q := u.Query()
		prefix := strings.Trim(u.Path, "/")
		if prefix != "" {
			prefix += "/"
		}
		q.Set("prefix", q.Get("prefix")+prefix+"datasets/")
		u.Path = ""
		u.RawQuery = q.Encode()
	case "gs":
		u.Path = strings.TrimSuffix(u.Path, "/") + "/datasets"
	default:
		return "", errorf("--artifacts %s: expected a file://, s3://, gs:// or mem:// URL", text.Quote(text.Abbrev(artifactsURL)))
	}
	return u.String(), nil
}

var (
	dataDirMu   sync.Mutex
	dataDirURLs = map[string]string{}
)

// DataDirURL is the blob store that RegisterDataDir gave the data folder
// dataDir in this process, else BlobURL(dataDir).
func DataDirURL(dataDir string) (string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", err
	}
	dataDirMu.Lock()
	u, ok := dataDirURLs[abs]
	dataDirMu.Unlock()
	if ok {
		return u, nil
	}
	return BlobURL(abs)
}

// RegisterDataDir makes the "dataset:NAME" sources of the runs of the data
// folder dataDir (which read from dataDir/files) open from the store at db
// ("" for dataDir/mlforge.db) and the blobs at blobURL ("" for
// BlobURL(dataDir); see StoreURL), both opened at the first such source
// and kept open: what the child process that trains a run of a server does
// (mlforge serve --isolate), sharing its parent's data but not its memory.
func RegisterDataDir(dataDir, db, blobURL string) error {
	files, err := filepath.Abs(filepath.Join(dataDir, "files"))
	if err != nil {
		return err
	}
	if db == "" {
		db = filepath.Join(dataDir, "mlforge.db")
	}
	if blobURL == "" {
		if blobURL, err = BlobURL(dataDir); err != nil {
			return err
		}
	}
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDirMu.Lock()
		dataDirURLs[abs] = blobURL
		dataDirMu.Unlock()
	}
	var once sync.Once
	var svc *Service
	var openErr error
	RegisterSource(files, func(ctx context.Context) (*Service, error) {
		once.Do(func() {
			st, err := store.Open(ctx, db)
			if err != nil {
				openErr = err
				return
			}
			b, err := OpenBucket(ctx, blobURL)
			if err != nil {
				st.Close()
				openErr = err
				return
			}
			svc = New(st, b)
		})
		return svc, openErr
	})
	return nil
}

// itemFS returns the file system of items.
func (s *Service) itemFS(ctx context.Context, items []*store.Item) *itemFS {
	fsys := &itemFS{ctx: context.WithoutCancel(ctx), s: s, files: map[string]*store.Item{}, dirs: map[string][]fs.DirEntry{}}
	for _, it := range items {
		// The label is a folder name: CheckLabel allows no '/' and no
		// leading '.', and the file name is made of the item's ID.
		file := it.Label + "/" + it.ID + extension(it.Format)
		if _, ok := fsys.dirs[it.Label]; !ok {
			fsys.dirs["."] = append(fsys.dirs["."], dirEntry{name: it.Label, dir: true})
		}
		fsys.dirs[it.Label] = append(fsys.dirs[it.Label], dirEntry{name: path.Base(file), size: it.Bytes})
		fsys.files[file] = it
	}
	return fsys
}

// itemFS is a dataset seen as a read-only file system: LABEL/ID.EXT for
// every item, the bytes read from the blob store when a file is opened.
type itemFS struct {
	ctx   context.Context
	s     *Service
	files map[string]*store.Item
	dirs  map[string][]fs.DirEntry
}

func (f *itemFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if it, ok := f.files[name]; ok {
		info := dirEntry{name: path.Base(name), size: it.Bytes}
		if b := f.s.cachedBlob(it.SHA256); b != nil {
			return &itemFile{ReadCloser: io.NopCloser(bytes.NewReader(b)), info: info}, nil
		}
		rc, err := f.s.Open(f.ctx, it)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		if it.Bytes > 0 && it.Bytes <= MaxCachedBlob {
			b, err := io.ReadAll(io.LimitReader(rc, it.Bytes+1))
			rc.Close()
			if err != nil {
				return nil, &fs.PathError{Op: "read", Path: name, Err: err}
			}
			if int64(len(b)) == it.Bytes { // a blob of another size is fsck's to report, and the decoder's
				f.s.keepBlob(it.SHA256, b)
			}
			return &itemFile{ReadCloser: io.NopCloser(bytes.NewReader(b)), info: info}, nil
		}
		return &itemFile{ReadCloser: rc, info: info}, nil
	}
	if entries, ok := f.dirs[name]; ok {
		return &dirFile{info: dirEntry{name: path.Base(name), dir: true}, entries: entries}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir lists a folder in name order.
func (f *itemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, ok := f.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := slices.Clone(entries)
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// dirEntry is both the fs.DirEntry and the fs.FileInfo of an entry.
type dirEntry struct {
	name string
	dir  bool
	size int64
}

func (e dirEntry) Name() string { return e.name }
func (e dirEntry) IsDir() bool  { return e.dir }
func (e dirEntry) Type() fs.FileMode {
	if e.dir {
		return fs.ModeDir
	}
	return 0
}
func (e dirEntry) Info() (fs.FileInfo, error) { return e, nil }
func (e dirEntry) Size() int64                { return e.size }
func (e dirEntry) Mode() fs.FileMode {
	if e.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (e dirEntry) ModTime() time.Time { return time.Time{} }
func (e dirEntry) Sys() any           { return nil }

type itemFile struct {
	io.ReadCloser
	info dirEntry
}

func (f *itemFile) Stat() (fs.FileInfo, error) { return f.info, nil }

type dirFile struct {
	info    dirEntry
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}
func (d *dirFile) Close() error { return nil }

// ReadDir lists the folder (fs.ReadDirFile).
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(rest))
	d.off += k
	return slices.Clone(rest[:k]), nil
}
