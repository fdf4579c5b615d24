/* Binomial proportion intervals (see proportion.h). References: Wilson EB, JASA 1927;
 * Clopper CJ, Pearson ES, Biometrika 1934; Agresti A, Coull BA, Am Stat 1998; Brown LD,
 * Cai TT, DasGupta A, Stat Sci 2001 (the comparison). */
#include "stats/proportion.h"

#include <math.h>
#include <string.h>

#include "stats/limits.h"
#include "stats/quantile.h"

const char *const st_prop_method_names[] = {"wilson", "clopper-pearson", "agresti-coull", "wald",
					    NULL};

int st_prop_method(const char *name, enum prop_method *out)
{
	for (int i = 0; name && st_prop_method_names[i]; i++)
		if (strcmp(name, st_prop_method_names[i]) == 0) {
			*out = (enum prop_method)i;
			return 0;
		}
	return -1;
}

static double clip(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

int st_proportion(double x, double n, double conf, enum prop_method m, struct interval *out,
		  struct wq_error *e)
{
	if (!(n > 0) || !(x >= 0) || x > n || !isfinite(n))
		return err_set(e, "A1001", "need 0 <= x <= n and n > 0");
	if (n > ST_MAX_COUNT)
		return err_set(e, "A1011", "n above %.0f is not supported", ST_MAX_COUNT);
	if (!(conf > 0 && conf < 1))
		return err_set(e, "A1001", "conf must be between 0 and 1");
	double alpha = 1 - conf, z = st_normal_quantile(1 - alpha / 2), p = x / n;
	out->estimate = p;

	switch (m) {
	case PROP_WILSON: {
		double z2 = z * z;
		double centre = (x + z2 / 2) / (n + z2);
		double half = z * sqrt(n) / (n + z2) * sqrt(p * (1 - p) + z2 / (4 * n));
		out->lower = clip(centre - half);
		out->upper = clip(centre + half);
		break;
	}
	case PROP_CLOPPER_PEARSON:
		out->lower = x == 0 ? 0 : st_beta_quantile(alpha / 2, x, n - x + 1);
		out->upper = x == n ? 1 : st_beta_quantile(1 - alpha / 2, x + 1, n - x);
		break;
	case PROP_AGRESTI_COULL: {
		double nt = n + z * z, pt = (x + z * z / 2) / nt;
		double half = z * sqrt(pt * (1 - pt) / nt);
		out->lower = clip(pt - half);
		out->upper = clip(pt + half);
		break;
	}
	case PROP_WALD: {
		double half = z * sqrt(p * (1 - p) / n);
		out->lower = clip(p - half);
		out->upper = clip(p + half);
		break;
	}
	}
	if (!isfinite(out->lower) || !isfinite(out->upper))
		return err_set(e, "A1002", "the interval could not be computed");
	return 0;
}
