/* Random draws of the bootstraps (see draw.h). */
#include "stats/draw.h"

#include <gsl/gsl_randist.h>
#include <math.h>

#define EXACT_UP_TO 1e7

double st_draw_poisson(gsl_rng *g, double mu)
{
	if (!(mu > 0))
		return 0;
	if (mu <= EXACT_UP_TO)
		return (double)gsl_ran_poisson(g, mu);
	return fmax(0, round(mu + sqrt(mu) * gsl_ran_ugaussian(g)));
}

double st_draw_dlaplace(gsl_rng *g, double b)
{
	double p = 1 - exp(-1.0 / b);
	return (double)gsl_ran_geometric(g, p) - (double)gsl_ran_geometric(g, p);
}

double st_dlaplace_variance(double b)
{
	double p = exp(-1.0 / b);
	return 2 * p / ((1 - p) * (1 - p));
}

double st_dlaplace_scale(double v)
{
	/* v = 2p / (1 - p)^2: c p^2 - (2c + 2) p + c = 0 with c = v, its root below 1. */
	double p = ((v + 1) - sqrt(2 * v + 1)) / v;
	return -1.0 / log(p);
}
