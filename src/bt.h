/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bt.h — the public API of the bptt library.
 *
 * Everything a program needs: models (architecture records, flat parameter
 * buffer with named blocks), data, the forward pass with readout and masked
 * loss, exact full and truncated backpropagation through time, the
 * finite-difference checker and the text file format.
 *
 * Conventions (see ../README.md and the spec):
 *  - every function that can fail returns an int status: BT_OK (0) or one of
 *    the BT_E* codes below; it never prints and never exits;
 *  - objects come in _alloc/_free pairs; _free(NULL) is safe;
 *  - gradients have the same flat layout as the parameters and backward
 *    functions add into them (the caller zeroes).
 */
#ifndef BT_H
#define BT_H

#include <stddef.h>
#include <stdio.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version (also in bptt.pc and `bptt --version`). */
#define BT_VERSION "0.1.0"
const char *bt_version(void);

/* ---- status codes ---------------------------------------------------- */
enum {
	BT_OK = 0,
	BT_EINVAL = 1,   /* bad argument (sizes, names, options) */
	BT_ENOMEM = 2,   /* allocation failed */
	BT_EFORMAT = 3,  /* a text file breaks the format; see bt_error */
	BT_EIO = 4,      /* reading or writing failed; see bt_error */
	BT_ENUMERIC = 5, /* a non-finite value appeared; bt_fault_locate says where */
	BT_ECANCELED = 6 /* stopped by bt_cancel_request (e.g. on SIGINT) or the
			    progress hook */
};

/* Message for a status (static string). */
const char *bt_strerror(int status);

/* A detailed error: which file and line, and what is wrong. Functions that
 * take a bt_error * fill it when they fail (it may be NULL). */
typedef struct {
	char file[512];
	long line;          /* physical line, from 1; 0 when not about a line */
	char msg[512];
} bt_error;

/* ---- limits of the spec ------------------------------------------------ */
#define BT_MAX_DIM 100000L          /* d, n, m */
#define BT_MAX_T 100000000L         /* sequence length */
#define BT_MAX_NUMBERS 1000000000L  /* numbers in one file */
#define BT_MAX_BLOCKS 32

/* ---- activations ------------------------------------------------------- */
typedef enum {
	BT_ACT_TANH = 0,
	BT_ACT_RELU,
	BT_ACT_SIGMOID,
	BT_ACT_IDENTITY
} bt_activation;

/* Name ("tanh", "relu", "sigmoid", "identity") → code; -1 if unknown. */
int bt_activation_from_name(const char *name);
const char *bt_activation_name(bt_activation a);
/* φ(a) and φ'(a), element-wise; relu'(0) = 0. */
double bt_activation_apply(bt_activation f, double a);
double bt_activation_deriv(bt_activation f, double a);
/* Lipschitz constant L_φ = sup |φ'|: 1 for tanh, relu, identity; 1/4 for sigmoid. */
double bt_activation_lipschitz(bt_activation f);

/* ---- sizes and parameter blocks ------------------------------------------- */
typedef struct {
	size_t d;   /* input size */
	size_t n;   /* hidden size */
	size_t m;   /* output size */
} bt_dims;

typedef struct {
	const char *name;   /* "W", "U", "b", …, "V", "b_y" */
	size_t rows, cols;
	size_t offset;      /* into the flat parameter (and gradient) array */
} bt_block;

struct bt_cell_type;   /* defined in cell.h */
typedef struct bt_cell_type bt_cell_type;

/* The registry: every architecture by name. */
const bt_cell_type *bt_cell_lookup(const char *name);
size_t bt_cell_count(void);
const bt_cell_type *bt_cell_at(size_t i);
const char *bt_cell_name(const bt_cell_type *type);
/* Whether the architecture takes the `activation` option. */
int bt_cell_has_activation(const bt_cell_type *type);
/* Whether --scale and --radius apply (not when the recurrent matrix's norm
 * is fixed by construction, as for the orthogonal RNN). */
int bt_cell_takes_scale(const bt_cell_type *type);
/* Whether the step Jacobian is diag(φ'(a_t)) W with one recurrent W and the
 * loss sees the state only through the readout V h_t (rnn, linear): then
 * ‖∂h_T/∂h_{T−τ}‖ ≤ (L_φ s_max(W))^τ, with equality for the identity φ
 * and an orthogonal W. */
int bt_cell_geometric(const bt_cell_type *type);
/* One line describing the architecture (for --help). */
const char *bt_cell_summary(const bt_cell_type *type);

/* ---- losses --------------------------------------------------------------- */
/* The loss of one step, on the readout z_t = V h_t + b_y (+ attention's
 * term), with the step's weight μ_t:
 *   squared        ℓ_t = μ_t ½‖z_t − y_t‖²               ∂ℓ_t/∂z_t = μ_t (z_t − y_t)
 *   cross-entropy  ℓ_t = −μ_t Σ_i y_ti log softmax(z_t)_i  ∂ℓ_t/∂z_t = μ_t (p_t Σ_i y_ti − y_t)
 * (p_t = softmax(z_t); y_t a target distribution: one-hot for a class).
 * A model's loss is a property of the model (its file's `loss` line); the
 * default is squared, which every file without the line keeps. */
typedef enum { BT_LOSS_SQUARED = 0, BT_LOSS_CROSS_ENTROPY } bt_loss_kind;
/* "squared", "cross-entropy"; NULL for another value. */
const char *bt_loss_name(bt_loss_kind loss);
/* The kind of a name, or −1. */
int bt_loss_from_name(const char *name);

/* ---- models ------------------------------------------------------------ */
typedef struct {
	const bt_cell_type *type;
	bt_dims dims;
	bt_activation activation;  /* used by rnn and residual */
	size_t nblocks;            /* cell blocks, then V, b_y */
	bt_block blocks[BT_MAX_BLOCKS];
	size_t nparams;
	double *theta;             /* nparams values, the blocks one after another */
	size_t state_size;         /* n, or 2n for the LSTM */
	bt_loss_kind loss;         /* squared (bt_model_alloc's), or set after */
} bt_model;

/* Allocates a model with every parameter zero. Fails with BT_EINVAL on
 * sizes of zero or above BT_MAX_DIM, or an activation the architecture
 * does not take. */
int bt_model_alloc(bt_model **out, const bt_cell_type *type, bt_dims dims,
		   bt_activation activation);
void bt_model_free(bt_model *model);
int bt_model_copy(bt_model **out, const bt_model *src);
/* The bytes a model of this architecture and sizes holds (its parameters):
 * 8·P. Like every _size function of the library, a double (absurd sizes do
 * not overflow), 0 for no type, and a count of the buffers that grow with
 * the sizes; a program that adds them up adds BT_MEMORY_SLACK once for the
 * small ones (see "resources" below). */
double bt_model_size(const bt_cell_type *type, bt_dims dims);

/* How many parameters a model of this architecture and size has (cell
 * blocks, V and b_y), as a double so that absurd sizes do not overflow. */
double bt_cell_param_count(const bt_cell_type *type, bt_dims dims);

/* Index of the block called name, or -1. */
int bt_model_find_block(const bt_model *model, const char *name);
/* A GSL view of block i within base (theta, or a gradient of the same layout). */
gsl_matrix_view bt_block_view(const bt_model *model, double *base, size_t i);
_gsl_matrix_const_view bt_block_const_view(const bt_model *model,
					  const double *base, size_t i);

/* Initialisation options. */
typedef struct {
	unsigned long seed;     /* default BT_DEFAULT_SEED */
	int orthogonal;         /* recurrent matrices Haar-random orthogonal
				   (QR of a Gaussian matrix, signs fixed) instead
				   of Gaussian N(0, 1/n); default 0 */
	double scale;           /* > 0: rescale each recurrent matrix so that its
				   largest singular value is exactly scale;
				   0 (default): leave it */
	double radius;          /* > 0: rescale so that the spectral radius is
				   exactly radius (not with scale); 0: leave it */
	double forget_bias;     /* LSTM: initial b_f; default 1 */
	int structure;          /* BT_STRUCTURE_GAUSSIAN (default): as above;
				   NORMAL or NONNORMAL: W = Q (B + c N) Qᵀ
				   (bt_matrix_with_eigenvalues) with every
				   eigenvalue of modulus radius (default 1) at
				   angles from the seed; only for architectures
				   with a single W, not with scale or orthogonal */
	double nonnormality;    /* c for NONNORMAL (default 1), c ≥ 0; unused
				   otherwise */
} bt_init_options;
enum { BT_STRUCTURE_GAUSSIAN = 0, BT_STRUCTURE_NORMAL, BT_STRUCTURE_NONNORMAL };
#define BT_DEFAULT_SEED 20140901UL
/* The largest seed: the generators (MT19937) keep 32 bits of a seed and
 * take 0 as 4357, so the seeds that give distinct streams are 1 to this. */
#define BT_SEED_MAX 4294967295ULL
/* Fills opt with the defaults: seed BT_DEFAULT_SEED, Gaussian, no rescaling,
 * forget bias 1. */
void bt_init_options_default(bt_init_options *opt);

/* Fills the parameters, repeatably from the seed: recurrent matrices
 * N(0, 1/n) or Haar orthogonal, then rescaled as the options say; input
 * and output matrices Glorot-normal, N(0, 2/(fan_in + fan_out)); biases
 * zero except the LSTM's forget bias. BT_EINVAL on bad options (negative
 * or non-finite scale, both scale and radius, a matrix whose norm or
 * radius is zero). */
int bt_model_init(bt_model *model, const bt_init_options *opt);

/* ---- data ------------------------------------------------------------------ */
typedef struct {
	size_t T, d, m;
	double *X;   /* T×d, row t-1 is x_t */
	double *Y;   /* T×m */
	double *M;   /* T mask values (0 or 1), or NULL for all ones */
} bt_data;

/* Allocates data of length T (X, Y zero; with_mask: a mask M of ones) into
 * *out, owned by the caller (bt_data_free; NULL is fine). BT_EINVAL on sizes
 * of zero or above the spec's limits, BT_ENOMEM. bt_data_copy: a deep copy. */
int bt_data_alloc(bt_data **out, size_t T, size_t d, size_t m, int with_mask);
void bt_data_free(bt_data *data);
int bt_data_copy(bt_data **out, const bt_data *src);
/* The bytes data of length T for these sizes hold: 8·T·(d + m + 1). */
double bt_data_size(bt_dims dims, size_t T);
/* Whether data fits the model (d and m); BT_EINVAL otherwise. */
int bt_data_check(const bt_model *model, const bt_data *data);
/* Random data for demos and tests: x_t i.i.d. N(0,1), y_t i.i.d. N(0,1). */
int bt_data_random(bt_data *data, unsigned long seed);
/* The generator seed of one stream of a seed: what names the stream's use
 * (BT_STREAM_*), i and j number it (a data set, a step, a sequence).
 * SplitMix64's finaliser mixes seed, what, i and j in turn, so that
 * nearby seeds and nearby numbers give unrelated seeds: adding i to the
 * seed would make data set i of seed s data set 0 of seed s + i, and pass
 * 2^32 (which MT19937 cuts to its low 32 bits) for seeds near it. */
enum {
	BT_STREAM_BATCH = 1,    /* bt_train: minibatch j of step i */
	BT_STREAM_EVAL = 2,     /* bt_train: held-out sequence i */
	BT_STREAM_CUTS = 3,     /* bt_train: ARTBP's cuts, step i, sequence j */
	BT_STREAM_DATASET = 4,  /* the instruments' random data set i ≥ 1 */
	BT_STREAM_MASK = 5      /* bptt data --mask: the mask */
};
unsigned long bt_seed_stream(unsigned long seed, int what, size_t i, size_t j);

/* ---- tasks with known baselines (task.c) ------------------------------------ */
/* Data sets generated from a seed (GSL MT19937), each with a loss mask M
 * (1 where a target counts) and the error of a network without memory.
 *   adding  d = 2, m = 1: x_t = (u_t, marker_t), u_t ~ U(0,1) i.i.d.;
 *           exactly two markers, one uniform in steps 1…⌊T/2⌋ and one in
 *           ⌊T/2⌋+1…T (the convention of Le et al. 2015 and Arjovsky et al.
 *           2016; Hochreiter & Schmidhuber 1997 put both earlier);
 *           y_T = the sum of the two marked values, μ_T = 1, μ_t = y_t = 0
 *           before. Baseline: predicting 1 gives MSE = Var(u₁ + u₂) = 1/6,
 *           loss ½(ŷ − y)² = 1/12 per sequence. T ≥ 2.
 *   copy    alphabet A ≥ 2, K ≥ 1 symbols, delay D ≥ 1, T = 2K + D (opt T
 *           is ignored); d = A + 2 one-hot (symbols, blank A, go A+1), m = A
 *           one-hot: the K symbols (i.i.d. uniform) at steps 1…K, blanks,
 *           go at step K + D, blanks; targets the K symbols at steps
 *           K+D+1…T, where μ = 1 (0 elsewhere). Baseline (memoryless, the
 *           best constant ŷ = (1/A, …)): ‖ŷ − y‖² = 1 − 1/A per recalled
 *           step, loss K(1 − 1/A)/2 per sequence.
 *   linear  d = m = 1: x_t ~ N(0, s²) i.i.d. (Ziggurat), h_0 = 0,
 *           h_t = a h_{t−1} + b x_t, y_t = h_t, μ_t = 1 (for the bias
 *           lessons). Baseline: predicting 0 gives MSE = (1/T) Σ_t Var h_t,
 *           Var h_t = b²s²(1 − a^{2t})/(1 − a²) (stationary b²s²/(1 − a²)). */
enum { BT_TASK_ADDING = 0, BT_TASK_COPY, BT_TASK_LINEAR };
/* Name ("adding", "copy", "linear") → kind; -1 if unknown. */
int bt_task_from_name(const char *name);
const char *bt_task_name(int kind);

typedef struct {
	int kind;               /* BT_TASK_* (default adding) */
	size_t T;               /* length, adding and linear (default 100) */
	unsigned long seed;     /* default BT_DEFAULT_SEED */
	size_t symbols;         /* copy: K (default 10) */
	size_t alphabet;        /* copy: A (default 8) */
	size_t delay;           /* copy: D (default 100) */
	double a, b, s;         /* linear (defaults 0.9, 1, 1) */
} bt_task_options;
void bt_task_options_default(bt_task_options *opt);

typedef struct {
	double baseline_mse;    /* the memoryless baseline's squared error per
				   counted step, ‖ŷ − y‖² (summed over the m
				   outputs), in expectation */
	double baseline_loss;   /* its expected loss Σ_t μ_t ½‖ŷ_t − y_t‖² */
	double baseline_ce;     /* with the cross-entropy loss: the memoryless
				   baseline's cross-entropy per counted step
				   in nats (copy: ln A); NaN for a task whose
				   targets are not classes */
	char description[320];  /* one line: what the data is */
	char baseline[320];     /* one line: the baseline, in words */
} bt_task_info;

/* Allocates *out (with a mask) and fills it; the same options give the
 * same data bit for bit. info may be NULL. BT_EINVAL on sizes out of
 * range (or more than BT_MAX_NUMBERS numbers), non-finite a, b or s, or
 * s < 0; BT_ENUMERIC when the linear task's y overflows. */
int bt_task_generate(bt_data **out, const bt_task_options *opt,
		     bt_task_info *info);
/* The sizes of the task's data (T, d, m) without making it; BT_EINVAL as
 * bt_task_generate. */
int bt_task_shape(const bt_task_options *opt, size_t *T, size_t *d, size_t *m);
/* Fills data (allocated with a mask and the task's sizes) in place from rng,
 * which it seeds with opt->seed first: the same numbers bit for bit as
 * bt_task_generate, without allocating (for a training loop that draws a
 * minibatch every step). BT_EINVAL on other sizes or no mask. */
int bt_task_fill(bt_data *data, const bt_task_options *opt, gsl_rng *rng,
		 bt_task_info *info);

/* ---- forward pass, loss, full BPTT (seq.c) ------------------------------------ */
typedef struct bt_seq bt_seq;

/* A workspace for sequences of length up to T_max: states, per-step caches,
 * outputs and the backward pass's state gradients; O(T·n) memory. */
int bt_seq_alloc(bt_seq **out, const bt_model *model, size_t T_max);
void bt_seq_free(bt_seq *seq);
/* The bytes bt_seq_alloc takes for a model of this architecture and sizes
 * (0 for no type); a double, finite for any T_max. */
double bt_seq_size(const bt_cell_type *type, bt_dims dims, size_t T_max);

/* Forward pass: s_t for t = 1…T, ŷ_t = V h_t + b_y, and
 * L = Σ_t μ_t · ½‖ŷ_t − y_t‖² into *loss. BT_ENUMERIC if the loss is not
 * finite. */
int bt_seq_forward(bt_seq *seq, const bt_model *model, const bt_data *data,
		   double *loss);

/* Exact full BPTT after bt_seq_forward on the same model and data: adds
 * ∂L/∂θ into grad (nparams values, the model's layout) and, if dX is not
 * NULL, ∂L/∂x_t into dX (T×d). Either may be NULL. */
int bt_seq_backward(bt_seq *seq, const bt_model *model, const bt_data *data,
		    double *grad, double *dX);

/* The same, with ∂L/∂x_t split in two: dX gets the recurrent part (through
 * the states) and dX_direct the direct part (through an extra readout that
 * reads the inputs, as attention's scores and context do). With dX_direct
 * NULL both go into dX. */
int bt_seq_backward_split(bt_seq *seq, const bt_model *model,
			  const bt_data *data, double *grad, double *dX,
			  double *dX_direct);

/* After bt_seq_backward: the total gradient ∂L/∂s_t (state_size values) for
 * t = 1…T; after bt_seq_backward_truncated, the sum over the loss terms
 * whose window holds s_t of their gradient at s_t. bt_seq_state gives the
 * state s_t itself (t = 0 gives the zero initial state). */
const double *bt_seq_dstate(const bt_seq *seq, size_t t);
const double *bt_seq_state(const bt_seq *seq, size_t t);
/* The output ŷ_t after bt_seq_forward (m values), t = 1…T. */
const double *bt_seq_output(const bt_seq *seq, size_t t);

/* Convenience: loss only (allocates a workspace). */
int bt_loss(const bt_model *model, const bt_data *data, double *loss);
/* Convenience: zeroes grad and dX, then forward + backward; truncate = 0
 * means full BPTT, k ≥ 1 the spec's sliding-window truncation. Full BPTT
 * goes through the batched kernels with B = 1 (batch.c) when the
 * architecture has them: every product that does not depend on the
 * recursion is one GEMM over all steps. It agrees with bt_seq_forward +
 * bt_seq_backward (which truncation shares) to rounding, not bit for bit. */
int bt_gradient(const bt_model *model, const bt_data *data, size_t truncate,
		double *loss, double *grad, double *dX);
/* The bytes bt_gradient (any truncation) and bt_gradient_chunked hold
 * besides the model, the data and the caller's grad and dX: a workspace. */
double bt_gradient_size(const bt_cell_type *type, bt_dims dims, size_t T);
/* The bytes of one gradient buffer pair: grad (P) and dX (T·d). */
double bt_gradient_buffers_size(const bt_cell_type *type, bt_dims dims, size_t T);

/* ---- truncated BPTT (tbptt.c) --------------------------------------------------- */
/* After bt_seq_forward: adds the truncated gradient into grad and dX. For
 * the loss term at time t, gradients flow through s_t … s_{t-k+1} only;
 * s_{t-k} is a constant for that term. O(T·k·n²). k ≥ T is full BPTT. */
int bt_seq_backward_truncated(bt_seq *seq, const bt_model *model,
			      const bt_data *data, size_t k, double *grad,
			      double *dX);

/* Truncated, with the recurrent and direct parts of ∂L/∂x_t apart. */
int bt_seq_backward_truncated_split(bt_seq *seq, const bt_model *model,
				    const bt_data *data, size_t k, double *grad,
				    double *dX, double *dX_direct);

/* ---- gradient checking (gradcheck.c) ------------------------------------------- */
/* Finite-difference formulas, D(h) = (L(θ + h e) − L(θ − h e)) / 2h:
 *   central      D(h)                                             O(h²)
 *   richardson   (4 D(h/2) − D(h)) / 3  (Richardson extrapolation) O(h⁴)
 *   stencil4     (−L(+2h) + 8L(+h) − 8L(−h) + L(−2h)) / 12h        O(h⁴)
 * Richardson from h and h/2 is algebraically the stencil at step h/2. */
enum { BT_FD_CENTRAL = 0, BT_FD_RICHARDSON, BT_FD_STENCIL4 };
/* Name ("central", "richardson", "stencil4") → method; -1 if unknown. */
int bt_fd_method_from_name(const char *name);
const char *bt_fd_method_name(int method);

typedef struct {
	double rtol;      /* default 1e-6 */
	double atol;      /* default 1e-8 · max(1, |L|)  when negative (the default) */
	double step;      /* relative step h_i = step · max(1, |θ_i|); 0 (the
			     default) means ε^{1/3} for order 2, ε^{1/5} for order 4 */
	int order;        /* 2 (central) or 4 (five-point stencil); default 2 */
	int method;       /* BT_FD_CENTRAL (default; with order 4 it is the
			     stencil), BT_FD_RICHARDSON or BT_FD_STENCIL4 */
	size_t directions;/* random directions for bt_gradcheck_directional,
			     1 to 64 (values outside are clamped); default 4 */
	unsigned long seed;
	size_t threads;   /* threads of the entry-by-entry check (bt_gradcheck,
			     bt_gradcheck_gradient, bt_fd_gradient); 0 (the
			     default): the online processors, at most 8, and 1
			     when the work is tiny. The result is bit-for-bit
			     the same for any count. Each extra thread holds a
			     copy of the model, the data and a workspace. */
} bt_check_options;
/* Fills opt with the defaults documented above. */
void bt_check_options_default(bt_check_options *opt);

typedef struct {
	char name[16];       /* block name, or "X" */
	size_t rows, cols;
	double max_abs;      /* max_i |g_i − f_i| */
	double max_rel;      /* max_i |g_i − f_i| / max(|g_i|, |f_i|), over entries above atol */
	size_t worst;        /* flat index (row·cols + col) of the worst entry */
	double worst_exact;  /* g and f at that entry */
	double worst_fd;
	int ok;              /* every entry within atol + rtol·max(|g|,|f|) */
	size_t opposite;     /* entries where g and f have opposite signs
				(either beyond atol): relative error ≥ 1 */
} bt_check_block;

typedef struct {
	size_t nblocks;      /* parameter blocks, then X */
	bt_check_block blocks[BT_MAX_BLOCKS + 1];
	double loss;
	double atol, rtol;   /* the tolerances used */
	int method;          /* the formula used (BT_FD_*) */
	double step;         /* the relative step used */
	int ok;              /* every block ok */
} bt_check_result;

/* Compares the exact BPTT gradient of every parameter and of X with
 * finite differences of the loss, entry by entry. */
int bt_gradcheck(const bt_model *model, const bt_data *data,
		 const bt_check_options *opt, bt_check_result *res);
/* The bytes any bt_gradcheck* function holds besides the model and the
 * data (one thread; each further thread of the entry-by-entry check holds
 * about a model, a data set and a bt_seq workspace more): a workspace,
 * the exact gradient, the differences, copies to perturb, directions. */
double bt_gradcheck_size(const bt_cell_type *type, bt_dims dims, size_t T);
/* The same for a given gradient: grad (nparams values) and dX (T×d) in
 * place of the exact ones (either may be NULL: the exact one is used). */
int bt_gradcheck_gradient(const bt_model *model, const bt_data *data,
			  const double *grad, const double *dX,
			  const bt_check_options *opt, bt_check_result *res);
/* The finite-difference gradient alone, by the options' method and step:
 * fd (nparams values) and fdX (T×d), each entry perturbed in turn, over
 * bt_check_threads threads. BT_ECANCELED leaves fd and fdX unspecified;
 * a failed forward pass is reported after every entry is done. */
int bt_fd_gradient(const bt_model *model, const bt_data *data,
		   const bt_check_options *opt, double *fd, double *fdX);
/* The number of threads those use for this model, data and options
 * (opt->threads when positive, at most 64 and at most the number of
 * entries; NULL: the defaults). Entry i of the
 * parameters, then of X, goes to thread i mod that number; the calling
 * thread is one of them and the only one that calls the progress hook
 * (with the count of entries done by all). While they run, OpenBLAS is
 * asked for one thread (process-wide; restored after). */
size_t bt_check_threads(const bt_model *model, const bt_data *data,
			const bt_check_options *opt);

typedef struct {
	size_t ndir;
	double exact[64];   /* gᵀv */
	double fd[64];      /* (L(θ+hv) − L(θ−hv)) / 2h */
	double rel[64];
	int agree[64];      /* per direction */
	double max_rel;
	int ok;
} bt_check_dir_result;

/* The cheap check for big models: a few random unit directions v over all
 * parameters and inputs together; compares gᵀv with the options' finite
 * difference along v. */
int bt_gradcheck_directional(const bt_model *model, const bt_data *data,
			     const bt_check_options *opt,
			     bt_check_dir_result *res);

/* The Taylor-remainder test: no step size to tune. Along a direction v,
 *     r(h) = ½ (|L(θ + h v) − L(θ) − h gᵀv| + |L(θ − h v) − L(θ) + h gᵀv|)
 * is O(h²) when g is the gradient and O(h) when it is not, so the slope of
 * log r against log h is 2 for a right gradient and 1 for a wrong one (both
 * sides, because one side alone can cross zero where its h² and h³ terms
 * cancel). One random unit v per parameter block (zero elsewhere), one
 * over X, and one over everything ("all"). Remainders below round-off
 * (r < floor_rel·(|L(θ)| + |L(θ±hv)|)) are not trusted; the slope is
 * fitted (least squares of log10 r on log10 h) over the trusted points
 * within a factor 100 of the smallest trusted h, the asymptotic end (the
 * three smallest trusted h if that window holds fewer). */
#define BT_TAYLOR_MAX_H 32
#define BT_TAYLOR_PASS 1.9   /* a fitted slope at least this agrees */
typedef struct {
	char name[16];                  /* block name, "X", or "all" */
	size_t rows, cols;
	double gv;                      /* gᵀv, the gradient under test */
	double rem[BT_TAYLOR_MAX_H];    /* r(h) for each h */
	int used[BT_TAYLOR_MAX_H];      /* in the fit */
	size_t nused;
	double slope;                   /* fitted; NAN with fewer than 3 points */
	int ok;                         /* slope ≥ BT_TAYLOR_PASS */
} bt_taylor_block;

typedef struct {
	size_t nh;
	double h[BT_TAYLOR_MAX_H];      /* the steps (length along the unit v) */
	double loss;
	double floor_rel;
	size_t nblocks;                 /* parameter blocks, X, then "all" */
	bt_taylor_block blocks[BT_MAX_BLOCKS + 2];
	int ok;                         /* every block ok */
} bt_taylor_result;

/* The steps 10^{-1}, 10^{-1.5}, …, 10^{-8} (15 values) into h (room for
 * BT_TAYLOR_MAX_H); returns how many. */
size_t bt_taylor_default_steps(double *h);
/* Tests the gradient grad (nparams values) and dX (T×d), or, when both are
 * NULL, the exact BPTT gradient. v from opt->seed; h: nh steps (1 to
 * BT_TAYLOR_MAX_H), NULL for the default ones. */
int bt_gradcheck_taylor(const bt_model *model, const bt_data *data,
			const double *grad, const double *dX,
			const bt_check_options *opt, const double *h, size_t nh,
			bt_taylor_result *res);

/* The error of each formula against the exact gradient as h varies (the
 * V-shaped curve: truncation error falling as h^p, round-off rising as
 * ε/h), along one random unit direction v over all parameters and inputs
 * (opt->seed). Relative errors |f − gᵀv| / max(|f|, |gᵀv|). */
typedef struct {
	size_t nh;
	double *h;            /* steps along v: the caller fills them */
	double *central, *richardson, *stencil4;   /* relative errors */
	double *taylor;       /* the Taylor remainder r(h) (see above) */
	double exact;         /* gᵀv */
	double loss;
} bt_fd_sweep;

/* A sweep over nh steps, owned by the caller (bt_fd_sweep_free; NULL is
 * fine); bt_gradcheck_sweep fills it (a status). */
int bt_fd_sweep_alloc(bt_fd_sweep **out, size_t nh);
void bt_fd_sweep_free(bt_fd_sweep *s);
int bt_gradcheck_sweep(const bt_model *model, const bt_data *data,
		       const bt_check_options *opt, bt_fd_sweep *res);

/* ---- step Jacobian -------------------------------------------------------------------- */
/* J_t = ∂s_t/∂s_{t-1} (state_size × state_size) after bt_seq_forward, t = 1…T. */
int bt_seq_jacobian(const bt_seq *seq, const bt_model *model,
		    const bt_data *data, size_t t, gsl_matrix *J);

/* One step s = F(s_prev, x) outside the sequence, with the derived
 * quantities of the last bt_seq_forward on this model (for finite
 * differences of a step, and for instruments that follow perturbed states).
 * Uses the workspace's scratch; the per-step cache is thrown away. */
int bt_seq_step(bt_seq *seq, const bt_model *model, const double *s_prev,
		const double *x, double *s);

/* The recurrent matrix W (n×n, contiguous) of architectures that have one:
 * the W block, or the Cayley W = (I+S)⁻¹(I−S) of the orthogonal RNN.
 * BT_EINVAL for gated architectures (use the step Jacobian). */
int bt_model_recurrent(const bt_model *model, gsl_matrix *W);

/* ---- Jacobian products over lags (jacobian.c) ----------------------------- */
typedef struct {
	size_t T;
	/* index τ−1, τ = 1…T, for ∂s_T/∂s_{T−τ} = J_T … J_{T−τ+1}: */
	double *log10_norm2;      /* log10 of its 2-norm */
	double *log10_normF;      /* log10 of its Frobenius norm */
	double *log10_bound;      /* the spec's upper bound (see README) */
	double *log10_prod_steps; /* Σ log10‖J_t‖₂ over the lag's steps */
	/* index t−1, t = 1…T: */
	double *log10_step;       /* log10 ‖J_t‖₂ */
	double log10_smax;        /* log10 s_max(W), NAN for gated cells */
	double lipschitz;         /* L_φ used in the bound */
	int skip_steps;           /* set by the caller: skip the per-step norms
				     (log10_step and log10_prod_steps are then NaN)
				     unless the bound is made of them (gru, lstm) */
} bt_jacobian_result;

/* A result for T lags, owned by the caller (bt_jacobian_free; NULL is fine).
 * BT_EINVAL for T = 0 or above BT_MAX_T, BT_ENOMEM. */
int bt_jacobian_alloc(bt_jacobian_result **out, size_t T);
void bt_jacobian_free(bt_jacobian_result *res);
/* Runs the model over the data (T = data length) and fills res (allocated
 * for that T). Products are renormalised: the logs are finite however far
 * the norms under- or overflow; only an exactly zero product gives -inf. */
int bt_jacobian_lags(const bt_model *model, const bt_data *data,
		     bt_jacobian_result *res);
/* The bytes bt_jacobian_alloc and bt_jacobian_lags hold besides the model
 * and the data. */
double bt_jacobian_lags_size(const bt_cell_type *type, bt_dims dims, size_t T);
/* The same for one block of the product: rows r0 … r0+nr−1 of s_T against
 * columns c0 … c0+nc−1 of s_{T−τ}, e.g. the LSTM's ∂c_T/∂c_{T−τ} with
 * r0 = c0 = nr = nc = n. log10_norm2 and log10_normF are the block's (−inf
 * where it is exactly zero); log10_bound, log10_prod_steps and log10_step
 * are the whole product's, as above (a block's norm is at most the
 * whole's, so the bound still holds). The block is cut from the
 * renormalised whole product, so it is accurate unless it is many orders
 * of magnitude below the whole. BT_EINVAL if the block is empty or does
 * not fit in the state. */
int bt_jacobian_lags_block(const bt_model *model, const bt_data *data,
			   size_t r0, size_t nr, size_t c0, size_t nc,
			   bt_jacobian_result *res);

/* ---- spectra of the recurrent matrix (spectrum.c) ----------------------------- */
typedef struct {
	size_t n;             /* the matrix is n×n */
	double *sv;           /* n singular values, largest first */
	double *eig_re;       /* n eigenvalues, largest modulus first (a */
	double *eig_im;       /*   conjugate pair: positive imaginary first) */
	double radius;        /* ρ = max |λ_i| */
	double smax;          /* s_max = ‖A‖₂ */
	double normF;         /* ‖A‖_F */
	double henrici;       /* departure from normality sqrt(‖A‖_F² − Σ|λ_i|²) */
	/* powers t = 1…T (index t−1); T = 0: none computed */
	size_t T;
	double *log10_norm_power;   /* log10 ‖Aᵗ‖₂ */
	double *log10_radius_power; /* t·log10 ρ */
	double *log10_smax_power;   /* t·log10 s_max */
} bt_spectrum_result;

/* For an n×n matrix, with T powers (T = 0 for none). */
int bt_spectrum_alloc(bt_spectrum_result **out, size_t n, size_t T);
void bt_spectrum_free(bt_spectrum_result *res);

/* Singular values (SVD), eigenvalues (real Schur form), ρ, s_max, ‖A‖_F and
 * Henrici's departure from normality of A (res->n × res->n); then, if
 * res->T > 0, log10 ‖Aᵗ‖₂ for t = 1…T from the renormalised product
 * (finite however far Aᵗ under- or overflows; −inf only when Aᵗ is exactly
 * zero). The departure is computed from the Schur form T = Zᵀ A Z as the
 * norm of its part outside the diagonal blocks, a sum of non-negative
 * terms, so it is ~ε‖A‖ (not √ε‖A‖) for a normal A. BT_ENUMERIC for a
 * non-finite A or a decomposition that does not converge. */
int bt_spectrum_matrix(const gsl_matrix *A, bt_spectrum_result *res);

/* Whether the architecture has one recurrent matrix W that the
 * initialisation may shape (rnn, linear, residual, attention): it has a
 * recurrent() and its norm is not fixed by construction. */
int bt_cell_single_w(const bt_cell_type *type);

/* The matrix the spectrum instrument looks at, allocated into *A: with
 * step = 0, the recurrent matrix W (bt_model_recurrent; the Cayley W of
 * the orthogonal RNN) when the architecture has one; otherwise the step
 * Jacobian J_t = ∂s_t/∂s_{t−1} (state_size × state_size) after a forward
 * pass over data, at t = step, or t = T when step is 0. *is_w says which
 * (may be NULL). data may be NULL when the matrix is W. */
int bt_spectrum_source(const bt_model *model, const bt_data *data, size_t step,
		       gsl_matrix **A, int *is_w);
/* The bytes bt_spectrum_source and bt_spectrum_matrix (with T powers of
 * a state_size × state_size matrix) hold besides the model and the data. */
double bt_spectrum_size(const bt_cell_type *type, bt_dims dims, size_t T);

/* Generators with a prescribed spectrum. The n eigenvalues (re, im) are
 * real ones and conjugate pairs, a pair on consecutive indices, positive
 * imaginary part first. B is block diagonal in that order: 1×1 blocks λ
 * and 2×2 blocks r(cos θ, −sin θ; sin θ, cos θ) for λ = r e^{±iθ}.
 *     W = Q (B + c N) Qᵀ
 * with Q Haar orthogonal from the seed and N all ones strictly above the
 * diagonal blocks (zero elsewhere), so W has exactly B's eigenvalues for
 * every c; c = 0 gives a normal W, c > 0 a non-normal one whose departure
 * from normality is c·sqrt(number of ones in N). BT_EINVAL when the
 * eigenvalues are not real or in conjugate pairs, or c is negative or not
 * finite. */
int bt_matrix_with_eigenvalues(gsl_matrix *W, const double *re,
			       const double *im, double c, unsigned long seed);
/* ---- Lyapunov exponents (lyapunov.c) ------------------------------------- */
/* The leading k Lyapunov exponents of the driven state dynamics
 * s_t = F(s_{t-1}, x_t) along the trajectory from s_0 = 0 over the data's
 * inputs, by Benettin's method: k orthonormal tangent vectors Q (S×k) are
 * carried by Q ← J_t Q and re-orthonormalised at every step (J_t Q = Q'R,
 * Gram–Schmidt applied twice, R_ii > 0); after a burn-in of B steps,
 *     λ_i = (1/N) Σ_{t=B+1}^{T} ln R_ii(t),   N = T − B,
 * natural logarithms per step. The N steps are cut into K consecutive
 * blocks (sizes differing by at most one); the standard error is the
 * standard deviation of the K block means over sqrt(K). */
typedef struct {
	size_t count;        /* k, 1…S; 0 (the default): min(S, 10) */
	long burn_in;        /* B, 0…T−1; negative (the default): min(T/10, 1000) */
	size_t blocks;       /* K, 2…T−B; 0 (the default): 10 */
	unsigned long seed;  /* the random initial tangent vectors; default 1 */
} bt_lyapunov_options;
/* Fills opt with the defaults documented above. */
void bt_lyapunov_options_default(bt_lyapunov_options *opt);

typedef struct {
	size_t k, K;            /* exponents, blocks */
	size_t T, burn_in, steps;  /* steps N = T − burn_in */
	size_t S;               /* the state size */
	unsigned long seed;
	/* index i−1 for i = 1…k, sorted so that exponent[0] is the largest: */
	double *exponent;       /* λ_i, natural log per step */
	double *std_error;      /* sd of the block means / sqrt(K) */
	double *block_mean;     /* k×K, row i−1 the block means of λ_i */
} bt_lyapunov_result;

/* Resolves the options' defaults for a model and a length T and allocates
 * a result for them. BT_EINVAL when an option is out of range (count > S,
 * burn_in ≥ T, blocks < 2 or more than T − burn_in) or T is 0. */
int bt_lyapunov_alloc(bt_lyapunov_result **out, const bt_model *model,
		      size_t T, const bt_lyapunov_options *opt);
void bt_lyapunov_free(bt_lyapunov_result *res);
/* Runs the model over the data's inputs (T = data->T, the length res was
 * allocated for) and fills res. Streams: O(S·k + S²) memory whatever T is;
 * time per step one step Jacobian, one S×S×k product and a thin QR. The
 * exponents are finite unless a product J_t Q loses a dimension exactly
 * (then −inf); BT_ENUMERIC if a Jacobian or a tangent vector is not finite. */
int bt_lyapunov(const bt_model *model, const bt_data *data,
		bt_lyapunov_result *res);
/* The bytes bt_lyapunov_alloc and bt_lyapunov hold besides the model and
 * the data (streamed: independent of T). */
double bt_lyapunov_size(const bt_cell_type *type, bt_dims dims);

/* ---- chunked truncated BPTT (tbptt_chunked.c) ------------------------------ */
/* After bt_seq_forward: adds the chunked truncated gradient into grad and
 * dX. The sequence is cut into chunks [1..k], [k+1..2k], …; the state is
 * carried forward across chunks, gradients are cut at chunk boundaries: the
 * loss term ℓ_t of the chunk starting at step c flows back through
 * s_t … s_c only (s_{c-1} is a constant). Not the spec's sliding window
 * (which gives every term k steps); the two agree for k = 1, and k ≥ T is
 * full BPTT. An extra readout's direct paths to x_1 … x_t (attention) are
 * never cut. bt_seq_dstate afterwards gives, at s_t, the sum of the
 * gradients of the terms whose chunk holds s_t. O(T·step). */
int bt_seq_backward_chunked(bt_seq *seq, const bt_model *model,
			    const bt_data *data, size_t k, double *grad,
			    double *dX);
/* Convenience, like bt_gradient: zeroes grad and dX, forward, chunked
 * backward with chunks of k ≥ 1 steps; BT_ENUMERIC on a non-finite value. */
int bt_gradient_chunked(const bt_model *model, const bt_data *data, size_t k,
			double *loss, double *grad, double *dX);

/* ---- batched BPTT (batch.c) ------------------------------------------------ */
/* B sequences at once, full BPTT. The result is the sum of the B
 * single-sequence results: *loss = Σ_b L_b, grad = Σ_b ∂L_b/∂θ and, for each
 * b with dX and dX[b] not NULL, dX[b] = ∂L_b/∂X_b (T_b×d). Sequences of one
 * length T step together: the recurrent architectures keep the B states as
 * an n×B matrix and use matrix–matrix products (BLAS-3); an architecture
 * without batched kernels, or sequences of unequal lengths, are done one
 * sequence at a time (same result). */
typedef struct bt_batch bt_batch;
/* A workspace for up to B sequences of length up to T_max. */
int bt_batch_alloc(bt_batch **out, const bt_model *model, size_t B,
		   size_t T_max);
void bt_batch_free(bt_batch *ws);
/* The bytes bt_batch_alloc takes (its per-sequence workspace included), as
 * bt_seq_size. */
double bt_batch_size(const bt_cell_type *type, bt_dims dims, size_t B,
		     size_t T_max);
/* Zeroes grad and the dX[b] given, then forward and backward over
 * data[0 … B−1]. BT_EINVAL on B = 0, B or a length over the workspace's,
 * data that do not fit the model; BT_ENUMERIC on a non-finite loss or
 * gradient; BT_ECANCELED when cancelled. */
int bt_batch_gradient(bt_batch *ws, const bt_model *model,
		      const bt_data *const *data, size_t B, double *loss,
		      double *grad, double *const *dX);
/* Convenience: allocates the workspace for this call. */
int bt_gradient_batch(const bt_model *model, const bt_data *const *data,
		      size_t B, double *loss, double *grad, double *const *dX);

/* ---- norms and gradient clipping (clip.c) ------------------------------------ */
/* Euclidean norm ‖v‖ of N values, computed as s·‖v/s‖ with s = max|v_i|,
 * so it neither overflows nor underflows where the result is a double. */
double bt_vector_norm(const double *v, size_t N);
/* cos(u, v) = uᵀv / (‖u‖‖v‖), scaled the same way, clamped to [−1, 1];
 * exactly 1 for u = v; NaN when u or v is zero or not finite. */
double bt_vector_cosine(const double *u, const double *v, size_t N);

typedef struct {
	double threshold;    /* c */
	double norm_before;  /* ‖g‖ */
	double norm_after;   /* ‖g̃‖ */
	double cosine;       /* cos(g, g̃): 1 for norm clipping (up to rounding,
				exactly 1 when nothing was clipped); NaN for g = 0 */
	size_t changed;      /* entries with g̃_i ≠ g_i */
} bt_clip_result;

/* Global-norm clipping, the spec's g̃ = min(1, c/‖g‖)·g over all N values
 * at once, computed as g̃_i = (g_i/‖g‖)·c when ‖g‖ > c. When ‖g‖ ≤ c, g̃ is
 * g bit for bit. c > 0 and finite (BT_EINVAL otherwise); a non-finite g_i
 * or a ‖g‖ beyond the largest double gives BT_ENUMERIC. out may be g. */
int bt_clip_norm(const double *g, size_t N, double c, double *out,
		 bt_clip_result *res);
/* Value clipping, g̃_i = min(c, max(−c, g_i)) element-wise. Same rules. */
int bt_clip_value(const double *g, size_t N, double c, double *out,
		  bt_clip_result *res);

/* ---- gradient estimators for training (estimate.c) -------------------------- */
/* What a training step computes from one sequence, the parameters fixed
 * during the call:
 *   BT_EST_FULL    full BPTT (bt_seq_backward; minibatches go through
 *                  bt_batch_gradient);
 *   BT_EST_WINDOW  the spec's sliding window k (bt_seq_backward_truncated);
 *   BT_EST_TBPTT   Williams & Peng's TBPTT(k1, k2): segments of k1 steps; at
 *                  the end t of each segment its loss terms are
 *                  backpropagated through s_t … s_{t−k2+1} only (summed
 *                  over segments). With k2 < k1 a term of the segment older
 *                  than the window (at u ≤ t − k2) keeps only its readout's
 *                  gradient (V, b_y; attention's direct paths): its state
 *                  is a constant. k1 = 1, k2 = k is the sliding window;
 *                  k1 = k2 ≥ T is full BPTT;
 *   BT_EST_ARTBP   Tallec & Ollivier's randomized truncation: every step
 *                  boundary of the backward pass is cut with probability c,
 *                  independently (mean truncation length 1/c); where it is
 *                  not cut the gradient flowing further back is divided by
 *                  1 − c, which makes E[ĝ] = ∂L/∂θ exactly. unweighted = 1
 *                  drops the division: plain random truncation, biased (for
 *                  comparison). c = 0 is full BPTT. */
enum { BT_EST_FULL = 0, BT_EST_WINDOW, BT_EST_TBPTT, BT_EST_ARTBP };
typedef struct {
	int kind;         /* BT_EST_* (default FULL: all zero) */
	size_t k;         /* WINDOW: k ≥ 1 */
	size_t k1, k2;    /* TBPTT: both ≥ 1, k1 ≠ k2 allowed */
	double c;         /* ARTBP: 0 ≤ c < 1 */
	int unweighted;   /* ARTBP: no 1/(1 − c) (biased) */
} bt_estimator;
/* BT_OK when the estimator's fields are in range, BT_EINVAL otherwise. */
int bt_estimator_check(const bt_estimator *est);

/* After bt_seq_forward: add TBPTT(k1, k2)'s gradient into grad and dX (either
 * may be NULL). bt_seq_dstate afterwards gives at s_t the sum over segments
 * of the gradient that reached it. O((T/k1)·k2·step). */
int bt_seq_backward_tbptt(bt_seq *seq, const bt_model *model,
			  const bt_data *data, size_t k1, size_t k2,
			  double *grad, double *dX);
/* After bt_seq_forward: add ARTBP's estimate into grad and dX. One uniform
 * draw from rng per step boundary, t = T … 1 in this order (whatever c), so
 * the same rng state gives the same cuts. reweight: divide by 1 − c where
 * not cut (unbiased) or not (biased). */
int bt_seq_backward_artbp(bt_seq *seq, const bt_model *model,
			  const bt_data *data, double c, int reweight,
			  gsl_rng *rng, double *grad, double *dX);
/* After bt_seq_forward: the estimator's backward pass (rng: ARTBP only). */
int bt_seq_backward_estimate(bt_seq *seq, const bt_model *model,
			     const bt_data *data, const bt_estimator *est,
			     gsl_rng *rng, double *grad, double *dX);
/* Convenience, like bt_gradient: zeroes grad and dX, forward, the
 * estimator's backward pass; ARTBP's cuts from an MT19937 seeded with seed.
 * BT_ENUMERIC on a non-finite loss or gradient. */
int bt_gradient_estimate(const bt_model *model, const bt_data *data,
			 const bt_estimator *est, unsigned long seed,
			 double *loss, double *grad, double *dX);

/* ---- optimizers (train.c) ----------------------------------------------------- */
/* A type record (as GSL's minimizers) and a state. A step takes the
 * parameters θ and a gradient g (N values each) and updates θ in place;
 * t counts the steps from 1:
 *   sgd    v ← μ v + g,  θ ← θ − η v                 (classical momentum; μ = 0
 *                                                      is plain SGD, v_0 = 0)
 *          Nesterov: v ← μ v + g,  θ ← θ − η (g + μ v)
 *   adam   m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²  (m_0 = v_0 = 0)
 *          θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
 *          (Kingma & Ba 2015, with bias correction). */
typedef struct bt_optimizer_type bt_optimizer_type;
extern const bt_optimizer_type *const bt_optimizer_sgd;
extern const bt_optimizer_type *const bt_optimizer_adam;
/* "sgd", "adam" → the record; NULL if unknown. */
const bt_optimizer_type *bt_optimizer_lookup(const char *name);
const char *bt_optimizer_name(const bt_optimizer_type *type);

typedef struct {
	double lr;        /* η > 0: default 0.01 (sgd), 1e-3 (adam) */
	double momentum;  /* sgd: μ, 0 ≤ μ < 1; default 0 */
	int nesterov;     /* sgd: Nesterov's form; default 0 */
	double beta1;     /* adam: β₁ in [0, 1), default 0.9 */
	double beta2;     /* adam: β₂ in [0, 1), default 0.999 */
	double eps;       /* adam: ε > 0, default 1e-8 */
} bt_optimizer_options;
/* The defaults above for this type (sgd's when type is NULL). */
void bt_optimizer_options_default(bt_optimizer_options *opt,
				  const bt_optimizer_type *type);

typedef struct bt_optimizer bt_optimizer;
/* A state for N parameters (zero moments, t = 0), options copied.
 * BT_EINVAL on N = 0 or options out of range. */
int bt_optimizer_alloc(bt_optimizer **out, const bt_optimizer_type *type,
		       size_t N, const bt_optimizer_options *opt);
void bt_optimizer_free(bt_optimizer *opt);
/* One step: θ updated in place from g. BT_EINVAL on NULL arguments,
 * BT_ENUMERIC when g is not finite (θ is then untouched). */
int bt_optimizer_step(bt_optimizer *opt, double *theta, const double *g);
/* Back to zero moments and t = 0. */
void bt_optimizer_reset(bt_optimizer *opt);

/* ---- a penalty on the recurrent matrix (penalty.c) --------------------------- */
/* The soft orthogonality penalty on the block W (n×n: rnn, linear,
 * residual, attention),
 *     P(W) = λ ‖WᵀW − I‖²_F,   ∂P/∂W = 4λ W (WᵀW − I),
 * zero exactly when W is orthogonal. It pulls every singular value of W
 * towards 1, and so the step Jacobians diag(φ'(a_t)) W towards norm at
 * most L_φ without vanishing through W. Adds ∂P/∂θ (zero outside W) into
 * grad (the model's layout; NULL: none) and puts P into *value (may be
 * NULL). BT_EINVAL for λ < 0 or not finite, or a model without a square
 * block W; BT_ENUMERIC when P is not finite. */
int bt_penalty_orthogonal(const bt_model *model, double lambda, double *grad,
			  double *value);

/* ---- training (train.c) ------------------------------------------------------- */
/* bt_train: minibatch training of a model in place. Each step:
 *   1. a fresh minibatch of B sequences from the task generator, sequence
 *      b of step s from a seed mixed from (seed, s, b), so that a run
 *      repeats bit for bit (or, with a fixed data set, B sequences taken
 *      in turn from it);
 *   2. g = (1/B) Σ_b ĝ_b, the estimator's gradient of each sequence at the
 *      same parameters (full BPTT through bt_batch_gradient);
 *   3. ‖g‖ recorded, then clipping (bt_clip_norm or bt_clip_value);
 *   4. one optimizer step.
 * So an update is once per minibatch, for every estimator: TBPTT(k1, k2)
 * sums its segments' gradients over the whole sequence at fixed parameters
 * and the state is carried across segments within the forward pass (not
 * Williams & Peng's online form, which would update after every segment).
 * Evaluation: the held-out MSE, ‖ŷ − y‖² per counted step (μ = 1) over a
 * fixed set of eval_size sequences generated once from seeds disjoint
 * from the training ones (with a fixed data set: over that set itself). */
enum { BT_CLIP_NONE = 0, BT_CLIP_NORM, BT_CLIP_VALUE };

typedef struct {
	size_t step;         /* 1 … steps */
	size_t examples;     /* sequences used so far */
	double loss;         /* minibatch: mean loss per sequence */
	double mse;          /* minibatch: ‖ŷ − y‖² per counted step (with the
				cross-entropy loss: the loss per counted step,
				in nats; eval_mse and target_mse likewise) */
	double grad_norm;    /* ‖g‖ before clipping */
	int clipped;         /* clipping changed g */
	double eval_mse;     /* held-out MSE after this step's update, NaN when
				not evaluated at this step */
} bt_train_report;
/* Called after every step; a non-zero return stops training (BT_ECANCELED). */
typedef int (*bt_train_fn)(void *ctx, const bt_train_report *r);

typedef struct {
	bt_task_options task;        /* the minibatches' task (its seed is
					ignored: seeds come from `seed`) */
	const bt_data *const *data;  /* or a fixed data set of ndata sequences
					(NULL: the task) */
	size_t ndata;
	size_t batch;                /* B ≥ 1, default 32 */
	size_t steps;                /* default 1000 */
	const bt_optimizer_type *optimizer;   /* default adam */
	bt_optimizer_options opt;    /* default: adam's */
	int clip;                    /* BT_CLIP_*, default none */
	double clip_threshold;       /* c > 0 */
	bt_estimator estimator;      /* default full BPTT */
	unsigned long seed;          /* minibatches, held-out set, ARTBP cuts;
					default 1 */
	size_t eval_every;           /* evaluate every N steps and after the
					last; 0 (default): after the last only */
	size_t eval_size;            /* held-out sequences, default 256 */
	double target_mse;           /* > 0: stop after an evaluation below it;
					0 (default): never */
	double orthogonality;        /* λ > 0: add the gradient of the penalty
					λ‖WᵀW − I‖²_F (bt_penalty_orthogonal)
					to every step's gradient, before
					clipping; 0 (default): none */
	bt_train_fn callback;        /* may be NULL */
	void *ctx;
} bt_train_options;
void bt_train_options_default(bt_train_options *opt);

typedef struct {
	size_t steps;          /* completed steps (the model is after these) */
	size_t examples;
	double eval_mse;       /* the last held-out MSE, NaN if none */
	size_t eval_step;      /* the step it was measured after */
	int reached_target;    /* stopped because eval_mse < target_mse */
	double baseline_mse;   /* the task's memoryless baseline (bt_task_info),
				  in the units of eval_mse (baseline_ce with
				  the cross-entropy loss); NaN with a fixed
				  data set */
} bt_train_result;

/* Trains model in place. BT_EINVAL on options out of range or data that do
 * not fit; BT_ENUMERIC on a non-finite loss or gradient (the model is
 * after the last good step); BT_ECANCELED when bt_cancel_requested() (polled
 * between steps and inside them) or the callback stops it: the model is
 * then complete and usable, after res->steps steps. res may be NULL. */
int bt_train(bt_model *model, const bt_train_options *opt,
	     bt_train_result *res);
/* The bytes bt_train holds besides the model for minibatches of B
 * sequences of length T: their data, the workspaces, the gradients and the
 * optimiser's moments; not the held-out set (eval_size data sets of
 * bt_data_size each). */
double bt_train_size(const bt_cell_type *type, bt_dims dims, size_t T, size_t B);

/* ---- bias of truncated gradients (bias.c) ------------------------------------ */
/* The spec's scalar reference: h_t = a h_{t-1} + b x_t, x_t i.i.d. N(0, s²),
 * ℓ_t = ½ h_t², stationary h. The expected per-step gradient with respect
 * to a under the sliding-window truncation k differs from the full one by
 * bias(k) = − a^{2k+1} b² s² / (1 − a²)². */
double bt_bias_scalar_closed(double a, double b, double s, size_t k);

/* A burn-in long enough for the closed form to hold to about 1e-12 of
 * itself: the counted terms then have h stationary and a history of more
 * than k + log(1e-12)/(2 log|a|) steps. */
size_t bt_bias_scalar_burn_in(double a, size_t k);

typedef struct {
	double closed_form;   /* bt_bias_scalar_closed(a, b, s, k) */
	double monte_carlo;   /* mean over the sequences of (g_k − g_full)/T */
	double std_error;     /* its standard error (sample sd / √sequences) */
	size_t sequences;     /* how many sequences the mean is over */
} bt_bias_scalar_result;

/* Monte-Carlo estimate of bias(k) with the library's own gradients: the
 * linear architecture with d = n = m = 1, W = a, U = b, b = 0, V = 1,
 * b_y = 0, targets 0 (so ℓ_t = ½ h_t²), sequences of burn + T steps with
 * x_t ~ N(0, s²) (GSL MT19937 seeded with seed, Ziggurat Gaussians), the
 * first burn loss terms masked out. Per sequence: (∂L_k/∂W − ∂L/∂W)/T, the
 * sliding-window truncated minus the full gradient, per counted step. The
 * same seed gives the same sequences for every a and k. BT_EINVAL unless
 * |a| < 1, b and s finite, s ≥ 0, k ≥ 1, T ≥ 1, sequences ≥ 2. */
int bt_bias_scalar(double a, double b, double s, size_t k, size_t T,
		   size_t burn, size_t sequences, unsigned long seed,
		   bt_bias_scalar_result *res);

/* How far truncated gradients are from the full one, for any model. */
enum { BT_TRUNC_SLIDING = 0, BT_TRUNC_CHUNKED = 1, BT_TRUNC_METHODS = 2 };

typedef struct {
	size_t nk;       /* truncation lengths */
	size_t ndata;    /* data sets */
	size_t *k;       /* the nk lengths, k ≥ 1 */
	/* per method (BT_TRUNC_*), index j·ndata + i for k[j] and data set i:
	 * ‖g_k − g_full‖/‖g_full‖ and cos(g_k, g_full), g over all parameters
	 * (not ∂L/∂x); NaN where g_full = 0 */
	double *rel[BT_TRUNC_METHODS];
	double *cos[BT_TRUNC_METHODS];
	/* per method, index j: mean over the data sets and its standard error
	 * (sample sd / √ndata; NaN for one data set) */
	double *rel_mean[BT_TRUNC_METHODS], *rel_se[BT_TRUNC_METHODS];
	double *cos_mean[BT_TRUNC_METHODS], *cos_se[BT_TRUNC_METHODS];
} bt_bias_result;

/* For the nk lengths k (copied) and ndata data sets; BT_EINVAL on nk or
 * ndata of 0 or a k of 0. */
int bt_bias_alloc(bt_bias_result **out, const size_t *k, size_t nk,
		  size_t ndata);
void bt_bias_free(bt_bias_result *res);

/* Fills res: for every data set, the full gradient, then for every k the
 * sliding-window (bt_gradient) and chunked (bt_gradient_chunked) truncated
 * gradients, compared with it. data holds res->ndata data sets that fit
 * the model. BT_ENUMERIC if a gradient is not finite. */
int bt_bias_model(const bt_model *model, const bt_data *const *data,
		  bt_bias_result *res);
/* The bytes bt_bias_model holds besides the model and the data sets:
 * one workspace and three gradients at a time. */
double bt_bias_size(const bt_cell_type *type, bt_dims dims, size_t T);

/* ---- gradient flow over time and lags (flow.c) ----------------------------- */
/* With δ^{(j)}_t = ∂ℓ_t/∂s_{t−j} (the loss term at t, j steps back through
 * the recurrence), everything below is a log10 norm of a sum of these, kept
 * finite by renormalisation (exactly zero gives −inf). The state is h_t, or
 * [h_t; c_t] for the LSTM; the _dc arrays (the part of the state after h)
 * exist only when state_size > n, and are NULL otherwise. */
typedef struct {
	size_t T, S, n, nblocks;
	size_t k;          /* the truncation of the _trunc arrays (T: none) */
	size_t term;       /* t*, the loss term of the lag profile */
	/* per step, index t−1, t = 1…T: δh_t = ∂L/∂h_t by full BPTT, and the
	 * truncated one (the sum over the terms whose window holds s_t) */
	double *log10_dh, *log10_dh_trunc, *log10_dc, *log10_dc_trunc;
	/* lag profile of ℓ_{t*}, index τ = 0…T−1 (−inf for τ ≥ t*):
	 * ‖∂ℓ_{t*}/∂h_{t*−τ}‖ full and truncated (zero for τ ≥ k), and
	 * ‖∂ℓ_{t*}/∂x_{t*−τ}‖: total, truncated, its recurrent part (through
	 * the states) and its direct part (attention's scores and context;
	 * −inf for architectures without one), which truncation keeps */
	double *lag_dh, *lag_dh_trunc, *lag_dc, *lag_dc_trunc;
	double *lag_dx, *lag_dx_trunc, *lag_dx_rec, *lag_dx_direct;
	/* the lag-τ part of ∂L/∂θ, Σ_t (step t−τ's parameter gradient given
	 * δ^{(τ)}_t) = g_{k=τ+1} − g_{k=τ} with g_k the truncated gradient
	 * (g_0 = 0): its norm over all parameters, index τ = 0…T−1, and per
	 * block, index τ·nblocks + b. The readout's parameters (V, b_y, and
	 * attention's W_a, V_c) are lag 0 only. The buckets sum to ∂L/∂θ. */
	double *lag_grad, *lag_grad_block;
	/* optional: NULL (as bt_flow_alloc leaves it), or T·nparams doubles
	 * that the caller provides, to be filled with the lag-τ parts of ∂L/∂θ
	 * themselves, row τ (as doubles: far lags may underflow to 0 or
	 * overflow) */
	double *buckets;
} bt_flow_result;

/* A result for this model and length, owned by the caller (bt_flow_free;
 * NULL is fine). BT_EINVAL on bad sizes, BT_ENOMEM. */
int bt_flow_alloc(bt_flow_result **out, const bt_model *model, size_t T);
void bt_flow_free(bt_flow_result *res);
/* Runs the model over the data and fills res (allocated for this model and
 * the data's length). k: the truncation to set beside full BPTT (0 or
 * k ≥ T: none); term: t* for the lag profile, 1…T, or 0 for the last step
 * whose loss counts (T without a mask; 1 when none counts). O(T²·step) time, O(T·state)
 * memory. */
int bt_flow_lags(const bt_model *model, const bt_data *data, size_t k,
		 size_t term, bt_flow_result *res);
/* The bytes bt_flow_alloc and bt_flow_lags hold besides the model and the
 * data. */
double bt_flow_lags_size(const bt_cell_type *type, bt_dims dims, size_t T);

/* ---- the unrolled graph as Graphviz DOT (graph.c) ------------------------- */
/* What bt_graph_write draws besides the architecture's step: the length,
 * a truncation, and optionally the measured gradient at each state. */
typedef struct {
	size_t T;                /* steps drawn, 1 … BT_GRAPH_MAX_T */
	size_t k;                /* the sliding window of k states (0 or k ≥ T:
				    none): the windows of ℓ_T, ℓ_{T−k}, … are
				    boxed, the edge before each one dashed */
	const double *log10_dh;  /* optional, T values (index t−1): log10‖∂L/∂h_t‖,
				    −inf for exactly zero (bt_flow_result) */
	const double *log10_dc;  /* optional, T values: the rest of the state
				    (the LSTM's c_t); only with log10_dh */
	const double *mask;      /* optional, T values: 0 where ℓ_t does not count */
} bt_graph_options;
#define BT_GRAPH_MAX_T 200

/* Writes the unrolled computational graph of the model's architecture over
 * opt->T steps as a Graphviz digraph: nodes x_t, the state's nodes (h_t,
 * the LSTM's c_t, the GRU's candidate h̃_t), ŷ_t and ℓ_t; edges labelled
 * with the parameters they carry (W, U, V, …; attention's direct edges
 * x_k → ŷ_t). With log10_dh, each state node is shaded and each recurrent
 * edge into it drawn wider by its gradient norm, on a log scale from the
 * smallest to the largest. BT_EINVAL on a bad T, BT_EIO when f fails. */
int bt_graph_write(FILE *f, const bt_model *model, const bt_graph_options *opt);

/* ---- text files (textio.c) ------------------------------------------------------ */
/* Readers: strict; on failure they return BT_EFORMAT or BT_EIO and fill err
 * with the file name, the physical line and a message. */
int bt_model_read(bt_model **out, const char *path, bt_error *err);
int bt_data_read(bt_data **out, const char *path, bt_error *err);
/* A gradient file: the model it belongs to (theta holds the gradient), the
 * loss, and ∂L/∂X (T×d, allocated; *T_out its length). */
int bt_grad_read(bt_model **grad, double *loss, double **dX, size_t *T_out,
		 const char *path, bt_error *err);

/* Writers onto a stream (exact: %.17g). */
int bt_model_write(FILE *f, const bt_model *model);
int bt_data_write(FILE *f, const bt_data *data);
int bt_grad_write(FILE *f, const bt_model *model, double loss,
		  const double *grad, const double *dX, size_t T);

/* Atomic output (atomic.c): writes through fn into a temporary file beside
 * path and renames it over path only when everything was written; an
 * existing file keeps its old content otherwise. path "-" or NULL writes
 * to stdout; /dev/stdout, /dev/fd/N and /proc/self/fd/N to the descriptor
 * as it is open; an existing file that is not a regular one (a FIFO, a
 * terminal, /dev/null) is written in place; a symbolic link is followed
 * and the file it ends at replaced. A replaced file keeps its mode; a
 * read-only one is refused unless bt_outputs_force is on; the data are
 * synced before the rename. */
typedef int (*bt_write_fn)(FILE *f, const void *ctx);
int bt_write_atomic(const char *path, bt_write_fn fn, const void *ctx,
		    bt_error *err);
/* Several outputs (at most 4) written together: every one is written to
 * its temporary file first, and they are renamed into place only when all
 * are complete; on any failure none is. */
typedef struct {
	const char *path;
	bt_write_fn fn;
	const void *ctx;
} bt_output;
int bt_write_atomic_all(const bt_output *outs, size_t n, bt_error *err);
/* Before any work: whether each of the n paths (at most 4; NULL or "-"
 * is standard output) can be written as bt_write_atomic would: an
 * existing directory to write in, not a directory, not read-only, and no
 * two naming the same file. BT_OK, or BT_EIO with err naming the path. */
int bt_outputs_check(const char *const *paths, size_t n, bt_error *err);
/* Process-wide, off at the start: on, a read-only existing regular file
 * is replaced like any other (its mode kept), as `cp -f` does; a directory,
 * a file that cannot be written in place and a directory that cannot be
 * written in are still refused. */
void bt_outputs_force(int on);
/* Async-signal-safe: removes the temporary file of a bt_write_atomic in
 * progress, for a signal handler that is about to end the program (the
 * file being replaced is untouched). The writers above stop with
 * BT_ECANCELED between rows when cancelling is asked for. */
void bt_write_atomic_abort(void);

/* ---- resources: a memory limit, cancelling, progress (resource.c) -------- */
/* A limit on the memory one request may take, in bytes; 0 (the default)
 * means none. The readers refuse a file whose declared sizes alone exceed
 * it (BT_EFORMAT, naming the line), and the _size function beside each
 * computation's allocator says what it will take, so that a program can
 * refuse a request before it allocates instead of being killed half-way. */
void bt_set_memory_limit(double bytes);
double bt_memory_limit(void);
/* "512 B", "3.2 KiB", "7.5 GiB", … (binary units) into buf. */
void bt_format_bytes(double bytes, char *buf, size_t size);
/* The memory available now: MemAvailable of /proc/meminfo, else the
 * available physical pages (sysconf); 0 when neither is known. */
double bt_memory_available(void);

/* What a computation needs besides the buffers its _size function counts
 * (small vectors, the random number generators' state, the allocator's
 * bookkeeping): a program adding up _size functions adds this once. */
#define BT_MEMORY_SLACK 65536.0

/* Cancelling: bt_cancel_request() (async-signal-safe: a signal handler may
 * call it) makes every long loop of the library stop at its next poll and
 * return BT_ECANCELED, until bt_cancel_reset(). The loops that poll: the
 * forward and backward passes (each step), the truncated and chunked
 * backward passes, the checker (each finite difference), bt_flow_lags,
 * bt_jacobian_lags (each lag), ‖Wᵗ‖ in bt_spectrum_matrix, bt_lyapunov
 * (each step), bt_bias_scalar (each sequence), bt_bias_model (each
 * gradient), the readers (each line) and bt_write_atomic (before it
 * renames). */
void bt_cancel_request(void);
void bt_cancel_reset(void);
int bt_cancel_requested(void);

/* Progress: the hook (NULL: none) is called at every poll of the outermost
 * long loop running (a loop inside another one does not report) with what
 * it counts ("steps of the forward pass", "lags", "sequences", …), how many
 * of them are done and how many there are. A non-zero return cancels, as
 * bt_cancel_request does. Process-wide; the nesting is per thread. */
typedef int (*bt_progress_fn)(void *ctx, const char *what, size_t done,
			      size_t total);
void bt_set_progress(bt_progress_fn fn, void *ctx);

/* ---- numeric faults (fault.c) ---------------------------------------------- */
/* Where a non-finite value first appears when the model runs over the
 * data: the forward pass step by step (at each step the state s_t, then
 * the output ŷ_t, the loss term ℓ_t and the running loss), then, if all of
 * that is finite, the backward pass in its own order (full BPTT from t = T
 * down to 1, or with truncate = k ≥ 1 the spec's sliding windows term by
 * term): at each step δs_t = ∂L/∂s_t, the gradient blocks, ∂L/∂x_t. */
enum { BT_FAULT_NONE = 0, BT_FAULT_FORWARD, BT_FAULT_BACKWARD };
typedef struct {
	int pass;            /* BT_FAULT_NONE: every value finite */
	size_t step;         /* t, 1…T, where it appeared */
	size_t term;         /* truncated backward: the loss term whose window
				was running (0 otherwise) */
	char quantity[48];   /* "state h_t", "cell state c_t", "output yhat_t",
				"loss term l_t", "loss L", "gradient dL/dh_t",
				"gradient dL/dc_t", "gradient of block W",
				"gradient dL/dx_t" */
	size_t index;        /* the first non-finite entry, from 1 (a block:
				row-major) */
	size_t count;        /* of how many */
	double value;        /* its value: inf, -inf or NaN */
	char block[16];      /* the parameter block: backward, the gradient's
				block; forward, the one block without which
				(set to zero) the step's state or output is
				finite; "" when none is */
} bt_fault;

/* Runs the model over the data once more and fills f (BT_OK whether or not
 * something was found; f->pass says). For a program that got BT_ENUMERIC
 * and wants to say where. */
int bt_fault_locate(const bt_model *model, const bt_data *data,
		    size_t truncate, bt_fault *f);

#ifdef __cplusplus
}
#endif
#endif /* BT_H */
