/* SPDX-License-Identifier: GPL-3.0-or-later */
/* linalg.h — dense helpers shared by the instruments (internal). */
#ifndef BT_LINALG_H
#define BT_LINALG_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* Largest singular value by a full SVD. */
double bt_smax_svd(const gsl_matrix *A);
/* Largest singular value by warm-started power iteration (u: length
 * rows, in/out; w: scratch, length cols), an SVD if it does not settle
 * within maxit iterations. */
double bt_norm2_warm(const gsl_matrix *A, gsl_vector *u, gsl_vector *w,
		     int maxit);

#endif
