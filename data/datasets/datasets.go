// Package datasets holds the built-in data sets, embedded in the binary:
// iris, wine, breast_cancer and digits (classification) and diabetes
// (regression), the same data as scikit-learn's load_* functions. The last
// column of each is the target; iris, wine and breast_cancer have text labels
// (so Frame.Classes is set), digits has the digits 0-9 and diabetes a
// numeric disease progression.
package datasets

import (
	"embed"
	"fmt"
	"sort"
	"sync"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/suggest"
)

//go:embed *.csv
var files embed.FS

// Info describes a built-in data set.
type Info struct {
	Name     string `json:"name"`
	Rows     int    `json:"rows"`
	Features int    `json:"features"`
	// Columns are the feature names, in order; Target is the target's.
	Columns []string `json:"columns"`
	Target  string   `json:"target"`
	// Task is "classification" or "regression".
	Task string `json:"task"`
	// Classes are the class labels of a classification data set in the order
	// of the target indices (for digits "0" to "9"), nil for regression.
	Classes []string `json:"classes,omitempty"`
	Doc     string   `json:"doc"`
}

var infos = []Info{
	{Name: "breast_cancer", Task: "classification", Doc: "Wisconsin diagnostic breast cancer: 30 cell-nucleus measurements, benign or malignant"},
	{Name: "diabetes", Task: "regression", Doc: "diabetes: age, sex, BMI, blood pressure and six serum measurements; disease progression after one year"},
	{Name: "digits", Task: "classification", Doc: "8x8 images of handwritten digits, pixel values 0-16; the digit 0-9"},
	{Name: "iris", Task: "classification", Doc: "Fisher's iris: sepal and petal length and width; the species"},
	{Name: "wine", Task: "classification", Doc: "wine recognition: 13 chemical measurements; one of three cultivars"},
}

type entry struct {
	once  sync.Once
	frame *data.Frame
	err   error
}

var cache = func() map[string]*entry {
	m := make(map[string]*entry, len(infos))
	for _, in := range infos {
		m[in.Name] = &entry{}
	}
	return m
}()

// Names returns the names of the built-in data sets, sorted.
func Names() []string {
	out := make([]string, len(infos))
	for i, in := range infos {
		out[i] = in.Name
	}
	return out
}

// Has reports whether name is a built-in data set.
func Has(name string) bool {
	_, ok := cache[name]
	return ok
}

func unknown(name string) error {
	return &data.Error{Msg: fmt.Sprintf("unknown data set %q%s; the built-in data sets are %v", name, suggest.Hint(name, Names()), Names())}
}

// parsed returns the cached frame of name, parsing it on first use.
func parsed(name string) (*data.Frame, error) {
	e, ok := cache[name]
	if !ok {
		return nil, unknown(name)
	}
	e.once.Do(func() {
		f, err := files.Open(name + ".csv")
		if err != nil {
			e.err = err
			return
		}
		defer f.Close()
		e.frame, e.err = data.ReadCSV(f, data.CSVOptions{Name: name})
	})
	return e.frame, e.err
}

// Load returns the data set called name as a new Frame (its Source is the
// name), which the caller may modify. An unknown name is a *data.Error that
// suggests the closest known one.
func Load(name string) (*data.Frame, error) {
	f, err := parsed(name)
	if err != nil {
		return nil, err
	}
	idx := make([]int, f.Len())
	for i := range idx {
		idx[i] = i
	}
	return f.Rows(idx), nil
}

// Describe returns the size, columns, task and classes of the data set called
// name, without copying its data.
func Describe(name string) (Info, error) {
	f, err := parsed(name)
	if err != nil {
		return Info{}, err
	}
	var in Info
	for _, x := range infos {
		if x.Name == name {
			in = x
		}
	}
	in.Rows = f.Len()
	in.Features = len(f.Features)
	in.Columns = append([]string(nil), f.Features...)
	in.Target = f.Target
	if in.Task == "classification" {
		if f.Classes != nil {
			in.Classes = append([]string(nil), f.Classes...)
		} else {
			seen := map[float64]bool{}
			var vals []float64
			for _, v := range f.Y {
				if !seen[v] {
					seen[v] = true
					vals = append(vals, v)
				}
			}
			sort.Float64s(vals)
			for _, v := range vals {
				in.Classes = append(in.Classes, fmt.Sprint(v))
			}
		}
	}
	return in, nil
}
