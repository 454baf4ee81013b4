// Package tree provides decision trees for classification and regression, registered with ml by their scikit-learn class names.
package tree
