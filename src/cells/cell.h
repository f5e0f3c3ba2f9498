/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cell.h — the architecture interface: one const record per architecture.
 *
 * A record says how big the state and the per-step cache are, lays out the
 * architecture's parameter blocks, and gives one step forward, the matching
 * step backward and the step Jacobian. The sequence code (seq.c, tbptt.c),
 * the checker and every instrument work through the record only; adding an
 * architecture is one new file and one line in registry.c.
 *
 * The readout ŷ_t = V h_t + b_y is not part of the cell: the model appends
 * the blocks V (m×n) and b_y (m×1) after the cell's blocks, and h_t is the
 * first n entries of the state s_t.
 */
#ifndef BT_CELL_H
#define BT_CELL_H

#include <math.h>
#include "bt.h"
#include "base/kernels.h"

/* What a step sees besides its inputs: the model, the quantities that
 * prepare derived from θ (e.g. the Cayley W of the orthogonal RNN), the
 * gradient with respect to them (added by backward, folded into ∂L/∂θ by
 * finish), and scratch space. */
typedef struct {
	const bt_model *model;
	const double *aux;   /* aux_size doubles, or NULL */
	double *daux;        /* aux_size doubles, or NULL */
	double *scratch;     /* scratch_size doubles */
} bt_step;

typedef struct bt_batch_step bt_batch_step;   /* below */

/* How bptt graph draws one step of an architecture (graph.c): the nodes
 * of the step besides x_t, ŷ_t and ℓ_t, the edges into them, and the
 * step's equations. Labels are Graphviz HTML text; an id is a DOT
 * identifier to which the step's number is appended (not "x", "y", "l"). */
typedef struct {
	const char *id;      /* "h", "c", "cand" */
	const char *label;   /* "<i>h</i>"; the step's number is a subscript */
	int part;            /* the n-long slice of s_t it is (0: h_t, 1: the
				LSTM's c_t; each a row of its own), or -1: an
				intermediate value, drawn in h_t's row between
				h_{t-1} and h_t */
} bt_graph_node;
typedef struct {
	const char *from;    /* "x" (x_t) or a node's id */
	int prev;            /* 1: from that node of step t−1 (a recurrent edge) */
	const char *to;      /* a node's id */
	const char *label;   /* "<i>W</i>" */
} bt_graph_edge;
typedef struct {
	size_t nnodes, nedges;
	const bt_graph_node *nodes;   /* nodes[0] is h_t, which ŷ_t reads */
	const bt_graph_edge *edges;
	/* the readout also reads x_1 … x_t directly (attention): the label of
	 * those edges; NULL for none */
	const char *direct;
	/* the readout's equation; NULL for ŷ_t = V h_t + b_y */
	const char *readout;
	/* the step's equations, lines separated by <br/> */
	const char *equations;
} bt_cell_graph;

struct bt_cell_type {
	const char *name;          /* --arch NAME */
	const char *summary;       /* one line for --help */
	int has_activation;        /* takes `activation` (rnn, residual) */
	int fixed_norm;            /* the recurrent matrix's norm is fixed by
				      construction: no --scale or --radius */
	size_t nblocks;            /* the cell's own parameter blocks */

	/* Names and shapes of the cell's blocks (offsets are set by the model). */
	void (*layout)(const bt_dims *dims, bt_block *blocks);
	/* Sizes, in doubles: the state s_t, what forward keeps per step for
	 * backward, temporaries for backward and jacobian, and the derived
	 * quantities (aux; the pointer may be NULL for none). */
	size_t (*state_size)(const bt_dims *dims);
	size_t (*cache_size)(const bt_dims *dims);
	size_t (*scratch_size)(const bt_dims *dims);
	size_t (*aux_size)(const bt_dims *dims);

	/* Fills the cell's blocks (the model fills V and b_y); a status. */
	int (*init)(bt_model *model, gsl_rng *rng, const bt_init_options *opt);

	/* Optional: derive aux from θ before a forward pass (status), and add
	 * ∂L/∂θ from ∂L/∂aux after a backward pass. */
	int (*prepare)(const bt_step *c, double *aux);
	void (*finish)(const bt_step *c, const double *daux, double *grad);

	/* s = F(s_prev, x); keeps in cache what backward and jacobian need. */
	void (*forward)(const bt_step *c, const double *s_prev, const double *x,
			double *s, double *cache);

	/* Given ds = ∂L/∂s_t, adds ∂L/∂s_{t-1} into ds_prev, ∂L/∂x_t into dx
	 * and ∂L/∂θ into grad (the model's flat layout; ∂L/∂aux into c->daux).
	 * ds_prev and dx may be NULL. */
	void (*backward)(const bt_step *c, const double *s_prev, const double *x,
			 const double *s, const double *cache, const double *ds,
			 double *ds_prev, double *dx, double *grad);

	/* J = ∂s_t/∂s_{t-1}, state_size × state_size. */
	void (*jacobian)(const bt_step *c, const double *s_prev, const double *x,
			 const double *s, const double *cache, gsl_matrix *J);

	/* Which upper bound on ‖∂s_T/∂s_{T−τ}‖₂ the Jacobian instrument draws:
	 * BT_BOUND_POWER τ·log10(L_φ s_max(W)), BT_BOUND_RESIDUAL
	 * τ·log10(1 + L_φ s_max(W)), BT_BOUND_STEPS Σ log10‖J_t‖₂. */
	int bound;
	/* Optional: L_φ = sup|φ'| of the recurrence's nonlinearity (NULL: 1). */
	double (*lipschitz)(const bt_model *model);

	/* Optional: the recurrent matrix W (n×n) of architectures that have one
	 * (the Cayley W for orthogonal); NULL for gated cells. */
	void (*recurrent)(const bt_step *c, gsl_matrix *W);

	/* Optional extra readout term that reads the inputs directly (attention):
	 * ŷ_t += R(h_t; x_1 … x_t). X points at x_1 (row-major, T×d). backward
	 * adds ∂/∂h_t into dh, ∂/∂x_k (k ≤ t) into dX rows and ∂/∂θ into grad,
	 * given e = ∂L/∂ŷ_t. rscratch has readout_scratch_size(dims, T) doubles. */
	size_t (*readout_scratch_size)(const bt_dims *dims, size_t T);
	void (*readout_forward)(const bt_step *c, size_t t, const double *h,
				const double *X, double *yhat, double *rscratch);
	void (*readout_backward)(const bt_step *c, size_t t, const double *h,
				 const double *X, const double *e, double *dh,
				 double *dX, double *grad, double *rscratch);

	/* Optional: batched full BPTT (batch.c), B sequences of one length T
	 * stepping together; see bt_batch_step below for the layout. NULL for
	 * architectures without them (attention: its readout reads every past
	 * input, so it keeps the per-sequence path), which batch.c then runs
	 * one sequence at a time. Sizes in doubles: the cache per sequence and
	 * step (the workspace holds (T+1)·B times that, laid out by the cell
	 * as it likes) and the cell's own work space for a batch of B. */
	size_t (*batch_cache_size)(const bt_dims *dims);
	size_t (*batch_work_size)(const bt_dims *dims, size_t B);
	/* Before the forward loop: whatever does not depend on the recursion,
	 * as few big products as possible (the input projections U x_t + b of
	 * all T·B columns, packed copies of W). */
	void (*batch_begin)(const bt_batch_step *c);
	/* Step t (1…T) of all B sequences: H_t from H_{t-1}. */
	void (*batch_forward)(const bt_batch_step *c, size_t t);
	/* Backward step t, from T down to 1: dH_t holds all of ∂L/∂h_t (the
	 * readout's part and the future's). Keeps what batch_end needs (the
	 * pre-activation gradients δa_t) in the cache and, for t > 1, adds
	 * ∂L/∂h_{t-1} into dH_{t-1} (other state, such as the LSTM's c, is
	 * carried in the cell's work space). */
	void (*batch_backward)(const bt_batch_step *c, size_t t);
	/* After the backward loop: adds ∂L/∂θ into grad (the model's layout;
	 * ∂L/∂aux into c->step.daux) and, when dX is not NULL, ∂L/∂x into dX
	 * (T·B rows of d, as c->X), as products over all T·B columns at once. */
	void (*batch_end)(const bt_batch_step *c, double *grad, double *dX);
	/* From this hidden size on, B long sequences step together; below it
	 * the matrix–vector kernels of one sequence are faster per sequence
	 * than the matrix–matrix products of B, and batch.c runs long
	 * sequences one at a time through the same kernels (one_by_one).
	 * Measured with bench_speed's "per sequence" table (docs/speed.md);
	 * 0: always together. */
	size_t batch_min_n;

	/* Optional: constant data for functions that several records share,
	 * reached through model->type (the affine family's bt_affine_kind);
	 * NULL for none. */
	const void *params;
	/* Optional: the step as bptt graph draws it; NULL for the affine
	 * picture h_{t-1} → W → h_t ← U ← x_t (rnn, linear). */
	const bt_cell_graph *graph;
};

/* What the batched kernels see. Column (t, b) is step t of sequence b;
 * every per-step quantity is stored as rows of one row-major array with
 * row index t·B + b (X: (t−1)·B + b), so that the B states of one step are
 * contiguous (a B×n row-major block, the n×B matrix of the equations in
 * column-major order) and so are all T·B columns of a quantity: the
 * products over all steps (U X, ∂W = Σ_t δA_t H_{t-1}ᵀ, …) are single GEMMs.
 * No allocation happens in the loops: batch.c allocates everything in
 * bt_batch_alloc. */
typedef struct bt_batch_step {
	bt_step step;        /* model, aux, daux, the cell's scratch */
	size_t T, B;
	const double *X;     /* T·B × d */
	double *H;           /* (T+1)·B × n: h_t; rows 0…B−1 are h_0 = 0 */
	double *dH;          /* (T+1)·B × n: ∂L/∂h_t (rows 0…B−1 unused) */
	double *cache;       /* (T+1)·B·batch_cache_size */
	double *work;        /* batch_work_size(dims, B) */
} bt_batch_step;

enum { BT_BOUND_POWER = 0, BT_BOUND_RESIDUAL, BT_BOUND_STEPS };

/* The records. */
extern const bt_cell_type bt_cell_rnn;
extern const bt_cell_type bt_cell_linear;
extern const bt_cell_type bt_cell_residual;
extern const bt_cell_type bt_cell_orthogonal;
extern const bt_cell_type bt_cell_gru;
extern const bt_cell_type bt_cell_lstm;
extern const bt_cell_type bt_cell_attention;

/* Helpers shared by the cells. */
/* Fills a rows×cols block with N(0, var) entries. */
void bt_fill_gaussian(double *p, size_t count, double sd, gsl_rng *rng);
/* Glorot-normal standard deviation sqrt(2/(fan_in + fan_out)). */
double bt_glorot_sd(size_t fan_in, size_t fan_out);

/* Fills an n×n recurrent matrix (row-major) as bt_init_options says:
 * Gaussian N(0, 1/n) or Haar orthogonal, then rescaled to a largest
 * singular value or a spectral radius if asked. Returns a status. */
int bt_init_recurrent(double *W, size_t n, gsl_rng *rng,
		      const bt_init_options *opt);

/* Haar-random orthogonal n×n (row-major) from the stream: the Q of a
 * Gaussian matrix's QR with the signs of R's diagonal moved into Q. */
int bt_haar(double *W, size_t n, gsl_rng *rng);
/* bt_matrix_with_eigenvalues (bt.h) on a row-major n×n array, Q from the
 * stream. */
int bt_matrix_with_eigenvalues_rng(double *W, size_t n, const double *re,
				   const double *im, double c, gsl_rng *rng);
/* The structured W of bt_init_options.structure (init.c). */
int bt_init_structured(double *W, size_t n, gsl_rng *rng,
		       const bt_init_options *opt);

/* ---- the affine family (affine.c): rnn, linear, residual, orthogonal,
 * and the affine maps inside attention and gru. */
/* a = W h + U x + b, and its backward step (adds into gW, gU, gb and, when
 * not NULL, into dh and dx). */
void bt_affine_forward(const bt_dims *dm, const double *W, const double *U,
		       const double *b, const double *h, const double *x,
		       double *a);
void bt_affine_backward(const bt_dims *dm, const double *W, const double *U,
			const double *h, const double *x, const double *da,
			double *gW, double *gU, double *gb, double *dh,
			double *dx);
/* Blocks W (n×n, named wname), U (n×d), b (n×1). */
void bt_layout_wub(const bt_dims *dm, bt_block *blocks, const char *wname);
/* layout() of rnn, linear and residual: bt_layout_wub with W named "W". */
void bt_layout_affine(const bt_dims *dm, bt_block *blocks);
/* W as bt_init_recurrent says, U Glorot-normal, b = 0. */
int bt_init_wub(bt_model *model, gsl_rng *rng, const bt_init_options *opt);
size_t bt_size_n(const bt_dims *dm);
/* lipschitz() for cells with a chosen activation. */
double bt_lipschitz_activation(const bt_model *model);
/* recurrent() for cells whose W is their first block. */
void bt_recurrent_block0(const bt_step *c, gsl_matrix *W);

/* The batched kernels of the affine family, a = W h + U x + b:
 * h_t = φ(a_t), or h_t = h_{t-1} + φ(a_t) when residual. Each record of the
 * family points its params at one kind, and its batch_* members straight at
 * these functions, which read the kind from c->step.model->type->params. */
typedef struct {
	int residual;        /* h_t = h_{t-1} + φ(a_t), else h_t = φ(a_t) */
	int use_aux;         /* W is aux (prepare's) and its gradient daux,
				else W is the model's block 0 */
	int model_act;       /* φ is the model's activation, else act */
	bt_activation act;
} bt_affine_kind;
size_t bt_affine_batch_cache_size(const bt_dims *dims);
size_t bt_affine_batch_work_size(const bt_dims *dims, size_t B);
void bt_affine_batch_begin(const bt_batch_step *c);
void bt_affine_batch_forward(const bt_batch_step *c, size_t t);
void bt_affine_batch_backward(const bt_batch_step *c, size_t t);
void bt_affine_batch_end(const bt_batch_step *c, double *grad, double *dX);

#endif /* BT_CELL_H */
