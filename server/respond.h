/* What the data routes share (analytics, trends, risk factors, interventions, pathway):
 * the protected table of a query for the request's token, with protect.h's refusals as
 * problems; the language of labels (?lang=ar, Accept-Language); and sending a document
 * as JSON or, for its "headers" and "rows", as CSV with the same columns and numbers. */
#ifndef WQ_RESPOND_H
#define WQ_RESPOND_H

#include <jansson.h>

#include "common/http.h"
#include "server/model.h"
#include "server/protect.h"
#include "server/rows.h"
#include "server/server.h"

enum lang { LANG_EN, LANG_AR };

/* The query parameters every data route takes besides its own. */
#define RESPOND_PARAMS "format", "lang", "dry_run", "release"

/* How an answer is sent, read once per request: its language (?lang= first, then the best
 * of en and ar in Accept-Language; English by default) and whether as CSV (?format=csv,
 * or Accept: text/csv). */
struct respond_form {
	enum lang lang;
	int csv;
};

/* Checks format, lang and dry_run and reads the form. Returns 0, or -1 with resp a 400
 * (Q1010), or a 405 for HEAD (Q1021: a data route computes and charges; HEAD would spend
 * a budget for nothing). */
int respond_check(struct http_request *req, struct respond_form *form, struct http_response *resp);

/* The query of indicator by dims (ndims of them, from the parameter dims_param), with the
 * request's filter, from and to. Returns 0, or -1 with resp the problem (query.h's codes,
 * naming the parameter at fault). */
int respond_query(struct http_request *req, struct query *q, const char *indicator,
		  const char *const *dims, int ndims, const char *dims_param,
		  struct http_response *resp);

/* release=N, an official release's published tables (docs/releases.md), into *release
 * (left as it is when not asked). 0, or -1 with resp a 400 (R1001). */
int respond_release(struct http_request *req, int *release, struct http_response *resp);

/* Refuses (400 Q1023, naming "filter") a filter on any dimension of names (NULL-ended):
 * an estimate whose table such a filter would cut. Returns 0, or -1 with resp set. */
int respond_refuse_filters(struct http_request *req, const char *const *names,
			   struct http_response *resp);

/* Requests without a token, audited as one row a minute with their count (token 0): each
 * answer is a sum of the published product, which its release already accounts for, and
 * a row each let one client append 38,662 rows in 10 seconds. */
void respond_audit_public(const struct server *srv);

/* Audits q for the request's token (without one: respond_audit_public): its normalised text, the
 * status it was answered with, and what the answer a released (NULL: refused, nothing released). */
void respond_audit(struct http_request *req, const struct query *q, unsigned status,
		   const struct answer *a);

/* The standard population of standardise=age (config/standard_populations.json, the
 * default unless standard= names another): 0 with *st NULL when none is asked, 0 with *st
 * set, or -1 with resp a 400 (Q1010 another standardisation, Q1003 an unknown standard). */
int respond_standard(struct http_request *req, const struct standard **st,
		     struct http_response *resp);

/* With dry_run=true: what the route's n tables (qs) would cost together and leave, and
 * the noise's 95% half-width of a cell, as a 200 in resp; nothing released, charged or
 * remembered. Returns 1 when it answered (a dry run, or its refusal), 0 without dry_run. */
int respond_dry_run(struct http_request *req, const struct query *const *qs, int n,
		    const struct principal *who, struct http_response *resp);

/* The protected table of q for who, charged. Returns 0, or -1 with resp set: 503 (S2001
 * database unreachable, S2002 it failed mid-query), 409, 429 (protect.h); or, for
 * dry_run=true, a 200 saying what the query would cost and leave (nothing released). */
int respond_protect(struct http_request *req, const struct query *q, const struct principal *who,
		    struct answer *a, struct http_response *resp);
/* The same, its charge running while the caller renders the cells (PROTECT_CHARGE_LATER):
 * respond_settle, before anything of the answer is sent, gives its outcome as
 * respond_protect's (0, or -1 with resp the refusal and a emptied). */
int respond_protect_later(struct http_request *req, const struct query *q,
			  const struct principal *who, struct answer *a,
			  struct http_response *resp);
int respond_settle(struct http_request *req, struct answer *a, struct http_response *resp);

/* Whether two cell values are the same code; NULL (the null group) equals only NULL. */
int respond_same(const char *a, const char *b);
/* The queries refused by a token's budget since the start: exhausted (D1001), and costing
 * more than the whole budget (D1002). */
void respond_budget_refusals(unsigned long *d1001, unsigned long *d1002);
/* A dimension value as JSON (a year a number, financial a boolean, null the null group). */
json_t *respond_value(const struct dimension *d, const char *code);
/* Adds code's labels under items[d->name][code]: {name, name_en, name_ar}; nothing when d
 * has no list or code is none of it. name is English until respond_send localises it. */
void respond_add_label(json_t *items, const struct server *srv, const struct dimension *d,
		       const char *code);
/* The indicator as an answer names it: id, name, name_en, name_ar, unit, unit_en,
 * unit_ar, type. */
json_t *respond_indicator(const struct indicator *ind);
/* metaData.disclosure: what the answer cost the asker and left, and the protection's
 * parameters. */
json_t *respond_disclosure(const struct server *srv, const struct answer *a, const char *role);
/* metaData: items, data_version, disclosure (what the answer cost and left) and method. */
json_t *respond_meta(const struct server *srv, const struct answer *a, const char *role,
		     json_t *items, const char *method);
/* A number, or null when not finite; a count (a whole number), or null. */
json_t *respond_num(double v);
json_t *respond_count(double v);

/* Sends doc (stolen) in the form: JSON, or the CSV of its headers and rows. In Arabic,
 * every "name" and "unit" of the indicator and metaData.items takes its _ar value first:
 * one step for every route, the stored public releases included. Rendered once. */
void respond_send(const struct respond_form *form, json_t *doc, struct http_response *resp);
/* An answer's body kept rendered in the answer cache (cache.h) for the request's format and
 * language, with the asker's part (metaData.disclosure: the role, the charge, the budget)
 * left out and put back per request, so that a repeat builds nothing. query names the
 * answer (the handler's normalised query), a is its table (its data version and release
 * key the body; its charge and budget fill the asker's part). respond_send_kept sends the
 * kept body: 0, or -1 when none is kept; respond_kept is its first half (the kept body,
 * malloc'd, *len bytes; or NULL) and respond_send_body its second. respond_send_keep
 * renders doc (a's) with rows as its rows (NULL: its own "rows"), keeps it and sends it. */
char *respond_kept(const struct server *srv, const struct respond_form *form, const char *query,
		   const struct answer *a, size_t *len);
void respond_send_body(const struct server *srv, const char *kept, size_t len,
		       const struct answer *a, const char *role, struct http_response *resp);
int respond_send_kept(const struct server *srv, const struct respond_form *form, const char *query,
		      const struct answer *a, const char *role, struct http_response *resp);
void respond_send_keep(const struct server *srv, const struct respond_form *form, const char *query,
		       const struct answer *a, const char *role, json_t *doc, struct rows *rows,
		       struct http_response *resp);
/* The same for a JSON text already rendered (the public releases are stored as text): as
 * it is in English JSON, parsed for the other forms. */
void respond_send_text(const struct respond_form *form, const char *body,
		       struct http_response *resp);

#endif
