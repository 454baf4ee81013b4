package images

import (
	"fmt"
	"math/rand/v2"
	"os"
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
}

// Folder is a labelled image dataset read from a directory with one
// subdirectory per class, like torchvision's ImageFolder: classes are the
// subdirectory names in sorted order, and the label of a file is the index of
// its class. Files are found when the folder is opened and decoded when a
// sample is requested, so a folder larger than memory can be used.
type Folder struct {
	Root string
	Opts FolderOptions

	classes []string
	files   []string // relative to Root, with '/' separators
	labels  []int
	ys      []*tensor.Tensor // label tensors, shared (read-only)

	mu    sync.Mutex
	cache []*Image
}

// ImageFolder scans root (one subfolder per class, files with one of the
// Extensions at any depth inside it; names starting with "." are skipped).
// It is an error when root has no class folders or a class folder has no
// images.
func ImageFolder(root string, opts FolderOptions) (*Folder, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("images: image folder: %w", err)
	}
	f := &Folder{Root: root, Opts: opts}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			f.classes = append(f.classes, e.Name())
		}
	}
	slices.Sort(f.classes)
	if len(f.classes) == 0 {
		return nil, fmt.Errorf("images: image folder %s has no class subfolders (want one folder of images per label, e.g. %s/cat/1.png)", root, root)
	}
	for label, class := range f.classes {
		// torchvision walks with sorted(os.walk(...)) and sorts the names in
		// each directory: files of a directory come before those of its
		// subdirectories, and directories are ordered by their path string.
		byDir := map[string][]string{}
		err := filepath.WalkDir(filepath.Join(root, class), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !hasImageExt(name) {
				return nil
			}
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			dir := filepath.ToSlash(rel)
			byDir[dir] = append(byDir[dir], name)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("images: image folder %s: %w", root, err)
		}
		if len(byDir) == 0 {
			return nil, fmt.Errorf("images: image folder %s: class folder %q has no images (want files ending in %s)", root, class, strings.Join(Extensions, ", "))
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
	m, err := decodeFileAs(filepath.Join(f.Root, filepath.FromSlash(f.files[i])), f.files[i], f.Opts.Mode)
	if err != nil {
		return nil, err
	}
	if f.cache != nil {
		f.mu.Lock()
		f.cache[i] = m
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
