package data_test

import (
	"fmt"
	"strings"

	"github.com/mlforge/mlforge/data"
)

func ExampleReadCSV() {
	in := `height,weight,species
1.2,30,cat
"0.8",NA,dog
1.5,41,cat
`
	f, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{Name: "pets.csv"})
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Features, f.Target, f.Classes, f.Y)
	fmt.Println(f.Missing())
	// Output:
	// [height weight] species [cat dog] [0 1 0]
	// pets.csv: column "weight": 1 missing value (line 3); add {"type": "SimpleImputer"} to preprocess
}

func ExampleReadCSV_error() {
	_, err := data.ReadCSV(strings.NewReader("a,b,y\n1,2,3\n4,5\n"), data.CSVOptions{Name: "train.csv"})
	fmt.Println(err)
	// Output:
	// train.csv line 3: expected 3 fields, got 2
}
