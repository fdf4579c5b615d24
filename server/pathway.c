/* GET /api/v1/pathway: where cases fall out of the justice system. One protected table of
 * cases by who harmed (offender_group: adults, children, both, none identified; always a
 * column, so that cases of children who harmed never enter adult figures), status and an
 * optional dimension. Per group, each stage of api.md's order (reported < under
 * investigation < charged < prosecuted < convicted / acquitted; diverted and closed end a
 * case without a charge) gets the cases that reached it, their share of the reported
 * cases and their share of the stage before (its complement the attrition), each with a
 * Wilson interval widened by the noise of the summed cells: a sum of k noisy cells has k
 * times one cell's noise variance, so the widening uses the scale b sqrt(k). A suppressed
 * cell (a small or zero count) adds nothing to its stage's sum, and the row says how many
 * it left out: filling them in would be a guess, and would undo the suppression. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server/respond.h"
#include "server/noise.h"
#include "server/routes.h"
#include "stats/disclosure.h"

struct stage {
	const char *name, *from;     /* from: the stage whose cases it is a share of */
	const char *const *statuses; /* the statuses that have reached it */
};

static const char *const all[] = {"reported",	"under_investigation", "charged",
				  "prosecuted", "convicted",	       "acquitted",
				  "diverted",	"closed_no_action",    NULL};
static const char *const investigated[] = {"under_investigation", "charged",   "prosecuted",
					   "convicted",		  "acquitted", NULL};
static const char *const charged[] = {"charged", "prosecuted", "convicted", "acquitted", NULL};
static const char *const prosecuted[] = {"prosecuted", "convicted", "acquitted", NULL};
static const char *const convicted[] = {"convicted", NULL};
static const char *const acquitted[] = {"acquitted", NULL};
static const char *const diverted[] = {"diverted", NULL};
static const char *const closed[] = {"closed_no_action", NULL};

static const struct stage stages[] = {
    {"reported", NULL, all},
    {"under_investigation", "reported", investigated},
    {"charged", "under_investigation", charged},
    {"prosecuted", "charged", prosecuted},
    {"convicted", "prosecuted", convicted},
    {"acquitted", "prosecuted", acquitted},
    {"diverted", "reported", diverted},
    {"closed_no_action", "reported", closed},
};
#define NSTAGES (sizeof stages / sizeof stages[0])

static int listed(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (!strcmp(*v, s))
			return 1;
	return 0;
}

/* The cases of one group (its offender_group and dimension value) that reached stage s:
 * the sum of the published cells, how many it adds (k) and how many were suppressed. */
static double reached(const struct answer *a, int ndims, const char *const *group,
		      const struct stage *s, int *k, int *suppressed)
{
	double sum = 0;
	*k = 0;
	if (suppressed)
		*suppressed = 0;
	for (size_t r = 0; r < a->n; r++) {
		const struct pcell *c = &a->cells[r];
		if (!respond_same(c->values[0], group[0]) ||
		    (ndims == 3 && !respond_same(c->values[2], group[2])) || !c->values[1] ||
		    !listed(s->statuses, c->values[1]))
			continue;
		if (!isfinite(c->num)) {
			if (suppressed)
				(*suppressed)++;
			continue;
		}
		sum += c->num < 0 ? 0 : c->num;
		(*k)++;
	}
	return sum;
}

/* A share x / n with the noise of k cells on each side. */
static void share(double x, double n, int k, double var, json_t *row)
{
	struct interval ci;
	if (!isfinite(x) || !isfinite(n) || !(n > 0) ||
	    dl_proportion_interval(x < n ? x : n, n, var * (k > 0 ? k : 1), 0.95, &ci) < 0) {
		for (int i = 0; i < 3; i++)
			json_array_append_new(row, json_null());
		return;
	}
	json_array_append_new(row, json_real(ci.estimate));
	json_array_append_new(row, json_real(ci.lower));
	json_array_append_new(row, json_real(ci.upper));
}

void pathway_get(struct http_request *req, struct http_response *resp)
{
	struct respond_form form;
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	const char *dimension = http_query(req, "dimension");
	const char *dims[3] = {"offender_group", "status", dimension};
	int ndims = dimension ? 3 : 2;
	struct query q;
	struct answer a;
	if (respond_check(req, &form, resp) < 0)
		return;
	if (dimension &&
	    (!strncmp(dimension, "status", 6) || !strncmp(dimension, "offender_group", 14))) {
		http_problem(resp, 409, "Q1016",
			     "the pathway is already by status and offender group", NULL,
			     "Choose another dimension, or none.");
		return;
	}
	if (respond_query(req, &q, "cases", dims, ndims, "dimension", resp) < 0)
		return;
	if (respond_protect(req, &q, who, &a, resp) < 0) {
		respond_audit(req, &q, resp->status, NULL);
		return;
	}
	const struct dimension *gd = dimension ? q.dims[2].dim : NULL;
	json_t *headers = json_array(), *rows = json_array(), *items = json_object();
	static const char *const cols[] = {
	    "offender_group",	 "stage",      "from",	    "cases",
	    "share_of_reported", "lower",      "upper",	    "share_of_from",
	    "from_lower",	 "from_upper", "attrition", "suppressed_cells"};
	for (size_t i = 0; i < 2; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", cols[i]));
	if (gd)
		json_array_append_new(headers, json_pack("{s:s}", "name", gd->name));
	for (size_t i = 2; i < sizeof cols / sizeof cols[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", cols[i]));
	double var = noise_variance(srv->cfg);
	/* The groups: the cells of the first status (the layout holds every combination). */
	for (size_t r = 0; r < a.n; r++) {
		const struct pcell *g = &a.cells[r];
		if (!respond_same(g->values[1], a.cells[0].values[1]))
			continue;
		const char *group[3] = {g->values[0], NULL, gd ? g->values[2] : NULL};
		respond_add_label(items, srv, q.dims[0].dim, group[0]);
		if (gd)
			respond_add_label(items, srv, gd, group[2]);
		int k0;
		double total = reached(&a, ndims, group, &stages[0], &k0, NULL);
		for (size_t s = 0; s < NSTAGES; s++) {
			int k, kf = k0, sup;
			double n = reached(&a, ndims, group, &stages[s], &k, &sup), from = total;
			for (size_t f = 0; stages[s].from && f < NSTAGES; f++)
				if (!strcmp(stages[f].name, stages[s].from))
					from = reached(&a, ndims, group, &stages[f], &kf, NULL);
			respond_add_label(items, srv, q.dims[1].dim, stages[s].name);
			json_t *row = json_array();
			json_array_append_new(row, respond_value(q.dims[0].dim, group[0]));
			json_array_append_new(row, json_string(stages[s].name));
			if (gd)
				json_array_append_new(row, respond_value(gd, group[2]));
			json_array_append_new(row, stages[s].from ? json_string(stages[s].from)
								  : json_null());
			json_array_append_new(row, respond_count(n));
			share(n, total, k > k0 ? k : k0, var, row);
			if (stages[s].from) {
				share(n, from, k > kf ? k : kf, var, row);
				json_array_append_new(row,
						      respond_num(from > 0 ? 1 - n / from : NAN));
			} else {
				for (int i = 0; i < 4; i++)
					json_array_append_new(row, json_null());
			}
			json_array_append_new(row, json_integer(sup));
			json_array_append_new(rows, row);
		}
	}
	json_t *doc = json_pack(
	    "{s:o,s:o,s:o,s:o}", "indicator", respond_indicator(q.ind), "headers", headers, "rows",
	    rows, "metaData",
	    respond_meta(srv, &a, role_name(who->role), items,
			 "noisy case counts by status (discrete Laplace), summed per stage; "
			 "Wilson intervals (95%) widened by the noise of the summed cells "
			 "(docs/methods.md)"));
	respond_audit(req, &q, 200, &a);
	respond_send(&form, doc, resp);
	answer_free(&a);
}
