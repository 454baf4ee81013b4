// Package neighbors provides k-nearest-neighbour estimators with brute-force and k-d tree search, registered with ml by their scikit-learn class names.
package neighbors
