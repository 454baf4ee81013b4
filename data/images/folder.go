package images

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/tensor"
)

// Extensions are the file name endings ImageFolder reads (compared without
// regard to case).
var Extensions = []string{".png", ".jpg", ".jpeg", ".gif"}

// FolderOptions configures an ImageFolder.
type FolderOptions struct {
	// Mode is the pixel format images are decoded to: RGB (the default,
	// like torchvision's loader) or L.
	Mode Mode
	// Transform is applied to each decoded image; when its result is still
	// an image, ToTensor is applied last.
	Transform Transform
	// TargetTransform is applied to each label (a scalar tensor).
	TargetTransform TargetTransform
	// Cache keeps decoded images (before Transform) in memory after their
	// first use, trading memory for decoding time on later epochs.
	Cache bool
	// MaxFiles caps the files and folders a scan visits (0:
	// DefaultMaxFiles, < 0: no cap); the scan stops at the cap.
	MaxFiles int
	// MaxPixels caps the width*height of each image, checked from its
	// header before it is decoded (0 or more than MaxPixels: MaxPixels).
	MaxPixels int64
	// MaxCacheBytes caps the decoded bytes that Cache keeps (0:
	// DefaultMaxCacheBytes, < 0: no cap): an image that would pass the cap
	// is not kept, and is decoded again at each use.
	MaxCacheBytes int64
}

// Defaults of FolderOptions.
const (
	DefaultMaxFiles      = 1_000_000
	DefaultMaxCacheBytes = 1 << 30
)

// Folder is a labelled image dataset read from a directory with one
// subdirectory per class, like torchvision's ImageFolder: classes are the
// subdirectory names in sorted order, and the label of a file is the index of
// its class. Files are found when the folder is opened and decoded when a
// sample is requested, so a folder larger than memory can be used.
type Folder struct {
	// Root is the folder's path: on disk for ImageFolder, in the file
	// system for ImageFolderFS and ImageFolderRoot.
	Root string
	Opts FolderOptions

	fsys    fs.FS  // the images are read from fsys
	base    string // the folder's path in fsys
	noLinks bool   // symbolic links are errors

	classes []string
	files   []string // relative to Root, with '/' separators
	labels  []int
	ys      []*tensor.Tensor // label tensors, shared (read-only)

	mu     sync.Mutex
	cache  []*Image
	cached int64 // decoded bytes in cache
}

// ImageFolder scans root (one subfolder per class, files with one of the
// Extensions at any depth inside it; names starting with "." are skipped).
// It is an error when root has no class folders or a class folder has no
// images. Symbolic links to files are followed; use ImageFolderRoot where
// the folder's content is not trusted.
func ImageFolder(root string, opts FolderOptions) (*Folder, error) {
	return scanFolder(os.DirFS(root), ".", root, false, opts)
}

// ImageFolderFS is ImageFolder over the file system fsys, with root a
// slash-separated path in it ("." for its top). Every entry of the folder
// that is a symbolic link (a class folder, an image or a subfolder) is an
// error naming it, when the folder is scanned and again, where fsys can
// tell (fs.ReadLinkFS, as os.DirFS and an os.Root's FS can), when an image
// is opened: the folder reads only what it lists. Over an os.Root's FS
// nothing outside the root can be reached, even through a link made after
// the scan.
func ImageFolderFS(fsys fs.FS, root string, opts FolderOptions) (*Folder, error) {
	if !fs.ValidPath(root) {
		return nil, fmt.Errorf("images: image folder %q: expected a relative slash-separated path without \"..\"", root)
	}
	return scanFolder(fsys, root, root, true, opts)
}

// ImageFolderRoot opens the image folder at the relative path rel inside the
// directory dir through an os.Root (see ImageFolderFS): neither rel nor a
// symbolic link can lead outside dir, and links inside the folder are
// errors. It is the variant for folders named by untrusted specs. The root
// stays open while the Folder is in use.
func ImageFolderRoot(dir, rel string, opts FolderOptions) (*Folder, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("images: image folder %s: %w", rel, err)
	}
	clean := filepath.ToSlash(filepath.Clean(rel))
	if filepath.IsAbs(rel) || !fs.ValidPath(clean) {
		r.Close()
		return nil, fmt.Errorf("images: image folder %s: expected a relative path inside %s", rel, dir)
	}
	f, err := scanFolder(r.FS(), clean, rel, true, opts)
	if err != nil {
		r.Close()
		return nil, err
	}
	return f, nil
}

// isLink reports whether a directory entry is a symbolic link.
func isLink(d fs.DirEntry) bool { return d.Type()&fs.ModeSymlink != 0 }

// scanFolder lists the images of the folder at base in fsys; display names
// the folder in errors.
func scanFolder(fsys fs.FS, base, display string, noLinks bool, opts FolderOptions) (*Folder, error) {
	entries, err := fs.ReadDir(fsys, base)
	if err != nil {
		return nil, fmt.Errorf("images: image folder %s: %w", display, unwrapPath(err))
	}
	f := &Folder{Root: display, Opts: opts, fsys: fsys, base: base, noLinks: noLinks}
	maxFiles := opts.MaxFiles
	if maxFiles == 0 {
		maxFiles = DefaultMaxFiles
	}
	visited := 0
	tooMany := func() error {
		return fmt.Errorf("images: image folder %s: more than %d files and folders (the MaxFiles limit); use a smaller folder or raise the limit", display, maxFiles)
	}
	if maxFiles > 0 && len(entries) > maxFiles {
		return nil, tooMany()
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if noLinks && isLink(e) {
			return nil, fmt.Errorf("images: image folder %s: %s is a symbolic link, which is not followed here (expected a folder of images)", display, e.Name())
		}
		if e.IsDir() {
			f.classes = append(f.classes, e.Name())
		}
	}
	slices.Sort(f.classes)
	if len(f.classes) == 0 {
		return nil, fmt.Errorf("images: image folder %s has no class subfolders (want one folder of images per label, e.g. %s/cat/1.png)", display, display)
	}
	for label, class := range f.classes {
		// torchvision walks with sorted(os.walk(...)) and sorts the names in
		// each directory: files of a directory come before those of its
		// subdirectories, and directories are ordered by their path string.
		byDir := map[string][]string{}
		err := fs.WalkDir(fsys, path.Join(base, class), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if visited++; maxFiles > 0 && visited > maxFiles {
				return errTooMany
			}
			if strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(p, base), "/")
			if base == "." {
				rel = p
			}
			if noLinks && isLink(d) {
				return fmt.Errorf("%s is a symbolic link, which is not followed here (expected an image file or a folder)", rel)
			}
			if d.IsDir() || !hasImageExt(name) {
				return nil
			}
			dir := path.Dir(rel)
			byDir[dir] = append(byDir[dir], name)
			return nil
		})
		if err == errTooMany {
			return nil, tooMany()
		}
		if err != nil {
			return nil, fmt.Errorf("images: image folder %s: %w", display, unwrapPath(err))
		}
		if len(byDir) == 0 {
			return nil, fmt.Errorf("images: image folder %s: class folder %q has no images (want files ending in %s)", display, class, strings.Join(Extensions, ", "))
		}
		dirs := make([]string, 0, len(byDir))
		for d := range byDir {
			dirs = append(dirs, d)
		}
		slices.Sort(dirs)
		for _, d := range dirs {
			names := byDir[d]
			slices.Sort(names)
			for _, n := range names {
				f.files = append(f.files, d+"/"+n)
				f.labels = append(f.labels, label)
			}
		}
	}
	f.ys = make([]*tensor.Tensor, len(f.classes))
	for i := range f.ys {
		f.ys[i] = &tensor.Tensor{Shape: []int{}, Data: []float32{float32(i)}}
	}
	if opts.Cache {
		f.cache = make([]*Image, len(f.files))
	}
	return f, nil
}

var errTooMany = errors.New("too many files")

// unwrapPath keeps a *fs.PathError's operation, path and cause, which
// read better than the wrapped error chain of a walk.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe
	}
	return err
}

// open opens image i (name is its path relative to the folder).
func (f *Folder) open(name string) (*Image, error) {
	buf, err := f.read(name, MaxFileSize)
	if err != nil {
		return nil, err
	}
	return DecodeBytesLimit(buf, name, f.Opts.Mode, f.Opts.MaxPixels)
}

// Config reads the header of image i (DecodeConfig) without decoding its
// pixels; errors name the file relative to the folder.
func (f *Folder) Config(i int) (Config, error) {
	if i < 0 || i >= len(f.files) {
		return Config{}, fmt.Errorf("images: index %d out of range [0, %d)", i, len(f.files))
	}
	// The header is near the start: read the file's first bytes, and the
	// whole file only when they do not hold it (a large JPEG metadata
	// segment before the frame header).
	const head = 1 << 20
	name := f.files[i]
	buf, err := f.read(name, head)
	if err != nil {
		return Config{}, err
	}
	c, err := DecodeConfig(buf, name)
	if err != nil && len(buf) == head {
		if buf, err = f.read(name, MaxFileSize); err != nil {
			return Config{}, err
		}
		c, err = DecodeConfig(buf, name)
	}
	return c, err
}

// read reads the file name (relative to the folder): all of it, which must
// be at most MaxFileSize bytes, or its first limit bytes when limit is less.
func (f *Folder) read(name string, limit int) ([]byte, error) {
	p := path.Join(f.base, name)
	if f.noLinks {
		if lfs, ok := f.fsys.(fs.ReadLinkFS); ok {
			st, err := lfs.Lstat(p)
			if err != nil {
				return nil, fileError(name, "cannot open", err)
			}
			if st.Mode()&fs.ModeSymlink != 0 {
				return nil, &Error{File: name, Msg: "is a symbolic link, which is not followed here"}
			}
		}
	}
	r, err := f.fsys.Open(p)
	if err != nil {
		return nil, fileError(name, "cannot open", err)
	}
	defer r.Close()
	if limit < MaxFileSize {
		buf, err := io.ReadAll(io.LimitReader(r, int64(limit)))
		if err != nil {
			return nil, fileError(name, "read error", err)
		}
		return buf, nil
	}
	buf, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fileError(name, "read error", err)
	}
	if len(buf) > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file larger than the limit of %d bytes", MaxFileSize)}
	}
	return buf, nil
}

func hasImageExt(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return slices.Contains(Extensions, ext)
}

// Len returns the number of images.
func (f *Folder) Len() int { return len(f.files) }

// Classes returns the class names; label i is Classes()[i].
func (f *Folder) Classes() []string { return slices.Clone(f.classes) }

// Targets returns the label of every image, in sample order (for a
// stratified split).
func (f *Folder) Targets() []int { return slices.Clone(f.labels) }

// File returns the path of image i relative to Root, with '/' separators.
func (f *Folder) File(i int) string { return f.files[i] }

// Image decodes image i in the folder's mode (from the cache when enabled).
func (f *Folder) Image(i int) (*Image, error) {
	if i < 0 || i >= len(f.files) {
		return nil, fmt.Errorf("images: index %d out of range [0, %d)", i, len(f.files))
	}
	if f.cache != nil {
		f.mu.Lock()
		m := f.cache[i]
		f.mu.Unlock()
		if m != nil {
			return m, nil
		}
	}
	m, err := f.open(f.files[i])
	if err != nil {
		return nil, err
	}
	if f.cache != nil {
		size := int64(len(m.Pix))
		f.mu.Lock()
		if budget := f.Opts.MaxCacheBytes; f.cache[i] == nil && (budget < 0 || f.cached+size <= cmp.Or(budget, DefaultMaxCacheBytes)) {
			f.cache[i] = m
			f.cached += size
		}
		f.mu.Unlock()
	}
	return m, nil
}

// Get decodes image i, applies the transforms and returns it as a tensor
// with its label (a scalar tensor holding the class index, or what
// TargetTransform makes of it). Errors name the file relative to Root.
func (f *Folder) Get(i int, rng *rand.Rand) (x, y *tensor.Tensor, err error) {
	m, err := f.Image(i)
	if err != nil {
		return nil, nil, err
	}
	x, err = applyTransform(f.Opts.Transform, m, rng, f.files[i])
	if err != nil {
		return nil, nil, err
	}
	y = f.ys[f.labels[i]]
	if f.Opts.TargetTransform != nil {
		if y, err = f.Opts.TargetTransform.ApplyTarget(y); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.files[i], err)
		}
	}
	return x, y, nil
}

// applyTransform runs t on m (which it must not modify) and converts the
// result to a tensor; errors name the file.
func applyTransform(t Transform, m *Image, rng *rand.Rand, name string) (*tensor.Tensor, error) {
	v := Value{Image: m}
	if t != nil {
		var err error
		if v, err = t.Apply(v, rng); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	x, err := AsTensor(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return x, nil
}

// ApplyToImage runs t on m (when t is not nil) and returns the result as a
// tensor, applying ToTensor when t leaves an image; name is used in errors.
// Other datasets (such as IDX files) use it to share the transforms.
func ApplyToImage(t Transform, m *Image, rng *rand.Rand, name string) (*tensor.Tensor, error) {
	return applyTransform(t, m, rng, name)
}
