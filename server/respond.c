/* The data routes' shared steps (see respond.h). */
#include "server/respond.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/public.h"
#include "server/cache.h"
#include "server/noise.h"
#include "server/product.h"

/* Accept-Language (RFC 9110 12.5.4): the highest q among tags whose primary subtag is en
 * or ar; the first such tag wins a tie. */
static enum lang accepted(const char *h)
{
	enum lang best = LANG_EN;
	double best_q = -1;
	while (h && *h) {
		while (*h == ' ' || *h == ',')
			h++;
		size_t len = strcspn(h, ",");
		char tag[64];
		snprintf(tag, sizeof tag, "%.*s", (int)(len < sizeof tag ? len : sizeof tag - 1),
			 h);
		const char *qp = strstr(tag, ";q=");
		double q = qp ? strtod(qp + 3, NULL) : 1;
		int ar = strncmp(tag, "ar", 2) == 0 &&
			 (tag[2] == '\0' || tag[2] == '-' || tag[2] == ';');
		int en = strncmp(tag, "en", 2) == 0 &&
			 (tag[2] == '\0' || tag[2] == '-' || tag[2] == ';');
		if ((ar || en) && q > best_q) {
			best_q = q;
			best = ar ? LANG_AR : LANG_EN;
		}
		h += len;
	}
	return best;
}

/* The answer's language: ?lang= first, then Accept-Language. */
static enum lang language_of(struct http_request *req)
{
	const char *lang = http_query(req, "lang");
	return lang ? (strcmp(lang, "ar") == 0 ? LANG_AR : LANG_EN)
		    : accepted(http_header(req, "Accept-Language"));
}

/* A number isolated for bidirectional text (U+2068 FIRST STRONG ISOLATE ... U+2069 POP
 * DIRECTIONAL ISOLATE): inside Arabic, "0.5" and "12" stay whole and in place. */
static const char *iso(char *buf, size_t n, double v)
{
	snprintf(buf, n, "\u2068%g\u2069", v);
	return buf;
}

/* A refusal of the budget in plain words, in the request's language: what the query costs,
 * what is left, what to ask instead and when the budget renews; the numbers also as
 * fields (budget) for a client that words it itself. */
static _Atomic unsigned long exhausted, too_costly; /* budget_problem's, for /metrics */

void respond_budget_refusals(unsigned long *d1001, unsigned long *d1002)
{
	*d1001 = exhausted;
	*d1002 = too_costly;
}

static void budget_problem(struct http_request *req, const struct wq_error *e, unsigned status,
			   const struct answer *a, int retry, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	if (strcmp(e->code, "D1002") == 0)
		too_costly++;
	else
		exhausted++;
	int days = srv->cfg->budget_days, renew = retry > 0 ? (retry + 86399) / 86400 : 0;
	if (language_of(req) == LANG_EN) {
		http_problem_error(resp, status, e);
	} else {
		char c[32], r[32], b[32], d[32], w[32], detail[512], hint[512];
		iso(c, sizeof c, a->cost);
		iso(b, sizeof b, a->budget);
		iso(d, sizeof d, days);
		int all = strcmp(e->code, "D1002") == 0;
		if (all)
			snprintf(detail, sizeof detail,
				 "يكلّف هذا الاستعلام إبسيلون %s، والميزانية %s لكل %s يومًا.", c, b,
				 d);
		else
			snprintf(detail, sizeof detail,
				 "يكلّف هذا الاستعلام إبسيلون %s، ويتبقى %s من %s في آخر %s يومًا. "
				 "تتجدد الميزانية بما يكفي بعد %s يومًا.",
				 c, iso(r, sizeof r, a->remaining), b, d, iso(w, sizeof w, renew));
		snprintf(hint, sizeof hint, "%s",
			 all ? "اطلب عناصر أقل من بُعد متعدد القيم، أو عددًا بدل النسبة؛ "
			       "ويُظهر dry_run=true كلفة أي استعلام قبل طرحه."
			     : "إعادة استعلام أُجيب عنه من قبل لا تكلّف شيئًا، والجداول المنشورة "
			       "مجانية؛ ويُظهر dry_run=true كلفة أي استعلام قبل طرحه.");
		struct wq_error ar = *e;
		snprintf(ar.message, sizeof ar.message, "%s",
			 all ? "يكلّف هذا الاستعلام أكثر من الميزانية كلها"
			     : "نفدت ميزانية الخصوصية لهذا الرمز");
		snprintf(ar.detail, sizeof ar.detail, "%s", detail);
		snprintf(ar.hint, sizeof ar.hint, "%s", hint);
		http_problem_error(resp, status, &ar);
	}
	json_t *body = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
	if (body) {
		json_object_set_new(body, "budget",
				    json_pack("{s:f,s:f,s:f,s:i,s:i}", "epsilon", a->cost,
					      "remaining", a->remaining, "budget", a->budget,
					      "window_days", days, "renews_in_days", renew));
		free(resp->body);
		resp->body = NULL;
		http_json(resp, status, body);
		resp->content_type = "application/problem+json; charset=utf-8";
	}
	resp->retry_after = retry;
}

int respond_check(struct http_request *req, struct respond_form *form, struct http_response *resp)
{
	const char *fmt = http_query(req, "format"), *lang = http_query(req, "lang");
	const char *accept = http_header(req, "Accept"), *dry = http_query(req, "dry_run");
	if (strcmp(http_method(req), "HEAD") == 0) {
		/* A data route's answer is computed, charged and audited: HEAD would do all
		 * three for a body nobody receives. */
		http_problem(resp, 405, "Q1021", "HEAD is not answered on a data route",
			     "Its answer is computed and charged to a budget; HEAD would spend "
			     "it for nothing.",
			     "Use GET; dry_run=true shows what a query would cost.");
		return -1;
	}
	if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0) {
		http_problem_param(resp, "Q1010", "unsupported dry_run", "dry_run",
				   "one of true, false");
		return -1;
	}
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0) {
		http_problem_param(resp, "Q1010", "unsupported format", "format",
				   "one of json, csv");
		return -1;
	}
	if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0) {
		http_problem_param(resp, "Q1010", "unsupported language", "lang", "one of en, ar");
		return -1;
	}
	form->lang = lang ? (strcmp(lang, "ar") == 0 ? LANG_AR : LANG_EN)
			  : accepted(http_header(req, "Accept-Language"));
	form->csv = fmt ? strcmp(fmt, "csv") == 0 : accept && strstr(accept, "text/csv") != NULL;
	return 0;
}

int respond_query(struct http_request *req, struct query *q, const char *indicator,
		  const char *const *dims, int ndims, const char *dims_param,
		  struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const char *filters[QUERY_MAX_DIMS + 1];
	struct wq_error e;
	unsigned status;
	int nfilters = http_query_all(req, "filter", filters, QUERY_MAX_DIMS + 1);
	struct query_text t = {indicator,
			       dims,
			       ndims,
			       filters,
			       nfilters > QUERY_MAX_DIMS + 1 ? QUERY_MAX_DIMS + 1 : nfilters,
			       http_query(req, "from"),
			       http_query(req, "to")};
	if (query_parse(q, &srv->indicators, &srv->lists, &t, &status, &e) < 0) {
		if (!strcmp(e.field, "dimension"))
			err_field(&e, dims_param);
		http_problem_error(resp, status, &e);
		return -1;
	}
	return respond_release(req, &q->release, resp);
}

int respond_release(struct http_request *req, int *release, struct http_response *resp)
{
	const char *text = http_query(req, "release");
	if (!text)
		return 0;
	char *end;
	long n = strtol(text, &end, 10);
	if (*end || end == text || n <= 0 || n > 1000000) {
		http_problem_param(resp, "R1001", "no such release", "release",
				   "a release is a positive integer (GET /api/v1/releases)");
		return -1;
	}
	*release = (int)n;
	return 0;
}

int respond_refuse_filters(struct http_request *req, const char *const *names,
			   struct http_response *resp)
{
	const char *filters[QUERY_MAX_DIMS + 1];
	int n = http_query_all(req, "filter", filters, QUERY_MAX_DIMS + 1);
	for (int i = 0; i < n && i <= QUERY_MAX_DIMS; i++)
		for (const char *const *d = names; *d; d++) {
			size_t len = strlen(*d);
			if (!strncmp(filters[i], *d, len) &&
			    (filters[i][len] == ':' || !filters[i][len])) {
				char reason[96];
				snprintf(reason, sizeof reason, "this estimate takes no %s filter",
					 *d);
				http_problem_param(resp, "Q1023",
						   "a filter that would cut the estimate's table",
						   "filter", reason);
				return -1;
			}
		}
	return 0;
}

json_t *respond_disclosure(const struct server *srv, const struct answer *a, const char *role)
{
	const struct wq_config *cfg = srv->cfg;
	/* An official release's answer: the rules it was published under. */
	const struct release_rules now = {.floor = cfg->floor,
					  .threshold = cfg->threshold,
					  .noise_scale = cfg->noise_scale,
					  .fixed_scale = cfg->fixed_noise_scale,
					  .floor_spread = cfg->floor_spread},
				   *r = a->rules ? a->rules : &now;
	return json_pack("{s:b,s:s,s:I,s:f,s:f,s:f,s:i,s:f,s:i,s:i,s:i}", "applied", 1, "role",
			 role, "suppressed", (json_int_t)a->suppressed, "epsilon_charged",
			 a->epsilon, "budget_remaining", a->remaining, "budget", a->budget,
			 "sensitivity", a->sensitivity, "noise_scale", r->noise_scale, "floor",
			 r->floor, "floor_spread", r->floor_spread, "threshold", r->threshold);
}

json_t *respond_meta(const struct server *srv, const struct answer *a, const char *role,
		     json_t *items, const char *method)
{
	json_t *disclosure = respond_disclosure(srv, a, role);
	json_t *meta =
	    json_pack("{s:o,s:I,s:o,s:s}", "items", items, "data_version",
		      (json_int_t)a->data_version, "disclosure", disclosure, "method", method);
	/* An answer of the published product names its release by its first day. */
	char day[16];
	if (a->official > 0) {
		json_object_set_new(meta, "release", json_string(a->release_day));
		json_object_set_new(meta, "release_id", json_integer(a->official));
	} else if (a->release > 0) {
		public_release_day(srv->cfg, a->release, day);
		if (day[0])
			json_object_set_new(meta, "release", json_string(day));
	}
	return meta;
}

int respond_standard(struct http_request *req, const struct standard **st,
		     struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const char *how = http_query(req, "standardise");
	*st = NULL;
	if (!how)
		return 0;
	if (strcmp(how, "age") != 0) {
		http_problem_param(resp, "Q1010", "unsupported standardisation", "standardise",
				   "age is the one standardisation");
		return -1;
	}
	if (!(*st = standards_get(&srv->standards, http_query(req, "standard")))) {
		http_problem_param(resp, "Q1003", "unknown standard population", "standard",
				   "an id of config/standard_populations.json");
		return -1;
	}
	return 0;
}

void respond_audit_public(const struct server *srv)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static long pending;
	static time_t since;
	time_t now = time(NULL);
	long n = 0;
	pthread_mutex_lock(&mu);
	pending++;
	if (!since)
		since = now;
	if (now - since >= 60) {
		n = pending;
		pending = 0;
		since = now;
	}
	pthread_mutex_unlock(&mu);
	if (n)
		audit_query(srv->audit, 0, "requests without a token (count)", 0, (size_t)n, 0);
}

void respond_audit(struct http_request *req, const struct query *q, unsigned status,
		   const struct answer *a)
{
	const struct server *srv = http_app(req);
	if (http_principal(req)->role == ROLE_PUBLIC) {
		respond_audit_public(srv);
		return;
	}
	audit_query(srv->audit, http_principal(req)->token_id, q->canonical, status, a ? a->n : 0,
		    a ? a->epsilon : 0);
}

int respond_dry_run(struct http_request *req, const struct query *const *qs, int n,
		    const struct principal *who, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const char *dry = http_query(req, "dry_run");
	if (!dry || strcmp(dry, "true") != 0)
		return 0;
	PGconn *conn = http_db(req);
	double epsilon = 0, remaining = 0, budget = 0;
	int sensitivity = 0;
	for (int i = 0; i < n; i++) {
		struct wq_error e;
		struct answer a;
		unsigned status = 503;
		int retry;
		if (!conn || protect_answer(&srv->protector, conn, qs[i], who, PROTECT_DRY_RUN, &a,
					    &status, &retry, &e) < 0) {
			if (status == 503) {
				http_db_reset();
				http_problem(resp, 503, "S2002", "the query could not be answered",
					     NULL, NULL);
				resp->retry_after = 5;
			} else {
				http_problem_error(resp, status, &e);
			}
			return 1;
		}
		epsilon += a.epsilon;
		remaining = a.remaining;
		budget = a.budget;
		sensitivity += a.sensitivity;
		answer_free(&a);
	}
	/* The tables of one route together: each dry run saw the budget before any of them. */
	int affordable = epsilon <= remaining + 1e-9;
	double after = affordable ? remaining - epsilon : remaining;
	json_t *body = json_pack(
	    "{s:b,s:f,s:b,s:b,s:f,s:f,s:f,s:i,s:f,s:i,s:i}", "dry_run", 1, "epsilon", epsilon,
	    "free", epsilon == 0, "affordable", affordable, "budget", budget, "budget_remaining",
	    remaining, "budget_remaining_after", after > 0 ? after : 0, "budget_days",
	    srv->cfg->budget_days, "noise_half_width", 1.959964 * sqrt(noise_variance(srv->cfg)),
	    "sensitivity", sensitivity, "tables", n);
	http_json(resp, 200, body);
	return 1;
}

/* A refusal of protect_answer or protect_settle as the problem it answers. */
static void refused(struct http_request *req, const struct wq_error *e, unsigned status,
		    const struct answer *a, int retry, struct http_response *resp)
{
	if (status == 503) {
		log_error("%s: %s", e->code, e->message);
		http_db_reset();
		http_problem(resp, 503, "S2002", "the query could not be answered", NULL, NULL);
		resp->retry_after = 5;
	} else if (!strcmp(e->code, "D1001") || !strcmp(e->code, "D1002")) {
		budget_problem(req, e, status, a, retry, resp);
	} else {
		http_problem_error(resp, status, e);
		resp->retry_after = retry;
	}
}

static int protect_with(struct http_request *req, const struct query *q,
			const struct principal *who, enum protect_mode mode, struct answer *a,
			struct http_response *resp)
{
	const struct server *srv = http_app(req);
	struct wq_error e;
	unsigned status;
	int retry;
	PGconn *conn = http_db(req);
	memset(a, 0, sizeof *a);
	if (!conn) {
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return -1;
	}
	if (respond_dry_run(req, &q, 1, who, resp))
		return -1; /* answered: the route stops here, as on a refusal, with resp set */
	if (protect_answer(&srv->protector, conn, q, who, mode, a, &status, &retry, &e) == 0)
		return 0;
	refused(req, &e, status, a, retry, resp);
	return -1;
}

int respond_protect(struct http_request *req, const struct query *q, const struct principal *who,
		    struct answer *a, struct http_response *resp)
{
	return protect_with(req, q, who, PROTECT_CHARGE, a, resp);
}

int respond_protect_later(struct http_request *req, const struct query *q,
			  const struct principal *who, struct answer *a, struct http_response *resp)
{
	return protect_with(req, q, who, PROTECT_CHARGE_LATER, a, resp);
}

int respond_settle(struct http_request *req, struct answer *a, struct http_response *resp)
{
	struct wq_error e;
	unsigned status;
	int retry;
	if (protect_settle(a, &status, &retry, &e) == 0)
		return 0;
	refused(req, &e, status, a, retry, resp);
	return -1;
}

int respond_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

json_t *respond_value(const struct dimension *d, const char *code)
{
	if (!code)
		return json_null();
	if (d->kind == DIM_YEAR)
		return json_integer(atoi(code));
	if (d->kind == DIM_BOOL)
		return strcmp(code, "true") == 0 ? json_true() : json_false();
	return json_string(code);
}

void respond_add_label(json_t *items, const struct server *srv, const struct dimension *d,
		       const char *code)
{
	json_t *dim = json_object_get(items, d->name);
	if (!code || (dim && json_object_get(dim, code)))
		return; /* a table names each item many times: one label each, looked up once */
	const struct code_list *l = d->list ? codelists_get(&srv->lists, d->list) : NULL;
	int i = l ? codelist_index(l, code) : -1;
	if (i < 0)
		return;
	const struct code_item *it = &l->items[i];
	if (!dim) {
		dim = json_object();
		json_object_set_new(items, d->name, dim);
	}
	json_object_set_new(dim, code,
			    json_pack("{s:s,s:s,s:s}", "name", it->label_en, "name_en",
				      it->label_en, "name_ar", it->label_ar));
}

json_t *respond_indicator(const struct indicator *ind)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", ind->id, "name", ind->name,
			 "name_en", ind->name, "name_ar", ind->name_ar, "unit", ind->unit,
			 "unit_en", ind->unit, "unit_ar", ind->unit_ar, "type",
			 ind_type_name(ind->type));
}

/* o.name = o.name_ar and o.unit = o.unit_ar where they exist. */
static void arabic(json_t *o)
{
	json_t *v;
	if ((v = json_object_get(o, "name_ar")) && json_is_string(v))
		json_object_set(o, "name", v);
	if ((v = json_object_get(o, "unit_ar")) && json_is_string(v))
		json_object_set(o, "unit", v);
}

static void localise(json_t *doc, enum lang lang)
{
	const char *dim, *code;
	json_t *items, *codes, *label;
	if (lang != LANG_AR)
		return;
	arabic(json_object_get(doc, "indicator"));
	items = json_object_get(json_object_get(doc, "metaData"), "items");
	json_object_foreach (items, dim, codes)
		json_object_foreach (codes, code, label)
			arabic(label);
}

json_t *respond_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *respond_count(double v)
{
	return isfinite(v) ? json_integer((json_int_t)v) : json_null();
}

/* The table as CSV; a nested value (a series, a curve) as its compact JSON text. */
static char *to_csv(json_t *headers, json_t *rows)
{
	struct strbuf sb;
	size_t i, j;
	json_t *h, *row, *v;
	sb_init(&sb);
	json_array_foreach (headers, i, h) {
		if (i)
			sb_putc(&sb, ',');
		sb_csv_field(&sb, json_string_value(json_object_get(h, "name")));
	}
	sb_puts(&sb, "\r\n");
	json_array_foreach (rows, i, row) {
		json_array_foreach (row, j, v) {
			if (j)
				sb_putc(&sb, ',');
			if (json_is_string(v)) {
				sb_csv_field(&sb, json_string_value(v));
			} else if (json_is_integer(v)) {
				sb_printf(&sb, "%lld", (long long)json_integer_value(v));
			} else if (json_is_real(v)) {
				sb_printf(&sb, "%.17g", json_real_value(v));
			} else if (json_is_boolean(v)) {
				sb_puts(&sb, json_is_true(v) ? "true" : "false");
			} else if (!json_is_null(v)) {
				char *t = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17));
				sb_csv_field(&sb, t);
				free(t);
			}
		}
		sb_puts(&sb, "\r\n");
	}
	return sb.data;
}

/* Where a document's rows go when they are written as text (rows.h): a string no answer
 * holds, replaced by the text once the rest is dumped. */
#define ROWS_HOLE      "\001wiqaya:rows\001"
#define ROWS_HOLE_JSON "\"\\u0001wiqaya:rows\\u0001\""

/* doc as the form asks (localised; JSON, or its table as CSV), with rows (NULL: the
 * document's own "rows") as its rows: malloc'd text, and its type. */
static char *render(const struct respond_form *form, json_t *doc, struct rows *rows,
		    const char **type)
{
	size_t n;
	const char *text = rows ? rows_text(rows, &n) : NULL;
	localise(doc, form->lang);
	if (form->csv) {
		*type = "text/csv; charset=utf-8; header=present";
		char *csv = to_csv(json_object_get(doc, "headers"),
				   rows ? NULL : json_object_get(doc, "rows"));
		if (!rows)
			return csv;
		struct strbuf sb;
		sb_init(&sb);
		sb_puts(&sb, csv);
		sb_put(&sb, text, n);
		free(csv);
		return sb.data;
	}
	*type = "application/json; charset=utf-8";
	if (rows)
		json_object_set_new(doc, "rows", json_string(ROWS_HOLE));
	char *json = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
	const char *hole = rows ? strstr(json, ROWS_HOLE_JSON) : NULL;
	if (!hole)
		return json;
	struct strbuf sb;
	sb_init(&sb);
	sb_put(&sb, json, (size_t)(hole - json));
	sb_put(&sb, text, n);
	sb_puts(&sb, hole + strlen(ROWS_HOLE_JSON));
	free(json);
	return sb.data;
}

void respond_send(const struct respond_form *form, json_t *doc, struct http_response *resp)
{
	const char *type;
	char *body = render(form, doc, NULL, &type);
	http_text(resp, 200, type, body, strlen(body));
	free(body);
	json_decref(doc);
}

/* The asker's part while a body is rendered for keeping: a string no answer holds. */
#define HOLE	  "\001wiqaya:disclosure\001"
#define HOLE_JSON "\"\\u0001wiqaya:disclosure\\u0001\""

/* A kept body: whether CSV, where the hole is (SIZE_MAX: none), then the text. */
struct kept {
	int csv;
	size_t hole;
};

static void kept_key(const struct respond_form *form, const char *query, const struct answer *a,
		     struct strbuf *key)
{
	sb_init(key);
	sb_printf(key, "body %s %s %lld %d %lld %s", form->csv ? "csv" : "json",
		  form->lang == LANG_AR ? "ar" : "en", a->release, a->official, a->period, query);
}

/* Sends text[0..len) with the asker's part of a in its hole. */
static void send_filled(const struct server *srv, const struct kept *k, const char *text,
			size_t len, const struct answer *a, const char *role,
			struct http_response *resp)
{
	const char *type =
	    k->csv ? "text/csv; charset=utf-8; header=present" : "application/json; charset=utf-8";
	if (k->hole == SIZE_MAX) {
		http_text(resp, 200, type, text, len);
		if (a->official)
			http_etag_body(resp);
		return;
	}
	json_t *d = respond_disclosure(srv, a, role);
	char *part = json_dumps(d, JSON_COMPACT | JSON_REAL_PRECISION(17));
	size_t plen = strlen(part);
	/* The body in one block of its size, handed over: hundreds of KiB are copied once. */
	char *body = xmalloc(len + plen + 1);
	memcpy(body, text, k->hole);
	memcpy(body + k->hole, part, plen);
	memcpy(body + k->hole + plen, text + k->hole, len - k->hole);
	body[len + plen] = '\0';
	http_text_take(resp, 200, type, body, len + plen);
	if (a->official)
		http_etag_body(resp);
	free(part);
	json_decref(d);
}

char *respond_kept(const struct server *srv, const struct respond_form *form, const char *query,
		   const struct answer *a, size_t *len)
{
	struct strbuf key;
	if (!srv->protector.cache || !a->kept_at) /* (0: a version not known, nothing kept) */
		return NULL;
	kept_key(form, query, a, &key);
	char *b = cache_get(srv->protector.cache, key.data, a->kept_at, len);
	sb_free(&key);
	return b;
}

void respond_send_body(const struct server *srv, const char *kept, size_t len,
		       const struct answer *a, const char *role, struct http_response *resp)
{
	struct kept k;
	memcpy(&k, kept, sizeof k);
	send_filled(srv, &k, kept + sizeof k, len - sizeof k, a, role, resp);
}

int respond_send_kept(const struct server *srv, const struct respond_form *form, const char *query,
		      const struct answer *a, const char *role, struct http_response *resp)
{
	size_t len;
	char *b = respond_kept(srv, form, query, a, &len);
	if (!b)
		return -1;
	respond_send_body(srv, b, len, a, role, resp);
	free(b);
	return 0;
}

void respond_send_keep(const struct server *srv, const struct respond_form *form, const char *query,
		       const struct answer *a, const char *role, json_t *doc, struct rows *rows,
		       struct http_response *resp)
{
	const char *type;
	json_object_set_new(json_object_get(doc, "metaData"), "disclosure", json_string(HOLE));
	char *text = render(form, doc, rows, &type);
	json_decref(doc);
	size_t len = strlen(text);
	const char *hole = strstr(text, HOLE_JSON);
	struct kept k = {form->csv, hole ? (size_t)(hole - text) : SIZE_MAX};
	if (hole) /* the text around it */
		memmove(text + k.hole, hole + strlen(HOLE_JSON),
			len - k.hole - strlen(HOLE_JSON) + 1);
	len = strlen(text);
	if (srv->protector.cache && a->kept_at &&
	    cache_fits(srv->protector.cache, sizeof k + len)) {
		struct strbuf key, blob;
		kept_key(form, query, a, &key);
		sb_init(&blob);
		sb_put(&blob, (const char *)&k, sizeof k);
		sb_put(&blob, text, len);
		cache_put(srv->protector.cache, key.data, a->kept_at, blob.data, blob.len);
		sb_free(&key);
		sb_free(&blob);
	}
	send_filled(srv, &k, text, len, a, role, resp);
	free(text);
}

void respond_send_text(const struct respond_form *form, const char *body,
		       struct http_response *resp)
{
	if (!form->csv && form->lang == LANG_EN) {
		http_text(resp, 200, "application/json; charset=utf-8", body, strlen(body));
		return;
	}
	respond_send(form, json_loads(body, 0, NULL), resp);
}
