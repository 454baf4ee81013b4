package data

import (
	"strings"
	"testing"
)

// TestPreviewCSV: the first rows as text, the column kinds of the rows
// scanned as ReadCSV reads them (a missing cell keeps a number column a
// number; a column of missing cells is empty), and whether more rows
// follow.
func TestPreviewCSV(t *testing.T) {
	in := "a,b,c,d\n1,x,,2\nNA,y,,3\n3,x,,oops\n4,z,,5\n"
	p, err := PreviewCSV(strings.NewReader(in), "t.csv", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, c := range p.Columns {
		kinds = append(kinds, c.Name+":"+c.Type)
	}
	if got := strings.Join(kinds, " "); got != "a:number b:text c:empty d:text" {
		t.Errorf("kinds = %q", got)
	}
	if p.Scanned != 3 || !p.More || len(p.Rows) != 2 || strings.Join(p.Rows[1], ",") != "NA,y,,3" {
		t.Errorf("preview = %+v", p)
	}
	if p.Columns[0].Missing != 1 || p.Columns[1].Distinct != 2 {
		t.Errorf("a missing %d, b distinct %d", p.Columns[0].Missing, p.Columns[1].Distinct)
	}
	if _, err := PreviewCSV(strings.NewReader("\x89PNG\r\n"), "x.csv", 5, 10); err == nil || !strings.Contains(err.Error(), "PNG") {
		t.Errorf("a PNG: %v", err)
	}
}
