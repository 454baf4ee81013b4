// Package naivebayes provides naive Bayes classifiers, registered with ml by their scikit-learn class names.
package naivebayes
