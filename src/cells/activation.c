/* SPDX-License-Identifier: GPL-3.0-or-later */
/* activation.c — the element-wise nonlinearities φ and their derivatives. */
#include <math.h>
#include <string.h>
#include "cells/cell.h"

static const char *const act_names[] = {"tanh", "relu", "sigmoid", "identity"};

int bt_activation_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, act_names[i]) == 0)
			return i;
	return -1;
}

const char *bt_activation_name(bt_activation a)
{
	return (unsigned)a < 4 ? act_names[a] : "?";
}

double bt_activation_apply(bt_activation f, double a)
{
	switch (f) {
	case BT_ACT_TANH: return tanh(a);
	case BT_ACT_RELU: return a > 0 ? a : 0.0;
	case BT_ACT_SIGMOID: return bt_sigmoid(a);
	case BT_ACT_IDENTITY: return a;
	}
	return NAN;
}

/* tanh' = 1 − tanh², relu'(a) = [a > 0] (so relu'(0) = 0), σ' = σ(1 − σ). */
double bt_activation_deriv(bt_activation f, double a)
{
	double y;
	switch (f) {
	case BT_ACT_TANH: y = tanh(a); return 1.0 - y * y;
	case BT_ACT_RELU: return a > 0 ? 1.0 : 0.0;
	case BT_ACT_SIGMOID: y = bt_sigmoid(a); return y * (1.0 - y);
	case BT_ACT_IDENTITY: return 1.0;
	}
	return NAN;
}

double bt_activation_lipschitz(bt_activation f)
{
	return f == BT_ACT_SIGMOID ? 0.25 : 1.0;
}
