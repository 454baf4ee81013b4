// Package naivebayes provides naive Bayes classifiers, registered with ml by
// their scikit-learn class names: GaussianNB.
//
// testdata/gen.py writes the scikit-learn 1.2 reference values the parity
// tests read; testdata/bench.py times scikit-learn on the data of the Go
// benchmarks.
package naivebayes
