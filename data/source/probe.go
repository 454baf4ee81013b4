package source

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/text"
)

// KindOf returns the kind of data src holds: a directory is an image
// folder.
func KindOf(root data.Root, src Source) data.Kind {
	return root.Kind(src.Builtin, src.Path, src.Images != "" || src.Labels != "")
}

// Probe is what the data says about the input of a network, learnt
// without reading all of it (but see Frame).
type Probe struct {
	Kind     data.Kind
	Shape    []int    // one sample, without the batch dimension
	NLabels  int      // number of classes, 0 when unknown or not asked for
	Classes  []string // class names when the data has them
	Features []string // column names of table data
	// Frame is the table when probing had to read it in full (a built-in
	// dataset, or a CSV file whose classes were asked for): the run uses
	// it instead of reading the file again.
	Frame *data.Frame
}

// ProbeOptions say how to probe a source for a network.
type ProbeOptions struct {
	// Target is the target column of table data ("" for the last one).
	Target string
	// Transform, for image data, is applied to the first image to learn
	// the shape of a sample.
	Transform images.Transform
	// Seed seeds the random parts of Transform.
	Seed int64
	// Classes asks for the number of classes (a classifier): table data
	// is then read in full, the IDX label file scanned.
	Classes bool
	// Header is what Columns returned for table data, when the caller has
	// read it already: the probe then does not read it again.
	Header *Header
}

// ProbeNetwork inspects a network's training data: the CSV header (or the
// whole table when o.Classes), the IDX headers (and the label file when
// o.Classes), the first image of a folder after o.Transform. Errors name
// the files as written.
func ProbeNetwork(root data.Root, src Source, o ProbeOptions) (*Probe, error) {
	kind := KindOf(root, src)
	info := &Probe{Kind: kind}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 1))
	switch kind {
	case data.TableData:
		h := o.Header
		if h == nil {
			c := Columns(root, src)
			h = &c
		}
		names, f := h.Names, h.Frame
		if src.Builtin != "" && f == nil {
			_, err := LoadTable(root, src, "", nil)
			return nil, err
		}
		if names == nil {
			return nil, fmt.Errorf("cannot read the column names of %s", text.Quote(text.Abbrev(src.Path)))
		}
		if f != nil {
			info.Features = f.Features
			info.Frame = f
		} else {
			for _, n := range names {
				if (o.Target == "" && n != names[len(names)-1]) || (o.Target != "" && n != o.Target) {
					info.Features = append(info.Features, n)
				}
			}
		}
		info.Shape = []int{len(info.Features)}
		if !o.Classes {
			break
		}
		if f == nil {
			var err error
			if f, err = LoadTable(root, src, o.Target, nil); err != nil {
				return nil, err
			}
			info.Frame = f
		}
		info.Classes, info.NLabels = FrameClasses(f)
	case data.IDXData:
		img, err := idxHeader(root, src.Images, idx.MagicImages)
		if err != nil {
			return nil, err
		}
		lab, err := idxHeader(root, src.Labels, idx.MagicLabels)
		if err != nil {
			return nil, err
		}
		n, h, w := img.Items(), img.Dims[1], img.Dims[2]
		if n != lab.Items() {
			return nil, fmt.Errorf("%s holds %d images but %s holds %d labels", text.Quote(text.Abbrev(src.Images)), n, text.Quote(text.Abbrev(src.Labels)), lab.Items())
		}
		info.Shape = []int{1, h, w}
		if o.Transform != nil {
			x, err := images.ApplyToImage(o.Transform, images.NewImage(w, h, 1), rng, src.Images)
			if err != nil {
				return nil, err
			}
			info.Shape = append([]int(nil), x.Shape...)
		}
		if o.Classes {
			if info.NLabels, err = idxClasses(root, src.Labels, lab); err != nil {
				return nil, err
			}
		}
	case data.FolderData:
		f, err := OpenFolder(root, src.Path, images.FolderOptions{Transform: o.Transform})
		if err != nil {
			return nil, &data.Error{Msg: strings.TrimPrefix(err.Error(), "images: "), Err: err}
		}
		if err := CheckSizes(f, o.Transform, o.Seed); err != nil {
			return nil, err
		}
		x, _, err := f.Get(0, rng)
		if err != nil {
			return nil, err
		}
		info.Shape = append([]int(nil), x.Shape...)
		info.Classes = f.Classes()
		info.NLabels = len(info.Classes)
	}
	return info, nil
}

// idxHeader reads the header of the IDX file p (idx.ReadHeader, the one
// header parser) and checks that it is of the kind magic.
func idxHeader(root data.Root, p string, magic uint32) (*idx.Header, error) {
	f, err := root.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := idx.ReadHeader(f, p, idx.Limits{})
	if err != nil {
		return nil, err
	}
	if h.Magic != magic {
		what := "an IDX label file (magic 0x00000801)"
		if magic == idx.MagicImages {
			what = "an IDX image file (magic 0x00000803)"
		}
		return nil, &data.Error{File: p, Msg: fmt.Sprintf("expected %s, got magic 0x%08x", what, h.Magic)}
	}
	if h.Items() < 1 {
		return nil, &data.Error{File: p, Msg: "holds no items"}
	}
	return h, nil
}

// idxClasses scans the IDX label file p, whose header is h, and returns
// the largest label + 1, reading it in small blocks.
func idxClasses(root data.Root, p string, h *idx.Header) (int, error) {
	f, err := root.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s, err := data.Gunzip(f, p)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	if _, err := s.Discard(h.Len()); err != nil {
		return 0, &data.Error{File: p, Msg: "too short for its IDX header", Err: err}
	}
	var seen [256]bool
	buf := make([]byte, 1<<16)
	for {
		k, err := s.Read(buf)
		for _, b := range buf[:k] {
			seen[b] = true
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	top := 0
	for i, ok := range seen {
		if ok {
			top = i + 1
		}
	}
	return top, nil
}

// replacePath replaces the resolved path full by p as written.
func replacePath(msg, full, p string) string { return strings.ReplaceAll(msg, full, p) }
