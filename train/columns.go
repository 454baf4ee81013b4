package train

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/spec"
)

// encodedColumns returns the feature columns whose first preprocessing
// step is an encoder (one that names them in its columns): their missing
// values reach it as NaN, a category of its own, as in scikit-learn 1.2.
func encodedColumns(s *spec.Spec, features []string) []string {
	var out []string
	for _, name := range features {
		for _, st := range s.Preprocess {
			if st.Columns == nil || slices.Contains(st.Columns, name) {
				if st.Columns != nil && slices.Contains(textEncoders, st.Type) {
					out = append(out, name)
				}
				break
			}
		}
	}
	return out
}

// textEncoders are the steps that take a text column: they see its codes,
// which are in the order of its sorted strings, so that the categories
// they learn are scikit-learn's categories of the strings.
var textEncoders = []string{"OneHotEncoder", "OrdinalEncoder"}

// checkText checks that every text feature column of f is encoded: the
// first step that uses it must be a OneHotEncoder or OrdinalEncoder that
// names it in its columns (their categories and drop parameters take
// "auto", "first" and "if_binary" only, never values). The error is a
// spec.Errors naming the step to add.
func checkText(s *spec.Spec, f *data.Frame) error {
	if len(f.Text) == 0 {
		return nil
	}
	examples := make(map[string]string, len(f.Text))
	for name, dict := range f.Text {
		if len(dict) > 0 {
			examples[name] = dict[0]
		}
	}
	c := textProblems(s, f.Source, f.Features, examples)
	if len(c) > 0 {
		return spec.Errors(c)
	}
	return nil
}

// textProblems is checkText for the feature columns features of source,
// of which those in examples (a string of each) are text: a text column
// must first meet an encoder (which takes its missing values as a
// category of its own).
func textProblems(s *spec.Spec, source string, features []string, examples map[string]string) problems {
	var c problems
	var bare []string // text columns no step uses
	for _, name := range features {
		example, ok := examples[name]
		if !ok {
			continue
		}
		first := -1
		for i, st := range s.Preprocess {
			if st.Columns == nil || slices.Contains(st.Columns, name) {
				first = i
				break
			}
		}
		if first < 0 {
			bare = append(bare, name)
			continue
		}
		st := s.Preprocess[first]
		path := fmt.Sprintf("preprocess[%d]", first)
		eg := fmt.Sprintf(" (e.g. %s)", text.Quote(text.Abbrev(example)))
		if st.Columns == nil || !slices.Contains(textEncoders, st.Type) {
			c.add(path, fmt.Sprintf("the feature column %s holds text%s, which %s cannot take; add %s before this step",
				text.Quote(name), eg, st.Type, encoderStep([]string{name})))
			continue
		}
	}
	if bare != nil {
		c.add("preprocess", fmt.Sprintf("the feature column%s %s of %s hold%s text; add %s (or an OrdinalEncoder) to preprocess",
			plural(len(bare)), quoteAll(bare), text.Quote(source), verbS(len(bare)), encoderStep(bare)))
	}
	return c
}

// probeRows is how many data rows Check reads to find text columns.
const probeRows = 1000

// encoderStep is the step that encodes the columns, as JSON.
func encoderStep(cols []string) string {
	b, _ := json.Marshal(cols)
	return `{"type": "OneHotEncoder", "columns": ` + strings.ReplaceAll(string(b), `","`, `", "`) + `}`
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = text.Quote(text.Abbrev(n))
	}
	return strings.Join(q, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
