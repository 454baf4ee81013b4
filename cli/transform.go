package cli

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"

	"github.com/mlforge/mlforge/model"
)

// predictTransform is `mlforge predict` for a model whose final estimator
// transforms (a PCA run): each row projected, one column per component
// (component_0, component_1, ...), to stdout or the file out.
func predictTransform(e *env, m *model.Model, path, out string) error {
	f, err := readFor(m, path, false)
	if err != nil {
		return err
	}
	Z, err := m.Transform(f.X)
	if err != nil {
		return err
	}
	return writeCSV(e.stdout, out, func(cw *csv.Writer) {
		r, c := Z.Dims()
		row := make([]string, c)
		for j := range row {
			row[j] = "component_" + strconv.Itoa(j)
		}
		cw.Write(row)
		for i := 0; i < r; i++ {
			for j := range row {
				row[j] = strconv.FormatFloat(Z.At(i, j), 'g', -1, 64)
			}
			cw.Write(row)
		}
	})
}

// writeCSV writes rows with write to the file out (created), or to stdout
// when out is "", and returns the first error of the writing or of closing
// the file.
func writeCSV(stdout io.Writer, out string, write func(cw *csv.Writer)) error {
	w := stdout
	var file *os.File
	if out != "" {
		var err error
		if file, err = os.Create(out); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	cw := csv.NewWriter(w)
	write(cw)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if file != nil {
		return file.Close()
	}
	return nil
}
