package cli

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// table prints rows with aligned columns, two spaces apart, through
// text/tabwriter. Every row has the same columns in practice; a shorter row
// ends its column blocks, as tabwriter does. Each cell is escaped, so a tab
// or a line break inside one (a multi-line error) does not start a column or
// a row, and trailing spaces (from empty last cells) are trimmed.
func table(w io.Writer, rows [][]string) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.StripEscape)
	esc := string([]byte{tabwriter.Escape})
	for _, r := range rows {
		for i, c := range r {
			tw.Write([]byte(esc + strings.ReplaceAll(c, esc, "") + esc))
			if i < len(r)-1 {
				tw.Write([]byte{'\t'})
			}
		}
		tw.Write([]byte{'\n'})
	}
	tw.Flush()
	for line := range strings.Lines(buf.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n"))
	}
}

// printConfusion prints a confusion matrix (rows true, columns predicted)
// under a blank line and title, its rows and columns named by labels.
func printConfusion(w io.Writer, title string, labels []string, conf [][]int) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, title)
	rows := [][]string{append([]string{""}, labels...)}
	for i, r := range conf {
		row := []string{labels[i]}
		for _, v := range r {
			row = append(row, fmt.Sprint(v))
		}
		rows = append(rows, row)
	}
	table(w, rows)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fmtMetric(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}
