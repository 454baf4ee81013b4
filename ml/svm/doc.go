// Package svm holds the support vector machines of scikit-learn's
// sklearn.svm: SVC, NuSVC, SVR, NuSVR and OneClassSVM, trained by an SMO
// solver built as libsvm's (the library scikit-learn wraps), and LinearSVC
// and LinearSVR, trained by liblinear's dual coordinate descent.
//
// The SMO solver minimises ½αᵀQα + pᵀα subject to yᵀα = Δ and
// 0 ≤ αᵢ ≤ Cᵢ. Each iteration picks a pair of variables by second-order
// working-set selection (Fan, Chen and Lin, "Working set selection using
// second order information for training support vector machines", JMLR
// 2005), solves the two-variable problem in closed form, and updates the
// gradient. With shrinking, variables that sit at a bound and are unlikely
// to move are set aside every min(l, 1000) iterations, and the gradient is
// rebuilt over all of them before the solver stops. Columns of Q are kept
// in an LRU cache of float32 values whose size is cache_size MB, as
// libsvm's Cache does. It stops when the maximal violating pair's gap is
// below tol (libsvm's eps), or after max_iter iterations with a "log"
// event, where libsvm warns. The ν classes use the solver's ν variant
// (pairs chosen within one sign of y).
//
// SVC and NuSVC train one binary machine per pair of classes (one-vs-one),
// in class order, as libsvm does; decision_function_shape "ovr" turns the
// pairwise decision values into one column per class as scikit-learn's
// _ovr_decision_function. probability=true fits Platt sigmoids on 5-fold
// cross-validated decision values (folds drawn as scikit-learn's libsvm
// draws them) and couples the pairwise probabilities. SVR and NuSVR solve
// libsvm's regression problems with 2l variables; OneClassSVM its
// one-class problem.
//
// The iterations follow libsvm's and liblinear's one for one (the same
// choices in the same order), so the parity tests find scikit-learn's
// n_iter_ and its fitted values to rounding.
//
// Progress is an "iter" event every 1000 SMO iterations (every 10
// coordinate-descent passes) and at the end of each solve; the context is
// checked at each.
package svm
