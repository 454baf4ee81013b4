// Package svm holds the kernel support vector machines of scikit-learn's
// sklearn.svm: SVC and SVR, trained by an SMO solver built as libsvm's
// (the library scikit-learn wraps).
//
// The solver minimises ½αᵀQα + pᵀα subject to yᵀα = Δ and 0 ≤ αᵢ ≤ Cᵢ. Each
// iteration picks a pair of variables by second-order working-set selection
// (Fan, Chen and Lin, "Working set selection using second order information
// for training support vector machines", JMLR 2005), solves the
// two-variable problem in closed form, and updates the gradient. With
// shrinking, variables that sit at a bound and are unlikely to move are set
// aside every min(l, 1000) iterations, and the gradient is rebuilt over all
// of them before the solver stops. Columns of Q are kept in an LRU cache of
// float32 values whose size is cache_size MB, as libsvm's Cache does. It
// stops when the maximal violating pair's gap is below tol (libsvm's
// eps), or after max_iter iterations with a "log" event, where libsvm
// warns.
//
// SVC trains one binary machine per pair of classes (one-vs-one), in class
// order, as libsvm does; decision_function_shape "ovr" turns the pairwise
// decision values into one column per class as scikit-learn's
// _ovr_decision_function. SVR solves libsvm's ε-SVR problem with 2l
// variables.
package svm
