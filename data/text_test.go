package data

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestTextColumns: a feature column with a cell that is neither a number
// nor missing is text: its values are codes into its sorted dictionary,
// missing cells NaN, numbers read before the first text cell written back
// in their shortest form; with a model's dictionary (CSVOptions.Text) the
// codes are the model's and new strings follow them.
func TestTextColumns(t *testing.T) {
	f := read(t, "n,city,size,y\n1,Paris,1.50,a\n2, London ,XL,b\n3,,2,a\n4,Berlin,XL,b\n5,Paris,NA,a\n", CSVOptions{})
	want := map[string][]string{"city": {"Berlin", "London", "Paris"}, "size": {"1.5", "2", "XL"}}
	if !reflect.DeepEqual(f.Text, want) {
		t.Fatalf("Text = %v, want %v", f.Text, want)
	}
	nan := math.NaN()
	wantX := [][]float64{{1, 2, 0}, {2, 1, 2}, {3, nan, 1}, {4, 0, 2}, {5, 2, nan}}
	for i, row := range wantX {
		for j, v := range row {
			if got := f.X.At(i, j); got != v && !(math.IsNaN(got) && math.IsNaN(v)) {
				t.Errorf("X[%d][%d] = %v, want %v", i, j, got, v)
			}
		}
	}
	if err := f.Missing(); err != nil {
		t.Errorf("Missing() = %v; text columns keep their missing values", err)
	}
	if s := f.Schema(); s[1].Type != "text" || !reflect.DeepEqual(s[1].Categories, want["city"]) || s[0].Type != "number" {
		t.Errorf("Schema() = %v", s)
	}

	g := read(t, "city,n\nRome,1\nParis,2\n", CSVOptions{NoTarget: true, Schema: []string{"n", "city"}, Text: map[string][]string{"city": want["city"]}})
	if d := g.Text["city"]; !reflect.DeepEqual(d, []string{"Berlin", "London", "Paris", "Rome"}) {
		t.Errorf("dictionary with a new string: %v", d)
	}
	if g.X.At(0, 1) != 3 || g.X.At(1, 1) != 2 || g.X.At(1, 0) != 2 {
		t.Errorf("X = %v", g.X.RawMatrix().Data)
	}
	if want["city"][0] != "Berlin" || len(want["city"]) != 3 {
		t.Errorf("the model's dictionary changed: %v", want["city"])
	}

	var b strings.Builder
	b.WriteString("c,y\n")
	for i := 0; i <= MaxTextValues; i++ {
		fmt.Fprintf(&b, "s%d,1\n", i)
	}
	_, err := ReadCSV(strings.NewReader(b.String()), CSVOptions{Name: "big.csv"})
	if err == nil || !strings.Contains(err.Error(), `column "c": more than 65536 distinct strings`) {
		t.Errorf("too many strings: %v", err)
	}
}

// TestTextInNumericColumn: with a model's schema, a column the model reads
// as numbers stays numeric: text there is an error naming the cell.
func TestTextInNumericColumn(t *testing.T) {
	_, err := ReadCSV(strings.NewReader("a,b\n1,x\n"), CSVOptions{Name: "new.csv", NoTarget: true, Schema: []string{"a", "b"}})
	if want := `new.csv line 2: column "b": "x" is not a number, and the model's column holds numbers`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestProbeText finds the text columns of the first rows, with the first
// text cell of each; missing markers and numbers do not count.
func TestProbeText(t *testing.T) {
	got, err := ProbeText(strings.NewReader("a,b,c,y\n1,NA,x,p\n2, Paris ,y,q\n3,z,4,r\n"), "p.csv", 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"b": "Paris", "c": "x", "y": "p"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ProbeText = %v, want %v", got, want)
	}
}
