package tree

// treeAccessors holds the fitted tree and the accessors that
// DecisionTreeClassifier and DecisionTreeRegressor share by embedding it.
type treeAccessors struct {
	tree *Tree
}

// Tree returns the treeAccessors tree (shared, not to be modified), or nil before
// Fit.
func (f *treeAccessors) Tree() *Tree { return f.tree }

// FeatureImportances returns the normalised impurity decrease per feature,
// as scikit-learn's feature_importances_, or nil before Fit.
func (f *treeAccessors) FeatureImportances() []float64 {
	if f.tree == nil {
		return nil
	}
	return f.tree.FeatureImportances()
}

// GetDepth returns the depth of the tree (0 for a single leaf), or 0 before
// Fit.
func (f *treeAccessors) GetDepth() int {
	if f.tree == nil {
		return 0
	}
	return f.tree.MaxDepth
}

// GetNLeaves returns the number of leaves, or 0 before Fit.
func (f *treeAccessors) GetNLeaves() int {
	if f.tree == nil {
		return 0
	}
	return f.tree.NLeaves()
}

// NodeCount returns the number of nodes (tree_.node_count), or 0 before
// Fit.
func (f *treeAccessors) NodeCount() int {
	if f.tree == nil {
		return 0
	}
	return f.tree.NodeCount()
}

// NFeaturesIn returns the number of features seen by Fit, or 0 before Fit.
func (f *treeAccessors) NFeaturesIn() int {
	if f.tree == nil {
		return 0
	}
	return f.tree.NFeatures
}
