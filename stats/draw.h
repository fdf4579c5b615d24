/* Random draws the bootstraps share (stats/mse.c, stats/nowcast.c): a Poisson count that
 * stays exact where GSL's is (its counts are unsigned int) and a rounded normal beyond,
 * and the discrete Laplace noise the server adds to a published cell. The simulations'
 * generator is GSL's (seeded by the caller); the server's own noise never comes from it. */
#ifndef WQ_DRAW_H
#define WQ_DRAW_H

#include <gsl/gsl_rng.h>

/* A Poisson count of mean mu >= 0: exact up to 1e7, the normal approximation (rounded, at
 * least 0) beyond, where the two are closer than the counts' own precision matters. */
double st_draw_poisson(gsl_rng *g, double mu);

/* A discrete Laplace value of scale b > 0, P(k) proportional to exp(-|k| / b): the
 * difference of two geometric ones. */
double st_draw_dlaplace(gsl_rng *g, double b);
/* Its variance, 2p / (1 - p)^2 with p = exp(-1/b) (7.83 at b = 2); the server's noise is the
 * same distribution (stats/disclosure.h dl_variance says so through this). */
double st_dlaplace_variance(double b);
/* The scale b whose discrete Laplace noise has variance v > 0: its inverse. Noise that is
 * a sum of discrete Laplace draws (the server's fixed and fresh parts, a sum of cells) is
 * drawn in a bootstrap as one of the same variance. */
double st_dlaplace_scale(double v);

#endif
