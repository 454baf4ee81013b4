package data

import "fmt"

// SameFeatures checks that f has the features of like, the training data,
// in the same order; the error names f's source and the first difference.
func (f *Frame) SameFeatures(like *Frame) error {
	if len(f.Features) != len(like.Features) {
		return &Error{File: f.Source, Msg: fmt.Sprintf("has %d features, the training data %d", len(f.Features), len(like.Features))}
	}
	for i := range f.Features {
		if f.Features[i] != like.Features[i] {
			return &Error{File: f.Source, Msg: fmt.Sprintf("column %d is %q, the training data has %q", i+1, f.Features[i], like.Features[i])}
		}
	}
	return nil
}

// RemapClasses rewrites f.Y (indices into f.Classes) as indices into
// like.Classes, so that test data lacking some classes still lines up with
// the training data. A class that like does not have is an error naming
// its line.
func (f *Frame) RemapClasses(like *Frame) error {
	if f.Classes == nil && like.Classes == nil {
		return nil
	}
	if f.Classes == nil || like.Classes == nil {
		return &Error{File: f.Source, Column: f.Target, Msg: "the target is text in one data set and numbers in the other"}
	}
	pos := make(map[string]int, len(like.Classes))
	for i, c := range like.Classes {
		pos[c] = i
	}
	for i, y := range f.Y {
		name := f.Classes[int(y)]
		k, ok := pos[name]
		if !ok {
			return &Error{File: f.Source, Line: f.Line(i), Column: f.Target, Msg: fmt.Sprintf("class %q does not occur in the training data", name)}
		}
		f.Y[i] = float64(k)
	}
	f.Classes = like.Classes
	return nil
}
