package cli

import (
	"encoding/csv"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/model"
)

// predictAutoencoder is `mlforge predict` for an autoencoder: the latent
// code of every row of a CSV file or of every image (z_0, z_1, ...: the
// encoder's output, flattened), or with reconstruct the reconstructions
// (named by the feature columns for a table, x_0, x_1, ... for images).
// Image rows start with the file.
func predictAutoencoder(e *env, m *model.Model, args []string, reconstruct bool, out string) error {
	var files []string
	var Z *mat.Dense
	var names []string
	if m.Net.Manifest.Data != "table" {
		var err error
		if files, Z, err = m.EncodeImageFiles(args, reconstruct); err != nil {
			return err
		}
	} else {
		if len(args) != 1 {
			return usageError("this model takes one CSV file, got %d arguments", len(args))
		}
		f, err := readFor(m, args[0], false)
		if err != nil {
			return err
		}
		if Z, err = m.EncodeRows(f.X, reconstruct); err != nil {
			return err
		}
		if reconstruct {
			names = f.Features
		}
	}
	return writeCSV(e.stdout, out, func(cw *csv.Writer) {
		r, c := Z.Dims()
		if len(files) == 0 && m.Net.Manifest.Data != "table" {
			r = 0
		}
		var header []string
		if files != nil {
			header = append(header, "file")
		}
		prefix := "z_"
		if reconstruct {
			prefix = "x_"
		}
		for j := range c {
			if names != nil && j < len(names) {
				header = append(header, names[j])
			} else {
				header = append(header, prefix+strconv.Itoa(j))
			}
		}
		cw.Write(header)
		for i := range r {
			var row []string
			if files != nil {
				row = append(row, files[i])
			}
			for j := range c {
				row = append(row, strconv.FormatFloat(Z.At(i, j), 'g', 7, 64))
			}
			cw.Write(row)
		}
	})
}
