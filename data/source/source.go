// Package source opens and probes the data a training spec names, all
// through one data.Root: built-in datasets and CSV files (tables), pairs of
// IDX files and image folders. Probing reads as little as it can (a CSV
// header, the IDX headers, the first image of a folder) and is done once
// per run: its result travels on to the run, which does not probe again
// (a table read in full to count its classes is handed on as it is).
//
// It sits above data, data/datasets, data/idx and data/images, which it
// ties together; data itself cannot import the image readers, which import
// it.
package source

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/data/images"
)

// Source is a data source as a spec names it (spec.Source converts to it):
// exactly one of Builtin, Path (a CSV file or an image folder) and the IDX
// pair Images and Labels is set.
type Source struct {
	Builtin        string
	Path           string
	Images, Labels string
}

// LoadTable loads a built-in dataset or a CSV file with target as its
// target column ("" for the last one, or the dataset's). When like (the
// training frame) is given, the columns are matched to its features by
// name and text targets are mapped to its classes (data.Frame.SameFeatures,
// data.Frame.RemapClasses).
func LoadTable(root data.Root, src Source, target string, like *data.Frame) (*data.Frame, error) {
	var f *data.Frame
	var err error
	if src.Builtin != "" {
		f, err = datasets.Load(src.Builtin)
		if err == nil && target != "" && target != f.Target {
			err = &data.Error{File: f.Source, Msg: fmt.Sprintf("has no target column %q (its target is %q)", target, f.Target)}
		}
		if err == nil && like != nil {
			err = f.SameFeatures(like)
		}
	} else {
		o := data.CSVOptions{Name: src.Path, Target: target}
		if like != nil {
			o.Schema, o.Classes, o.Text = like.Features, like.Classes, like.Text
		}
		f, err = root.ReadCSV(src.Path, o)
	}
	if err != nil {
		return nil, err
	}
	if like != nil {
		if err := f.RemapClasses(like); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Header is what a table's header says.
type Header struct {
	// Names are the column names in order, nil when they cannot be read
	// (the reader then reports the problem in full, with its line, when
	// the data is loaded).
	Names []string
	// Fixed is a built-in dataset's target column, the only one that may
	// be the target.
	Fixed string
	// Frame is a built-in dataset itself (loaded to read its columns).
	Frame *data.Frame
}

// Columns reads the header of a table source: the CSV header line
// (data.ReadHeader), or a built-in dataset's columns.
func Columns(root data.Root, src Source) Header {
	if src.Builtin != "" {
		f, err := datasets.Load(src.Builtin)
		if err != nil {
			return Header{}
		}
		return Header{Names: append(append([]string(nil), f.Features...), f.Target), Fixed: f.Target, Frame: f}
	}
	fh, err := root.Open(src.Path)
	if err != nil {
		return Header{}
	}
	defer fh.Close()
	names, err := data.ReadHeader(fh, src.Path)
	if err != nil {
		return Header{}
	}
	return Header{Names: names}
}

// TextColumns probes the first rows of a CSV source (data.ProbeText) for
// text columns: by name, a cell that makes each one text. Nil for a
// built-in dataset (all numbers) or a file that cannot be read (loading
// it reports why).
func TextColumns(root data.Root, src Source, rows int) map[string]string {
	if src.Builtin != "" || src.Path == "" {
		return nil
	}
	fh, err := root.Open(src.Path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	t, _ := data.ProbeText(fh, src.Path, rows)
	return t
}

// OpenFolder opens the image folder p (one subfolder per class): with
// Restrict through os.Root, so that links inside the folder are errors and
// nothing outside Dir can be reached. Errors name the folder as written.
// A "dataset:NAME" source opens the stored dataset through the opener
// registered for root.Dir (RegisterDatasets).
func OpenFolder(root data.Root, p string, o images.FolderOptions) (*images.Folder, error) {
	if _, _, ok := ParseDataset(p); ok {
		return openDataset(root, p, o)
	}
	full, err := root.Resolve(p)
	if err != nil {
		return nil, err
	}
	if root.Restrict {
		dir := root.Dir
		if dir == "" {
			dir = "."
		}
		return images.ImageFolderRoot(dir, p, o)
	}
	f, err := images.ImageFolder(full, o)
	if err != nil && full != p {
		return nil, &data.Error{Msg: replacePath(err.Error(), full, p), Err: err}
	}
	return f, err
}

// ReadIDX reads the IDX file p.
func ReadIDX(root data.Root, p string) (*idx.Array, error) {
	f, err := root.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return idx.Read(f, p)
}

// LoadIDX reads a pair of IDX files, images and labels.
func LoadIDX(root data.Root, src Source) (*idx.Dataset, error) {
	img, err := ReadIDX(root, src.Images)
	if err != nil {
		return nil, err
	}
	lab, err := ReadIDX(root, src.Labels)
	if err != nil {
		return nil, err
	}
	return idx.New(img, lab, src.Images, src.Labels)
}

// FrameClasses returns the class names of a table's target (its text
// labels, or the distinct numbers, sorted) and their count.
func FrameClasses(f *data.Frame) ([]string, int) {
	if f.Classes != nil {
		return f.Classes, len(f.Classes)
	}
	seen := map[float64]bool{}
	var vals []float64
	for _, v := range f.Y {
		if math.IsNaN(v) || seen[v] {
			continue
		}
		seen[v] = true
		vals = append(vals, v)
	}
	sort.Float64s(vals)
	names := make([]string, len(vals))
	for i, c := range vals {
		names[i] = strconv.FormatFloat(c, 'g', -1, 64)
	}
	return names, len(vals)
}
