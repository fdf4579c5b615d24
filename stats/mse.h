/* Multiple-systems estimation (docs/methods.md, "Hidden victims"): how many children no
 * list saw, from how k lists (agencies, channels) overlap. The 2^k - 1 capture patterns a
 * child can show are cells of an incomplete contingency table; a log-linear Poisson model
 * of them (main effects of the lists, and the two-list interactions that model their
 * dependence) extrapolates to the one cell never observed, the children seen by none
 * (Fienberg 1972; Bishop, Fienberg & Holland 1975, ch. 6; International Working Group for
 * Disease Monitoring and Forecasting 1995). The interactions are chosen by an information
 * criterion, forward (added one at a time, never removed), among those the data can carry
 * (two lists that share no child say nothing of their dependence). The interval is a parametric
 * bootstrap of the error of the total, which carries the Poisson variation of every cell, the
 * unseen cell's own, the disclosure noise of the published cells when there is one, and (with
 * reselect) the choice of the model. */
#ifndef WQ_MSE_H
#define WQ_MSE_H

#include <stddef.h>

#include "common/error.h"
#include "stats/glm.h"

#define MSE_MIN_LISTS 2
#define MSE_MAX_LISTS 6
#define MSE_CELLS     (1 << MSE_MAX_LISTS)
#define MSE_MAX_PAIRS (MSE_MAX_LISTS * (MSE_MAX_LISTS - 1) / 2)
#define MSE_MAX_NOTES 24

enum mse_criterion { MSE_AIC, MSE_BIC };

/* The observed table: count[w] children seen by exactly the lists of pattern w (bit j set:
 * list j saw them), for w = 1 .. 2^k - 1; count[0], the unseen, is what is estimated. */
struct mse_table {
	int k;
	double count[MSE_CELLS];
};

/* A model: the main effect of every list, and these two-list interactions (a < b). */
struct mse_model {
	int npairs;
	unsigned char pair[MSE_MAX_PAIRS][2];
};

struct mse_options {
	enum mse_criterion criterion;
	const struct mse_model *fixed; /* a model given, or NULL: chosen by the criterion */
	double noise_scale; /* discrete Laplace scale b of each cell's noise (0: exact counts) */
	int resamples;	    /* the bootstrap's (0: no interval beyond the Wald one) */
	int reselect;	    /* choose the model again in each resample (the honest interval, and
			     * the slow one: tests/unit/test_mse.c measures both) */
	unsigned long seed; /* of the bootstrap: the same table gives the same interval */
	double conf;
};

/* A diagnostic (A2001 ... , docs/methods.md): worth reading, not a refusal. */
struct mse_note {
	char code[6];
	char text[240];
};

/* One step of the forward selection: the pair added (a < 0: the start, main effects
 * only) and the criterion of the model it made. */
struct mse_step {
	int a, b;
	double criterion;
};

struct mse_result {
	struct mse_model model;
	struct glm_fit fit;   /* coefficients: intercept, lists, the pairs in model order */
	struct design design; /* its names */
	double observed, unseen, total;
	double wald_lower, wald_upper; /* of the total: the intercept's Wald interval, shifted */
	double lower, upper;	       /* the bootstrap's, NAN without one */
	double aic, bic;
	int resamples_used;
	struct mse_step steps[MSE_MAX_PAIRS + 1];
	int nsteps;
	struct mse_note notes[MSE_MAX_NOTES];
	int nnotes;
};

/* The most resamples a table of k lists allows: the bootstrap's time bounded (a resample
 * that chooses the model again fits up to pairs (pairs + 1) / 2 + 1 models of 2^k - 1
 * cells), about 10 s on one core at the most. */
int st_mse_max_resamples(int k, int reselect);

/* Fits the table. names: the lists' names (for the coefficients and the notes). Returns 0,
 * or -1 with e set: A1001 bad table (k outside 2..6, a count negative, not finite or a
 * pair of a given model out of range), A1010 more resamples than st_mse_max_resamples,
 * A1011 a count too large or an estimated total past the limits, A1002 nothing to
 * estimate (a list that saw no child, no child seen by two lists), A1007 the model does
 * not converge or its estimate does not exist. Free with st_mse_free. */
int st_mse(const struct mse_table *t, const char *const *names, const struct mse_options *o,
	   struct mse_result *r, struct wq_error *e);
void st_mse_free(struct mse_result *r);

#endif
