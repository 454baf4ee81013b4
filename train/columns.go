package train

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml/preprocessing"
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
// they learn are scikit-learn's categories of the strings (or in the
// order of the step's categories, textCategories).
var textEncoders = []string{"OneHotEncoder", "OrdinalEncoder"}

// checkText checks that every text feature column of f is encoded: the
// first step that uses it must be a OneHotEncoder or OrdinalEncoder that
// names it in its columns (their categories are "auto" or the column's
// strings, textCategories; drop takes "first" and "if_binary" only, never
// values). The error is a
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

// textCategories codes each text column for which the first encoder that
// names it gives its categories as strings ({"categories": [["Paris",
// "Rome", "Oslo"]]}, ml/preprocessing.Categories) by that list: the
// column's dictionary becomes the list's strings in the order given, then
// the other strings of the data (sorted), so that the encoder, which sees
// the codes 0, 1, ... of the list, outputs the categories in the order
// given, and a string the list lacks is an unknown category. With
// handle_unknown "error" (the default) such a string, or a missing value
// when the list has no null, is refused naming the column and the value,
// as scikit-learn's fit refuses it. A text list for a numeric column, or a
// numeric one for a text column, is refused. f is recoded in place
// (applying it twice changes nothing).
func textCategories(s *spec.Spec, f *data.Frame) error {
	var c problems
	firstUse := func(name string) int {
		for i, st := range s.Preprocess {
			if st.Columns == nil || slices.Contains(st.Columns, name) {
				return i
			}
		}
		return -1
	}
	col := make(map[string]int, len(f.Features))
	for j, n := range f.Features {
		col[n] = j
	}
	for i, st := range s.Preprocess {
		if !slices.Contains(textEncoders, st.Type) || st.Columns == nil || len(st.Params) == 0 {
			continue
		}
		var p struct {
			Categories    json.RawMessage `json:"categories"`
			HandleUnknown string          `json:"handle_unknown"`
		}
		if json.Unmarshal(st.Params, &p) != nil || len(p.Categories) == 0 {
			continue
		}
		var cats preprocessing.Categories
		if json.Unmarshal(p.Categories, &cats) != nil || cats.Lists == nil {
			continue // the spec's validation names the problem
		}
		path := fmt.Sprintf("preprocess[%d].categories", i)
		if len(cats.Lists) != len(st.Columns) {
			c.add(path, fmt.Sprintf("has %d lists for the %d columns %s: give one list per column, in the order of columns", len(cats.Lists), len(st.Columns), quoteAll(st.Columns)))
			continue
		}
		strict := p.HandleUnknown == "" || p.HandleUnknown == "error"
		for k, name := range st.Columns {
			j, ok := col[name]
			if !ok || firstUse(name) != i {
				continue
			}
			lp := fmt.Sprintf("%s[%d]", path, k)
			dict, isText := f.Text[name]
			switch {
			case cats.IsText(k) && !isText:
				c.add(lp, fmt.Sprintf("lists strings (e.g. %s), but the column %s holds numbers: list its numbers, ascending", text.Quote(text.Abbrev(cats.Text[k][0])), text.Quote(name)))
				continue
			case !cats.IsText(k) && isText:
				eg := ""
				if len(dict) > 0 {
					eg = " (e.g. " + text.Quote(text.Abbrev(dict[0])) + ")"
				}
				c.add(lp, fmt.Sprintf("lists numbers, but the column %s holds text%s: list its strings", text.Quote(name), eg))
				continue
			case !isText:
				continue
			}
			words := cats.Text[k]
			withNull := slices.ContainsFunc(cats.Lists[k], math.IsNaN) // null anywhere: the missing category
			pos := make(map[string]int, len(words)+len(dict))
			next := slices.Clone(words)
			for t, w := range words {
				pos[w] = t
			}
			for _, w := range dict {
				if _, ok := pos[w]; !ok {
					pos[w] = len(next)
					next = append(next, w)
				}
			}
			r := f.Len()
			var unknown []string
			seenUnknown := map[string]bool{}
			missingRow := -1
			for row := range r {
				v := f.X.At(row, j)
				if v != v { // NaN: missing
					if missingRow < 0 {
						missingRow = row
					}
					continue
				}
				t := pos[dict[int(v)]]
				if t >= len(words) && !seenUnknown[dict[int(v)]] {
					seenUnknown[dict[int(v)]] = true
					unknown = append(unknown, dict[int(v)])
				}
				f.X.Set(row, j, float64(t))
			}
			f.Text[name] = next
			if !strict {
				continue
			}
			switch fix := fixUnknown(st.Type); {
			case len(unknown) > 0:
				more := ""
				if len(unknown) > 1 {
					more = fmt.Sprintf(" (and %d more: %s)", len(unknown)-1, quoteAll(unknown[1:min(len(unknown), 6)]))
				}
				c.add(lp, fmt.Sprintf("the column %s of %s holds %s%s, which the list does not name; add it to the list, or %s", text.Quote(name), text.Quote(f.Source), text.Quote(text.Abbrev(unknown[0])), more, fix))
			case missingRow >= 0 && !withNull:
				where := ""
				if l := f.Line(missingRow); l > 0 {
					where = fmt.Sprintf(" (line %d)", l)
				}
				c.add(lp, fmt.Sprintf("the column %s of %s has missing values%s, which the list does not name; add null to the list, or %s", text.Quote(name), text.Quote(f.Source), where, fix))
			}
		}
	}
	if len(c) > 0 {
		return spec.Errors(c)
	}
	return nil
}

// fixUnknown is how an encoder's step accepts unknown categories.
func fixUnknown(typ string) string {
	if typ == "OrdinalEncoder" {
		return `set "handle_unknown": "use_encoded_value" with an "unknown_value"`
	}
	return `set "handle_unknown": "ignore"`
}
