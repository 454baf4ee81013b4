// Package linear provides linear models: LinearRegression, Ridge, RidgeCV,
// RidgeClassifier, Lasso, ElasticNet, LassoCV, ElasticNetCV,
// LogisticRegression, SGDClassifier, SGDRegressor, Perceptron,
// PassiveAggressiveClassifier and PassiveAggressiveRegressor, registered
// with ml by their scikit-learn class names.
//
// Each reproduces scikit-learn 1.2's estimator of the same name: the same
// hyperparameters and defaults, the same objective, and fitted attributes
// read through methods named after scikit-learn's (Coef for coef_, Intercept
// for intercept_, NIter for n_iter_ ...).
//
//   - LinearRegression solves least squares on the centred data by a
//     parallel tall-skinny QR followed by the SVD of R, giving the
//     minimum-norm solution with scipy.linalg.lstsq's rank cutoff; with
//     positive=true it solves non-negative least squares (Lawson–Hanson).
//   - Ridge solves the normal equations by Cholesky, falling back to the SVD
//     when they are singular or ill-conditioned, or takes the dual form when
//     there are more features than samples.
//   - Lasso and ElasticNet run scikit-learn's coordinate descent
//     (cd_fast.enet_coordinate_descent) on the centred data with its
//     duality-gap stopping rule; with selection "cyclic" the iterates are
//     scikit-learn's. LassoCV and ElasticNetCV cross-validate the alpha
//     path (on the Gram matrix, as precompute "auto") and refit.
//   - LogisticRegression minimises the summed log-loss plus ||W||²/(2C) with
//     an L-BFGS that follows scipy's L-BFGS-B iterate for iterate; the loss
//     and gradient are computed with gonum's Dgemm over fixed row blocks on
//     all CPUs, so results do not depend on the number of CPUs. Solver
//     "saga" runs scikit-learn's SAGA step for step; solver "liblinear"
//     runs liblinear's TRON (l2), dual coordinate descent (l2, dual) and
//     newGLMNET (l1) iterate for iterate, with liblinear's coordinate order
//     (liblinear.go).
//   - SGDClassifier, SGDRegressor, Perceptron and the passive-aggressive
//     classes run scikit-learn's _plain_sgd (scaled weights, Bottou's lazy
//     average, the cumulative L1 penalty, the PA-I/PA-II steps) and draw
//     every random choice as scikit-learn does from numpy's
//     RandomState(random_state) (internal/nprand): the shuffle seeds, the
//     xorshift permutation of each epoch and the early-stopping split, so
//     that the same random_state gives scikit-learn's coefficients.
//
// testdata/gen.py (and gen_enet.py, gen_enetcv.py, gen_ridgeclf.py,
// gen_ridgecv.py, gen_sgd.py, gen_logistic_saga.py and
// gen_logistic_liblinear.py for the newer classes) writes the scikit-learn reference
// values the parity tests read; testdata/bench.py times scikit-learn on the
// data of the Go benchmarks.
package linear
