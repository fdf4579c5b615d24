/* GET /api/v1/analytics: one indicator by any dimensions, as DHIS2-style headers, rows and
 * metaData, in JSON or CSV. Every number comes from the protection layer (protect.h):
 * noisy, suppressed, with noise-aware intervals, charged to the asker's budget. Without a
 * token only what the published product answers (product.h). With
 * standardise=age, a rate's cells are directly age-standardised (standard.h): the table is asked
 * with the age band as its last column, which the standardisation collapses. The handler reads as
 * its steps: parse, protect (or the public release), standardise, render, audit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "server/query.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/protect.h"
#include "server/respond.h"

static const char *const measure_headers[] = {"value",	   "lower",	  "upper",
					      "numerator", "denominator", "cell_status"};

/* The query of the request (indicator, dimensions, filters, period), validated; with a
 * standard, the age band added as the last dimension. */
static int parse(struct http_request *req, struct query *q, const struct standard *st,
		 struct respond_form *form, struct http_response *resp)
{
	const char *dims[QUERY_MAX_DIMS + 2];
	int ndims = http_query_all(req, "dimension", dims, QUERY_MAX_DIMS + 1);
	if (respond_check(req, form, resp) < 0)
		return -1;
	if (ndims > QUERY_MAX_DIMS + 1)
		ndims = QUERY_MAX_DIMS + 1;
	if (st) {
		for (int i = 0; i < ndims; i++)
			if (!strncmp(dims[i], "age_band", 8) && strchr(":", dims[i][8])) {
				http_problem(resp, 409, "Q1016",
					     "a standardised table cannot be by age band", NULL,
					     "Standardisation collapses the age bands.");
				return -1;
			}
		dims[ndims++] = "age_band";
	}
	if (respond_query(req, q, http_query(req, "indicator"), dims, ndims, "dimension", resp) < 0)
		return -1;
	if (st && q->ind->type != IND_RATE) {
		http_problem(resp, 409, "Q1017", "only a rate can be age-standardised", NULL,
			     "standardise=age applies to victim_rate and new_victim_rate.");
		return -1;
	}
	return 0;
}

/* A cell's value of dimension d, as respond_value gives it, in rows. */
static void row_value(struct rows *rows, const struct dimension *d, const char *code)
{
	if (!code)
		rows_null(rows);
	else if (d->kind == DIM_YEAR)
		rows_int(rows, atoi(code));
	else if (d->kind == DIM_BOOL)
		rows_bool(rows, strcmp(code, "true") == 0);
	else
		rows_string(rows, code);
}

/* Items remembered as labelled, a dimension (the rest are looked up, as before). */
#define LABELLED_MAX 64

/* The answer as DHIS2-style JSON, its rows written in rows (the form's format); q's
 * columns (the age band left out when st). */
static json_t *render(const struct server *srv, const struct query *q, const struct answer *a,
		      const char *role, const struct standard *st, struct rows *rows)
{
	json_t *headers = json_array(), *items = json_object();
	for (int i = 0; i < q->ndims; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", q->dims[i].dim->name));
	for (size_t i = 0; i < sizeof measure_headers / sizeof measure_headers[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", measure_headers[i]));
	/* The items labelled, by the pointer the cells name them with (the layout's: each
	 * item's, in every cell of it), so that a table's 3,432 cells cost its 30 items'
	 * labels and not two JSON lookups a value (a tenth of a fresh table's time). */
	const char *labelled[QUERY_MAX_DIMS][LABELLED_MAX];
	int nlabelled[QUERY_MAX_DIMS] = {0};
	for (size_t r = 0; r < a->n; r++) {
		const struct pcell *c = &a->cells[r];
		rows_begin(rows);
		for (int i = 0; i < q->ndims; i++) {
			row_value(rows, q->dims[i].dim, c->values[i]);
			int k = 0;
			while (k < nlabelled[i] && labelled[i][k] != c->values[i])
				k++;
			if (k < nlabelled[i])
				continue;
			respond_add_label(items, srv, q->dims[i].dim, c->values[i]);
			if (k < LABELLED_MAX)
				labelled[i][nlabelled[i]++] = c->values[i];
		}
		rows_real(rows, c->value);
		rows_real(rows, c->lower);
		rows_real(rows, c->upper);
		if (isfinite(c->num))
			rows_int(rows, (long long)c->num);
		else
			rows_null(rows);
		if (isfinite(c->den))
			rows_int(rows, (long long)c->den);
		else
			rows_null(rows);
		rows_string(rows, cell_status_name(c->status));
		rows_end(rows);
	}
	json_t *meta = respond_meta(
	    srv, a, role, items,
	    st ? "directly age-standardised rates (Fay-Feuer interval, 95%) over the noisy "
		 "counts of the age bands (docs/methods.md)"
	    : q->ind->type == IND_PROPORTION
		? "noisy counts (discrete Laplace); Wilson score interval (95%) widened by the "
		  "noise (docs/methods.md)"
		: "noisy counts (discrete Laplace); exact Poisson interval (Garwood, 95%) "
		  "widened by the noise (docs/methods.md)");
	if (st)
		json_object_set_new(meta, "standardised",
				    json_pack("{s:s,s:s,s:s,s:s}", "by", "age_band", "standard",
					      st->id, "name", st->name, "source", st->source));
	if (q->ind->type == IND_PROPORTION)
		json_object_set_new(meta, "excluded_from_denominator", respond_count(a->excluded));
	return json_pack("{s:o,s:o,s:n,s:o}", "indicator", respond_indicator(q->ind), "headers",
			 headers, "rows", "metaData", meta);
}

/* Protects q for who and sends it: the kept body when there is one (respond.h), else
 * rendered and kept. 0, or -1 with resp the refusal. */
static int answer(struct http_request *req, const struct server *srv, const struct query *q,
		  const struct standard *st, const struct respond_form *form, const char *canonical,
		  const struct principal *who, size_t *cells, double *epsilon,
		  struct http_response *resp)
{
	struct answer a;
	struct query shown = *q;
	/* The charge runs while the table is rendered; nothing is sent before it is paid (a
	 * standardised rate is made of the cells paid for: charged at once). */
	int answered = st ? respond_protect(req, q, who, &a, resp)
			  : respond_protect_later(req, q, who, &a, resp);
	if (answered < 0)
		return -1;
	if (st) {
		struct answer raw = a;
		standard_apply(st, &raw, q->ndims, q->ind->per, &a);
		answer_free(&raw);
		shown.ndims--; /* the age band, collapsed (filters are not rendered) */
	}
	size_t len;
	char *kept = respond_kept(srv, form, canonical, &a, &len);
	json_t *doc = NULL;
	struct rows rows;
	if (!kept) {
		rows_init(&rows, form->csv);
		doc = render(srv, &shown, &a, role_name(who->role), st, &rows);
	}
	int rc = respond_settle(req, &a, resp);
	if (rc == 0 && kept) {
		respond_send_body(srv, kept, len, &a, role_name(who->role), resp);
	} else if (rc == 0) {
		respond_send_keep(srv, form, canonical, &a, role_name(who->role), doc, &rows, resp);
		doc = NULL;
	}
	*cells = a.n;
	*epsilon = a.epsilon;
	if (!kept) {
		json_decref(doc);
		rows_free(&rows);
	}
	free(kept);
	answer_free(&a);
	return rc;
}

void analytics_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	struct query q;
	struct respond_form form;
	struct strbuf canonical;
	size_t cells = 0;
	double epsilon = 0;
	const struct standard *st;
	if (respond_standard(req, &st, resp) < 0 || parse(req, &q, st, &form, resp) < 0)
		return;
	sb_init(&canonical);
	sb_puts(&canonical, q.canonical);
	if (st)
		sb_printf(&canonical, "&standardise=age&standard=%s", st->id);
	answer(req, srv, &q, st, &form, canonical.data, who, &cells, &epsilon, resp);
	if (who->role == ROLE_PUBLIC)
		respond_audit_public(srv);
	else
		audit_query(srv->audit, who->token_id, canonical.data, resp->status, cells,
			    epsilon);
	sb_free(&canonical);
}
