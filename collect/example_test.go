package collect_test

import (
	"fmt"

	"github.com/mlforge/mlforge/collect"
)

func ExampleParseLabels() {
	labels, err := collect.ParseLabels([]string{"American Foxhound", "Alaskan Malamute imagesize:500x500", "fox:red fox"})
	if err != nil {
		panic(err)
	}
	for _, l := range labels {
		fmt.Printf("%s <- %s\n", l.Label, l.Query)
	}
	// Output:
	// American Foxhound <- American Foxhound
	// Alaskan Malamute <- Alaskan Malamute imagesize:500x500
	// fox <- red fox
}

func ExampleRedact() {
	fmt.Println(collect.Redact("GET https://serpapi.com/search.json?api_key=k%2By&q=cat: refused", "k+y"))
	// Output:
	// GET https://serpapi.com/search.json?api_key=[redacted]&q=cat: refused
}
