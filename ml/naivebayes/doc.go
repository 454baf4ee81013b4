// Package naivebayes provides naive Bayes classifiers, registered with ml by
// their scikit-learn class names: GaussianNB, MultinomialNB, ComplementNB,
// BernoulliNB and CategoricalNB.
//
// testdata/gen.py (GaussianNB) and testdata/gen_discrete.py (the others)
// write the scikit-learn 1.2 reference values the parity tests read;
// testdata/bench.py times scikit-learn on the data of the Go benchmarks.
package naivebayes
