// Package mltest is the common check suite that every registered estimator
// passes, like scikit-learn's check_estimator.
//
// Check(t, "KNeighborsClassifier") builds the class with ml.New, picks a
// small deterministic dataset for its Task (3-class blobs for classifiers,
// with a binary {-1, 1} problem as well; a noisy linear target for
// regressors; the blobs without targets for transformers and clusterers) and
// runs every check of CheckNames as a subtest:
//
//   - stateful: the estimator implements ml.Stateful.
//   - not_fitted: Predict, PredictProba, DecisionFunction, Transform,
//     InverseTransform and MarshalState before Fit return an error wrapping
//     ml.ErrNotFitted.
//   - deterministic: two fits with the same parameters (random_state 0 when
//     the class has one, and the plain defaults as well) give bit-identical
//     outputs; ml.Clone of a fitted
//     estimator is unfitted, has equal ml.Params, and fits to the same
//     outputs.
//   - params_unchanged: Fit leaves the hyperparameters (ml.Params) as they
//     were.
//   - inputs_not_mutated: Fit and every prediction method leave X and y
//     unchanged, bit for bit.
//   - no_aliasing: overwriting X and y after Fit, or the slices and matrices
//     a method returned, does not change later outputs.
//   - bad_input: nil, empty, NaN and infinite X, X with the wrong number of
//     features at predict time, missing, short, NaN and infinite y, and a
//     single class for a classifier are errors marked as bad input
//     (ml.IsBadInput); nothing panics. Fitting on 1 sample or 1 feature may
//     succeed or fail with a bad-input error, but must not panic, nor may
//     predicting afterwards. Classes that scikit-learn lets take
//     NaN (Options.AllowNaN) only have to not panic on NaN.
//   - outputs: lengths and shapes of every output; for classifiers Classes
//     is the sorted set of training labels, predictions are among them,
//     PredictProba rows lie in [0, 1] and sum to 1 with one column per class,
//     DecisionFunction has one column on a binary problem and one per class
//     otherwise; the outputs on a subset of rows equal the same rows of the
//     outputs on the whole batch (unless the exemptions table lists the
//     class for outputs: NMF solves for all rows together); outputs are
//     finite (InverseTransform may hold NaN for the classes listed, with the
//     reason, in inverseNaN).
//
// Classes that take categorical X (scikit-learn's X_types "categorical":
// OneHotEncoder, OrdinalEncoder) are fitted on the suite's data with every
// value replaced by one of three categories, so that the test rows hold only
// categories seen in training.
//   - learns: a classifier reaches a training accuracy of 0.83 on both
//     classification sets and a regressor a training R² of 0.5, as in
//     scikit-learn's check_classifiers_train and check_regressors_train
//     (Options.PoorScore exempts a class: the check skips with the reason
//     from the exemptions table; transformers and clusterers skip it too).
//   - concurrent_predict: the prediction methods of one fitted estimator,
//     called from several goroutines at once (as a server does), give the
//     same outputs as serial calls. Run the suite with -race to catch data
//     races that happen not to change the outputs.
//   - state_round_trip: MarshalState gives a well-formed ml.State that goes
//     through a byte encoding bit-exactly (EncodeState, DecodeState);
//     UnmarshalState on a fresh estimator reproduces every output bit for
//     bit, and marshalling it again gives the same state.
//   - state_tampered: UnmarshalState of an empty state, and of the
//     fitted state with an array removed, of the wrong element type, with a
//     data length that disagrees with its shape or of another number of
//     dimensions, or with an attribute removed or of the wrong JSON type, is
//     an error, never a panic. A state with one dimension grown by one (data
//     consistent) may load, but then nothing may panic.
//   - cancelled_context: Fit with a cancelled context returns an error
//     wrapping context.Canceled.
//   - cancel_during_fit: cancelling from the progress reporter at the first
//     iteration event stops Fit within one more iteration with an error
//     wrapping context.Canceled. A class whose Fit reports no iterations
//     fails unless the exemptions table lists it, with the reason; then the
//     check skips with that reason.
//   - progress: the events Fit reports through ml.WithProgress are
//     well formed (known kind; steps counting up from 1 within a kind and
//     message, so one-vs-rest fits may count each class from 1 under its
//     own message; no NaN loss), and
//     reporting does not change the model.
//   - refit: fitting again on other data (another number of features and
//     other classes) gives the same model as a fresh fit on that data.
//   - fit_validates_params: a hyperparameter set out of its tagged range
//     after construction makes Fit return an *ml.ParamError naming it.
//
// A check that does not apply never passes silently: it returns a
// *SkipError, which Check reports through t.Skip and Run in Result.Skipped.
// Every exemption of a class from a check is in one table (Exemptions), each
// with its reason.
//
// Run returns the same results as data, which is how the suite's own tests
// check that each check catches the bug it is written for.
package mltest
