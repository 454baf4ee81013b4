// Package cluster holds the clustering estimators of mlforge, each as
// scikit-learn 1.2 computes it: KMeans (k-means++ or random or explicit
// initial centres, Lloyd's and Elkan's algorithms), DBSCAN (neighbour
// queries through the k-d tree and brute-force index of ml/neighbors) and
// AgglomerativeClustering (ward, complete, average and single linkage, the
// merge tree as scipy builds it).
//
// Every clusterer has Labels (labels_) after Fit and FitPredict; KMeans
// also predicts the cluster of new rows and transforms rows into distances
// to the centres.
package cluster
