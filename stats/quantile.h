/* Quantile functions that stay right at national scale. GSL 2.7's inverse gamma and beta
 * CDFs return NaN or silently wrong values for large arguments (stats.md), so these
 * invert GSL's CDFs (which are accurate there) with Brent's method, working on whichever
 * tail keeps precision. Pure functions; no GSL error handler is relied upon. */
#ifndef WQ_QUANTILE_H
#define WQ_QUANTILE_H

/* x with P(X <= x) = p for X ~ Gamma(shape, scale 1); p in (0,1), shape > 0.
 * Returns NaN only for invalid arguments. */
double st_gamma_quantile(double p, double shape);
/* P(X <= x) and P(X > x) for X ~ Gamma(shape, 1), accurate at national scale. */
double st_gamma_p(double x, double shape);
double st_gamma_q(double x, double shape);
/* x with P(X <= x) = p for X ~ Beta(a, b); p in (0,1), a, b > 0. */
double st_beta_quantile(double p, double a, double b);
/* The standard normal quantile. */
double st_normal_quantile(double p);

#endif
