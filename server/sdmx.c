/* SDMX (ISO 17369) for the published product (docs/releases.md, "SDMX"): the statistical
 * exchange's structure and data, following the SDMX 2.1 REST conventions.
 *
 *   GET /api/v1/sdmx/dataflow/{agency}[/{id}[/{version}]]   the dataflows (references=all
 *                                                             adds their structure)
 *   GET /api/v1/sdmx/datastructure/{agency}[/{id}[/{version}]]  the structure: the data
 *                                                             structure definition, its
 *                                                             code lists and concepts
 *   GET /api/v1/sdmx/data/{flow}[/{key}]                    a dataflow's observations
 *
 * One data structure (DSD_WIQAYA) for every table of the product: the indicator, each
 * column any listed table has (in the model's order), the year as TIME_PERIOD; a table
 * without a column has its total (_T) there. One dataflow per listed table. The
 * observations are the public's answer of the table, as GET /api/v1/analytics gives it
 * (the newest release, or release=), never anything a token could add: OBS_VALUE the value,
 * LOWER_BOUND and UPPER_BOUND its interval, OBS_STATUS (A, U low reliability, M missing)
 * and CONF_STATUS (F free, C confidential: a suppressed cell, without a value). Data come
 * as SDMX-ML 2.1 generic data (the default), SDMX-CSV 2.0 (format=csv) or SDMX-JSON 2.0
 * (format=json), or by Accept. SDMX ids allow no "+": a code's "+" is "_PLUS" (18+ is
 * 18_PLUS). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/protect.h"
#include "server/respond.h"
#include "server/routes.h"
#include "server/server.h"

#define AGENCY	 "WIQAYA"
#define DSD_ID	 "DSD_WIQAYA"
#define VERSION	 "1.0"
#define MAX_DIMS 16

#define NS_MESSAGE "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
#define NS_COMMON  "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
#define NS_STRUCT  "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
#define NS_GENERIC "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"

/* The data structure: the columns of the listed tables but the year, in the model's
 * order (a dimension's place in the model's table). */
struct dsd {
	const struct dimension *dims[MAX_DIMS];
	int n;
};

static void dsd_of(const struct public_tables *pt, struct dsd *d)
{
	d->n = 0;
	for (size_t t = 0; t < pt->n; t++)
		for (int i = 0; i < pt->q[t].ndims; i++) {
			const struct dimension *dim = pt->q[t].dims[i].dim;
			int seen = dim->kind == DIM_YEAR;
			for (int k = 0; k < d->n && !seen; k++)
				seen = d->dims[k] == dim;
			if (seen || d->n == MAX_DIMS)
				continue;
			int at = d->n++;
			while (at > 0 && d->dims[at - 1] > dim) {
				d->dims[at] = d->dims[at - 1];
				at--;
			}
			d->dims[at] = dim;
		}
}

/* ---- ids and text ---- */

static void upper(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		sb_putc(sb, (char)toupper((unsigned char)*s));
}

/* A code as an SDMX id: "+" is "_PLUS". */
static void code_id(struct strbuf *sb, const char *code)
{
	for (; *code; code++)
		if (*code == '+')
			sb_puts(sb, "_PLUS");
		else
			sb_putc(sb, *code);
}

static void xml_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&':
			sb_puts(sb, "&amp;");
			break;
		case '<':
			sb_puts(sb, "&lt;");
			break;
		case '>':
			sb_puts(sb, "&gt;");
			break;
		case '"':
			sb_puts(sb, "&quot;");
			break;
		default:
			sb_putc(sb, *s);
		}
}

/* The concept scheme's names in Arabic: the SDMX structure's own metadata (the
 * dashboard's labels are its interface's). A concept not here is named in English. */
static const struct {
	const char *id, *ar;
} concepts_ar[] = {
    {"indicator", "المؤشر"},
    {"year", "السنة"},
    {"time_period", "الفترة الزمنية"},
    {"region", "المنطقة"},
    {"sex", "الجنس"},
    {"age_band", "الفئة العمرية"},
    {"offence", "الجريمة"},
    {"detection", "قناة الكشف"},
    {"status", "وضع الحالة"},
    {"support", "الدعم المتلقى"},
    {"offender_group", "فئة الجاني"},
    {"obs_value", "قيمة المشاهدة"},
    {"obs_status", "حالة المشاهدة"},
    {"conf_status", "حالة السرية"},
    {"lower_bound", "الحد الأدنى"},
    {"upper_bound", "الحد الأعلى"},
};

/* "age_band" as a name: "Age band", or in Arabic. */
static void concept_name(struct strbuf *sb, const char *name)
{
	for (const char *s = name; *s; s++)
		sb_putc(sb, s == name ? (char)toupper((unsigned char)*s) : *s == '_' ? ' ' : *s);
}

static const char *concept_ar(const char *name)
{
	for (size_t i = 0; i < sizeof concepts_ar / sizeof *concepts_ar; i++)
		if (!strcasecmp(concepts_ar[i].id, name))
			return concepts_ar[i].ar;
	return NULL;
}

static void concept_name_ar(struct strbuf *sb, const char *name)
{
	const char *ar = concept_ar(name);
	if (ar)
		sb_puts(sb, ar);
	else
		concept_name(sb, name);
}

/* Listed table t's dataflow id: DF_INDICATOR[_BY_COLUMN_COLUMN]. */
static void flow_id(struct strbuf *sb, const struct query *q)
{
	sb_puts(sb, "DF_");
	upper(sb, q->ind->id);
	int first = 1;
	for (int i = 0; i < q->ndims; i++) {
		if (q->dims[i].dim->kind == DIM_YEAR)
			continue;
		sb_puts(sb, first ? "_BY_" : "_");
		upper(sb, q->dims[i].dim->name);
		first = 0;
	}
}

/* The listed table whose dataflow is ref ("DF_X", "WIQAYA,DF_X" or "WIQAYA,DF_X,1.0"), or
 * -1. Standardised lines are no dataflow (their base table is). */
static long flow_of(const struct public_tables *pt, const char *ref)
{
	const char *id = ref, *comma = strchr(ref, ',');
	size_t len = strlen(ref);
	if (comma) {
		if ((size_t)(comma - ref) != strlen(AGENCY) || strncmp(ref, AGENCY, strlen(AGENCY)))
			return -1;
		id = comma + 1;
		const char *v = strchr(id, ',');
		len = v ? (size_t)(v - id) : strlen(id);
		if (v && strcmp(v + 1, VERSION) != 0 && strcmp(v + 1, "latest") != 0)
			return -1;
	}
	struct strbuf sb;
	sb_init(&sb);
	long found = -1;
	for (size_t t = 0; t < pt->n && found < 0; t++) {
		if (pt->st[t])
			continue;
		sb_reset(&sb);
		flow_id(&sb, &pt->q[t]);
		if (sb.len == len && strncmp(sb.data, id, len) == 0)
			found = (long)t;
	}
	sb_free(&sb);
	return found;
}

/* ---- structure ---- */

/* When a message was prepared: an official release's day (its data are the same bytes
 * for ever), else now. */
static void prepared(const struct answer *a, char out[32])
{
	if (a && a->official) {
		snprintf(out, 32, "%sT00:00:00Z", a->release_day);
		return;
	}
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void header(struct strbuf *sb, const char *id, const struct answer *a)
{
	char now[32];
	prepared(a, now);
	sb_printf(sb,
		  "<message:Header><message:ID>%s</message:ID><message:Test>false</message:Test>"
		  "<message:Prepared>%s</message:Prepared><message:Sender id=\"" AGENCY "\"/>",
		  id, now);
}

static void names(struct strbuf *sb, const char *en, const char *ar)
{
	sb_puts(sb, "<common:Name xml:lang=\"en\">");
	xml_text(sb, en);
	sb_puts(sb, "</common:Name>");
	if (ar && *ar) {
		sb_puts(sb, "<common:Name xml:lang=\"ar\">");
		xml_text(sb, ar);
		sb_puts(sb, "</common:Name>");
	}
}

static void flow_xml(struct strbuf *sb, const struct query *q)
{
	struct strbuf id, en, ar;
	sb_init(&id);
	sb_init(&en);
	sb_init(&ar);
	flow_id(&id, q);
	sb_puts(&en, q->ind->name);
	sb_puts(&ar, q->ind->name_ar);
	for (int i = 0; i < q->ndims; i++) {
		sb_puts(&en, i ? ", " : " by ");
		sb_puts(&ar, i ? "، " : " حسب ");
		concept_name(&en, q->dims[i].dim->name);
		concept_name_ar(&ar, q->dims[i].dim->name);
	}
	sb_printf(sb,
		  "<structure:Dataflow id=\"%s\" agencyID=\"" AGENCY "\" version=\"" VERSION "\">",
		  id.data);
	names(sb, en.data, ar.data);
	sb_puts(sb, "<structure:Structure><Ref id=\"" DSD_ID "\" agencyID=\"" AGENCY
		    "\" version=\"" VERSION "\" class=\"DataStructure\" package=\"datastructure\"/>"
		    "</structure:Structure></structure:Dataflow>");
	sb_free(&id);
	sb_free(&en);
	sb_free(&ar);
}

static void code_xml(struct strbuf *sb, const char *code, const char *en, const char *ar)
{
	sb_puts(sb, "<structure:Code id=\"");
	code_id(sb, code);
	sb_puts(sb, "\">");
	names(sb, en, ar);
	sb_puts(sb, "</structure:Code>");
}

static void codelist_open(struct strbuf *sb, const char *name, const char *en, const char *ar)
{
	sb_puts(sb, "<structure:Codelist id=\"CL_");
	upper(sb, name);
	sb_puts(sb, "\" agencyID=\"" AGENCY "\" version=\"" VERSION "\">");
	names(sb, en, ar);
}

static void concept_ref(struct strbuf *sb, const char *name)
{
	sb_puts(sb, "<structure:ConceptIdentity><Ref id=\"");
	upper(sb, name);
	sb_puts(sb, "\" maintainableParentID=\"CS_WIQAYA\" maintainableParentVersion=\"" VERSION
		    "\" agencyID=\"" AGENCY "\" class=\"Concept\" package=\"conceptscheme\"/>"
		    "</structure:ConceptIdentity>");
}

static void enumeration(struct strbuf *sb, const char *list)
{
	sb_puts(sb, "<structure:LocalRepresentation><structure:Enumeration><Ref id=\"CL_");
	upper(sb, list);
	sb_puts(sb, "\" agencyID=\"" AGENCY "\" version=\"" VERSION
		    "\" class=\"Codelist\" package=\"codelist\"/></structure:Enumeration>"
		    "</structure:LocalRepresentation>");
}

static const char *const attributes[] = {"OBS_STATUS", "CONF_STATUS", "LOWER_BOUND", "UPPER_BOUND"};

/* The code lists, concepts and data structure. */
static void dsd_xml(struct strbuf *sb, const struct server *srv, const struct dsd *d)
{
	sb_puts(sb, "<structure:Codelists>");
	codelist_open(sb, "indicator", "Indicator", "المؤشر");
	for (size_t i = 0; i < srv->indicators.n; i++) {
		const struct indicator *ind = &srv->indicators.v[i];
		struct strbuf id;
		sb_init(&id);
		upper(&id, ind->id);
		code_xml(sb, id.data, ind->name, ind->name_ar);
		sb_free(&id);
	}
	sb_puts(sb, "</structure:Codelist>");
	for (int k = 0; k < d->n; k++) {
		const struct dimension *dim = d->dims[k];
		struct strbuf en;
		sb_init(&en);
		concept_name(&en, dim->name);
		codelist_open(sb, dim->name, en.data, concept_ar(dim->name));
		sb_free(&en);
		const struct code_list *l = codelists_get(&srv->lists, dim->list);
		for (size_t i = 0; l && i < l->n; i++)
			code_xml(sb, l->items[i].code, l->items[i].label_en, l->items[i].label_ar);
		code_xml(sb, "_T", "Total", "المجموع");
		sb_puts(sb, "</structure:Codelist>");
	}
	codelist_open(sb, "obs_status", "Observation status", concept_ar("obs_status"));
	code_xml(sb, "A", "Normal value", NULL);
	code_xml(sb, "U", "Low reliability", NULL);
	code_xml(sb, "M", "Missing value", NULL);
	sb_puts(sb, "</structure:Codelist>");
	codelist_open(sb, "conf_status", "Confidentiality status", concept_ar("conf_status"));
	code_xml(sb, "F", "Free", NULL);
	code_xml(sb, "C", "Confidential: suppressed by the disclosure control", NULL);
	sb_puts(sb, "</structure:Codelist></structure:Codelists>");

	sb_puts(sb,
		"<structure:Concepts><structure:ConceptScheme id=\"CS_WIQAYA\" agencyID=\"" AGENCY
		"\" version=\"" VERSION "\">");
	names(sb, "Wiqaya concepts", NULL);
	const char *fixed[] = {"indicator",   "time_period", "obs_value",  "obs_status",
			       "conf_status", "lower_bound", "upper_bound"};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		struct strbuf en;
		sb_init(&en);
		concept_name(&en, fixed[i]);
		sb_puts(sb, "<structure:Concept id=\"");
		upper(sb, fixed[i]);
		sb_puts(sb, "\">");
		names(sb, en.data, concept_ar(fixed[i]));
		sb_puts(sb, "</structure:Concept>");
		sb_free(&en);
	}
	for (int k = 0; k < d->n; k++) {
		struct strbuf en;
		sb_init(&en);
		concept_name(&en, d->dims[k]->name);
		sb_puts(sb, "<structure:Concept id=\"");
		upper(sb, d->dims[k]->name);
		sb_puts(sb, "\">");
		names(sb, en.data, concept_ar(d->dims[k]->name));
		sb_puts(sb, "</structure:Concept>");
		sb_free(&en);
	}
	sb_puts(sb, "</structure:ConceptScheme></structure:Concepts>");

	sb_puts(sb, "<structure:DataStructures><structure:DataStructure id=\"" DSD_ID
		    "\" agencyID=\"" AGENCY "\" version=\"" VERSION "\">");
	names(sb, "Wiqaya: the published product", "وقاية: الجداول المنشورة");
	sb_puts(sb, "<structure:DataStructureComponents>"
		    "<structure:DimensionList id=\"DimensionDescriptor\">");
	sb_puts(sb, "<structure:Dimension id=\"INDICATOR\" position=\"1\">");
	concept_ref(sb, "indicator");
	enumeration(sb, "indicator");
	sb_puts(sb, "</structure:Dimension>");
	for (int k = 0; k < d->n; k++) {
		sb_puts(sb, "<structure:Dimension id=\"");
		upper(sb, d->dims[k]->name);
		sb_printf(sb, "\" position=\"%d\">", k + 2);
		concept_ref(sb, d->dims[k]->name);
		enumeration(sb, d->dims[k]->name);
		sb_puts(sb, "</structure:Dimension>");
	}
	sb_printf(sb, "<structure:TimeDimension id=\"TIME_PERIOD\" position=\"%d\">", d->n + 2);
	concept_ref(sb, "time_period");
	sb_puts(sb, "<structure:LocalRepresentation><structure:TextFormat "
		    "textType=\"ObservationalTimePeriod\"/></structure:LocalRepresentation>"
		    "</structure:TimeDimension></structure:DimensionList>"
		    "<structure:AttributeList id=\"AttributeDescriptor\">");
	for (size_t a = 0; a < sizeof attributes / sizeof *attributes; a++) {
		int coded = a < 2;
		sb_printf(sb, "<structure:Attribute id=\"%s\" assignmentStatus=\"%s\">",
			  attributes[a], coded ? "Mandatory" : "Conditional");
		concept_ref(sb, attributes[a]);
		if (coded)
			enumeration(sb, attributes[a]);
		else
			sb_puts(sb, "<structure:LocalRepresentation><structure:TextFormat "
				    "textType=\"Double\"/></structure:LocalRepresentation>");
		sb_puts(sb, "<structure:AttributeRelationship><structure:PrimaryMeasure>OBS_VALUE"
			    "</structure:PrimaryMeasure></structure:AttributeRelationship>"
			    "</structure:Attribute>");
	}
	sb_puts(sb, "</structure:AttributeList><structure:MeasureList id=\"MeasureDescriptor\">"
		    "<structure:PrimaryMeasure id=\"OBS_VALUE\">");
	concept_ref(sb, "obs_value");
	sb_puts(sb, "</structure:PrimaryMeasure></structure:MeasureList>"
		    "</structure:DataStructureComponents></structure:DataStructure>"
		    "</structure:DataStructures>");
}

/* The path's segments after PREFIX ("/api/v1/sdmx/dataflow/"): up to 3, split at "/". */
static int segments(const char *path, const char *prefix, char seg[3][128])
{
	const char *p = path + strlen(prefix);
	int n = 0;
	while (*p && n < 3) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= 128)
			return -1;
		memcpy(seg[n], p, len);
		seg[n][len] = '\0';
		n++;
		p += len + (end ? 1 : 0);
		if (end && !*p)
			return -1;
	}
	return *p ? -1 : n;
}

static void not_found(struct http_response *resp, const char *what)
{
	http_problem(resp, 404, "X1001", "no such SDMX artefact", what,
		     "GET /api/v1/sdmx/dataflow/" AGENCY " lists the dataflows.");
}

/* A structure query: agency (WIQAYA or all), id (all, or the artefact's), version (1.0,
 * latest or all). */
static int structure_ref(char seg[3][128], int n, const char **id)
{
	if (n < 1 || (strcmp(seg[0], AGENCY) != 0 && strcmp(seg[0], "all") != 0))
		return -1;
	if (n >= 3 && strcmp(seg[2], VERSION) != 0 && strcmp(seg[2], "latest") != 0 &&
	    strcmp(seg[2], "all") != 0)
		return -1;
	*id = n >= 2 && strcmp(seg[1], "all") != 0 ? seg[1] : NULL;
	return 0;
}

static void send_structure(struct http_response *resp, struct strbuf *body)
{
	http_text(resp, 200, "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8",
		  body->data, body->len);
}

static void structure_open(struct strbuf *sb, const char *id)
{
	sb_puts(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<message:Structure "
		    "xmlns:message=\"" NS_MESSAGE "\" xmlns:common=\"" NS_COMMON
		    "\" xmlns:structure=\"" NS_STRUCT "\">");
	header(sb, id, NULL);
	sb_puts(sb, "</message:Header><message:Structures>");
}

void sdmx_dataflow_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	char seg[3][128];
	const char *id;
	int n = segments(http_path(req), "/api/v1/sdmx/dataflow/", seg);
	if (n < 0 || structure_ref(seg, n, &id) < 0) {
		not_found(resp, "A dataflow query is dataflow/" AGENCY "[/ID[/" VERSION "]].");
		return;
	}
	long one = id ? flow_of(&srv->public, id) : -1;
	if (id && one < 0) {
		not_found(resp, "No dataflow has this id.");
		return;
	}
	const char *refs = http_query(req, "references");
	int children = refs && (!strcmp(refs, "all") || !strcmp(refs, "children") ||
				!strcmp(refs, "descendants") || !strcmp(refs, "datastructure"));
	struct strbuf sb;
	sb_init(&sb);
	structure_open(&sb, "DATAFLOWS");
	sb_puts(&sb, "<structure:Dataflows>");
	for (size_t t = 0; t < srv->public.n; t++)
		if (!srv->public.st[t] && (one < 0 || (size_t)one == t))
			flow_xml(&sb, &srv->public.q[t]);
	sb_puts(&sb, "</structure:Dataflows>");
	if (children) {
		struct dsd d;
		dsd_of(&srv->public, &d);
		dsd_xml(&sb, srv, &d);
	}
	sb_puts(&sb, "</message:Structures></message:Structure>\n");
	send_structure(resp, &sb);
	sb_free(&sb);
}

void sdmx_datastructure_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	char seg[3][128];
	const char *id;
	int n = segments(http_path(req), "/api/v1/sdmx/datastructure/", seg);
	if (n < 0 || structure_ref(seg, n, &id) < 0 || (id && strcmp(id, DSD_ID) != 0)) {
		not_found(resp,
			  "The data structure is datastructure/" AGENCY "/" DSD_ID "/" VERSION ".");
		return;
	}
	struct dsd d;
	dsd_of(&srv->public, &d);
	struct strbuf sb;
	sb_init(&sb);
	structure_open(&sb, DSD_ID);
	dsd_xml(&sb, srv, &d);
	sb_puts(&sb, "</message:Structures></message:Structure>\n");
	send_structure(resp, &sb);
	sb_free(&sb);
}

/* ---- data ---- */

enum data_format { DATA_GENERIC, DATA_CSV, DATA_JSON };

/* format= first (genericdata, csv, json), then Accept; -1 for a format= no SDMX data
 * format names. */
static int data_format(struct http_request *req)
{
	const char *f = http_query(req, "format");
	if (f)
		return !strcmp(f, "genericdata") ? DATA_GENERIC
		       : !strcmp(f, "csv")	 ? DATA_CSV
		       : !strcmp(f, "json")	 ? DATA_JSON
						 : -1;
	const char *accept = http_header(req, "Accept");
	if (accept && (strstr(accept, "data+csv") || strstr(accept, "text/csv")))
		return DATA_CSV;
	if (accept && (strstr(accept, "data+json") || strstr(accept, "application/json")))
		return DATA_JSON;
	return DATA_GENERIC;
}

/* One observation: the DSD's dimension codes (SDMX ids), the year, the cell. */
struct obs {
	char *codes[MAX_DIMS + 1]; /* [0] the indicator, then the DSD's dimensions */
	int year;
	const struct pcell *cell;
};

static int cmp_obs(const void *x, const void *y)
{
	const struct obs *a = x, *b = y;
	for (int k = 0; k <= MAX_DIMS && a->codes[k] && b->codes[k]; k++) {
		int c = strcmp(a->codes[k], b->codes[k]);
		if (c)
			return c;
	}
	return (a->year > b->year) - (a->year < b->year);
}

/* Whether an SDMX key position (empty: any; else ids joined by "+") holds id. */
static int key_holds(const char *part, const char *id)
{
	if (!*part)
		return 1;
	size_t n = strlen(id);
	for (const char *p = part; *p;) {
		const char *end = strchr(p, '+');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, id, n) == 0)
			return 1;
		p += len + (end ? 1 : 0);
	}
	return 0;
}

static void number(struct strbuf *sb, double v)
{
	/* The JSON API's numbers, as jansson writes them (17 significant digits). */
	char text[64];
	snprintf(text, sizeof text, "%.17g", v);
	sb_puts(sb, text);
}

static const char *obs_status(const struct pcell *c)
{
	return c->status == CELL_OK ? "A" : c->status == CELL_UNRELIABLE ? "U" : "M";
}

static int has_value(const struct pcell *c)
{
	return (c->status == CELL_OK || c->status == CELL_UNRELIABLE) && isfinite(c->value);
}

static void generic_xml(struct strbuf *sb, const struct dsd *d, const char *flow,
			const struct answer *a, const struct obs *o, size_t n)
{
	sb_puts(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<message:GenericData "
		    "xmlns:message=\"" NS_MESSAGE "\" xmlns:common=\"" NS_COMMON
		    "\" xmlns:generic=\"" NS_GENERIC "\">");
	header(sb, flow, a);
	sb_printf(sb,
		  "<message:Structure structureID=\"%s\" dimensionAtObservation=\"TIME_PERIOD\">"
		  "<common:Structure><Ref id=\"" DSD_ID "\" agencyID=\"" AGENCY
		  "\" version=\"" VERSION "\"/></common:Structure></message:Structure>"
		  "</message:Header><message:DataSet structureRef=\"%s\" action=\"Information\">",
		  flow, flow);
	for (size_t i = 0; i < n; i++) {
		/* A series: the observations of one key, the years in order (the rows of a
		 * table come with the year first: a key's years are gathered here). */
		int start = i == 0;
		for (int k = 0; !start && k <= d->n; k++)
			start = strcmp(o[i].codes[k], o[i - 1].codes[k]) != 0;
		if (start) {
			if (i)
				sb_puts(sb, "</generic:Series>");
			sb_puts(sb, "<generic:Series><generic:SeriesKey>");
			for (int k = 0; k <= d->n; k++) {
				sb_puts(sb, "<generic:Value id=\"");
				if (k)
					upper(sb, d->dims[k - 1]->name);
				else
					sb_puts(sb, "INDICATOR");
				sb_printf(sb, "\" value=\"%s\"/>", o[i].codes[k]);
			}
			sb_puts(sb, "</generic:SeriesKey>");
		}
		const struct pcell *c = o[i].cell;
		sb_printf(sb, "<generic:Obs><generic:ObsDimension value=\"%d\"/>", o[i].year);
		if (has_value(c)) {
			sb_puts(sb, "<generic:ObsValue value=\"");
			number(sb, c->value);
			sb_puts(sb, "\"/>");
		}
		sb_printf(sb,
			  "<generic:Attributes><generic:Value id=\"OBS_STATUS\" value=\"%s\"/>"
			  "<generic:Value id=\"CONF_STATUS\" value=\"%s\"/>",
			  obs_status(c), c->status == CELL_SUPPRESSED ? "C" : "F");
		if (has_value(c) && isfinite(c->lower) && isfinite(c->upper)) {
			sb_puts(sb, "<generic:Value id=\"LOWER_BOUND\" value=\"");
			number(sb, c->lower);
			sb_puts(sb, "\"/><generic:Value id=\"UPPER_BOUND\" value=\"");
			number(sb, c->upper);
			sb_puts(sb, "\"/>");
		}
		sb_puts(sb, "</generic:Attributes></generic:Obs>");
	}
	if (n)
		sb_puts(sb, "</generic:Series>");
	sb_puts(sb, "</message:DataSet></message:GenericData>\n");
}

static void csv(struct strbuf *sb, const struct dsd *d, const char *flow, const struct obs *o,
		size_t n)
{
	sb_puts(sb, "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR");
	for (int k = 0; k < d->n; k++) {
		sb_putc(sb, ',');
		upper(sb, d->dims[k]->name);
	}
	sb_puts(sb, ",TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS,LOWER_BOUND,UPPER_BOUND\r\n");
	for (size_t i = 0; i < n; i++) {
		const struct pcell *c = o[i].cell;
		sb_printf(sb, "dataflow," AGENCY ":%s(" VERSION "),I", flow);
		for (int k = 0; k <= d->n; k++) {
			sb_putc(sb, ',');
			sb_csv_field(sb, o[i].codes[k]);
		}
		sb_printf(sb, ",%d,", o[i].year);
		if (has_value(c))
			number(sb, c->value);
		sb_printf(sb, ",%s,%s,", obs_status(c), c->status == CELL_SUPPRESSED ? "C" : "F");
		if (has_value(c) && isfinite(c->lower) && isfinite(c->upper)) {
			number(sb, c->lower);
			sb_putc(sb, ',');
			number(sb, c->upper);
		} else {
			sb_putc(sb, ',');
		}
		sb_puts(sb, "\r\n");
	}
}

/* SDMX-JSON 2.0: every dimension at the observation level; an observation is
 * [OBS_VALUE, OBS_STATUS, CONF_STATUS, LOWER_BOUND, UPPER_BOUND], the attributes as
 * indexes into their values (null: none). */
static json_t *sdmx_json(const struct server *srv, const struct dsd *d, const char *flow,
			 const struct answer *a, const struct obs *o, size_t n)
{
	json_t *dims = json_array();
	size_t *index = xcalloc((size_t)(d->n + 2) * (n + 1), sizeof *index);
	for (int k = 0; k <= d->n + 1; k++) {
		json_t *values = json_array();
		for (size_t i = 0; i < n; i++) {
			char year[16];
			snprintf(year, sizeof year, "%d", o[i].year);
			const char *v = k <= d->n ? o[i].codes[k] : year;
			size_t at = json_array_size(values);
			for (size_t j = 0;
			     j < json_array_size(values) && at == json_array_size(values); j++)
				if (!strcmp(json_string_value(
						json_object_get(json_array_get(values, j), "id")),
					    v))
					at = j;
			if (at == json_array_size(values)) {
				json_t *val = json_pack("{s:s}", "id", v);
				const char *list = k == 0      ? NULL
						   : k <= d->n ? d->dims[k - 1]->list
							       : NULL;
				const struct code_list *l =
				    list ? codelists_get(&srv->lists, list) : NULL;
				for (size_t c = 0; l && c < l->n; c++) {
					struct strbuf id;
					sb_init(&id);
					code_id(&id, l->items[c].code);
					if (!strcmp(id.data, v))
						json_object_set_new(
						    val, "names",
						    json_pack("{s:s,s:s}", "en",
							      l->items[c].label_en, "ar",
							      l->items[c].label_ar));
					sb_free(&id);
				}
				json_array_append_new(values, val);
			}
			index[i * (size_t)(d->n + 2) + (size_t)k] = at;
		}
		struct strbuf id;
		sb_init(&id);
		if (k == 0)
			sb_puts(&id, "INDICATOR");
		else if (k <= d->n)
			upper(&id, d->dims[k - 1]->name);
		else
			sb_puts(&id, "TIME_PERIOD");
		json_array_append_new(dims, json_pack("{s:s,s:i,s:o}", "id", id.data, "keyPosition",
						      k, "values", values));
		sb_free(&id);
	}
	json_t *obs = json_object(), *lower = json_array(), *upper_v = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct pcell *c = o[i].cell;
		struct strbuf key;
		sb_init(&key);
		for (int k = 0; k <= d->n + 1; k++)
			sb_printf(&key, "%s%zu", k ? ":" : "",
				  index[i * (size_t)(d->n + 2) + (size_t)k]);
		int bounded = has_value(c) && isfinite(c->lower) && isfinite(c->upper);
		if (bounded) {
			json_array_append_new(lower, json_pack("{s:f}", "value", c->lower));
			json_array_append_new(upper_v, json_pack("{s:f}", "value", c->upper));
		}
		const char *st = obs_status(c);
		json_object_set_new(
		    obs, key.data,
		    json_pack("[o,i,i,o,o]", has_value(c) ? json_real(c->value) : json_null(),
			      st[0] == 'A'   ? 0
			      : st[0] == 'U' ? 1
					     : 2,
			      c->status == CELL_SUPPRESSED ? 1 : 0,
			      bounded ? json_integer((json_int_t)json_array_size(lower) - 1)
				      : json_null(),
			      bounded ? json_integer((json_int_t)json_array_size(upper_v) - 1)
				      : json_null()));
		sb_free(&key);
	}
	free(index);
	json_t *attrs =
	    json_pack("[{s:s,s:[{s:s},{s:s},{s:s}]},{s:s,s:[{s:s},{s:s}]},{s:s,s:o},{s:s,s:o}]",
		      "id", "OBS_STATUS", "values", "id", "A", "id", "U", "id", "M", "id",
		      "CONF_STATUS", "values", "id", "F", "id", "C", "id", "LOWER_BOUND", "values",
		      lower, "id", "UPPER_BOUND", "values", upper_v);
	char now[32];
	prepared(a, now);
	char urn[256];
	snprintf(urn, sizeof urn,
		 "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=" AGENCY ":%s(" VERSION ")",
		 flow);
	return json_pack("{s:{s:s,s:s,s:b,s:{s:s},s:[s,s]},s:{s:[{s:[{s:s,s:s}],s:{s:[],s:[],s:o},"
			 "s:{s:[],s:[],s:o},s:{s:[{s:s}]}}],s:[{s:i,s:s,s:o}]}}",
			 "meta", "id", flow, "prepared", now, "test", 0, "sender", "id", AGENCY,
			 "contentLanguages", "en", "ar", "data", "structures", "links", "urn", urn,
			 "rel", "dataflow", "dimensions", "dataSet", "series", "observation", dims,
			 "attributes", "dataSet", "series", "observation", attrs, "measures",
			 "observation", "id", "OBS_VALUE", "dataSets", "structure", 0, "action",
			 "Information", "observations", obs);
}

void sdmx_data_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	char seg[3][128];
	int nseg = segments(http_path(req), "/api/v1/sdmx/data/", seg);
	long t = nseg >= 1 ? flow_of(&srv->public, seg[0]) : -1;
	if (nseg < 1 || t < 0) {
		not_found(resp, "A data query is data/FLOW[/KEY]; the dataflows are listed at "
				"dataflow/" AGENCY ".");
		return;
	}
	int format = data_format(req);
	if (format < 0) {
		http_problem_param(resp, "X1002", "no such SDMX format", "format",
				   "genericdata, csv or json");
		return;
	}
	struct dsd d;
	dsd_of(&srv->public, &d);
	/* The key: the indicator, then each DSD dimension, joined by "."; "all" any. */
	char parts[MAX_DIMS + 1][128];
	int nparts = 0;
	const char *key = nseg >= 2 && strcmp(seg[1], "all") != 0 ? seg[1] : NULL;
	for (const char *p = key; p;) {
		const char *end = strchr(p, '.');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (nparts > d.n || len >= sizeof parts[0]) {
			nparts = -1;
			break;
		}
		memcpy(parts[nparts], p, len);
		parts[nparts++][len] = '\0';
		p = end ? end + 1 : NULL;
	}
	if (key && nparts != d.n + 1) {
		http_problem(
		    resp, 400, "X1003", "an SDMX key has one part per dimension",
		    "The key is INDICATOR.DIM.DIM... in the data structure's order, a part "
		    "empty for any, ids joined by + for several.",
		    NULL);
		return;
	}
	const char *sp = http_query(req, "startPeriod"), *ep = http_query(req, "endPeriod");
	int from = sp ? atoi(sp) : 0, to = ep ? atoi(ep) : 0;
	if ((sp && (from < 1900 || from > 2200)) || (ep && (to < 1900 || to > 2200))) {
		http_problem_param(resp, "X1004", "a period is a year",
				   sp && (from < 1900 || from > 2200) ? "startPeriod" : "endPeriod",
				   "YYYY");
		return;
	}

	/* The public's answer of the table, from the release asked or the newest. */
	struct query *qp = xmalloc(sizeof *qp);
	*qp = srv->public.q[t];
	if (respond_release(req, &qp->release, resp) < 0) {
		free(qp);
		return;
	}
	qp->from_year = from;
	qp->to_year = to;
	const struct query *q = qp;
	const struct principal pub = {0, ROLE_PUBLIC, ""};
	struct answer a;
	unsigned status;
	int retry;
	struct wq_error e;
	PGconn *conn = http_db(req);
	if (!conn || protect_answer(&srv->protector, conn, q, &pub, PROTECT_PUBLISHED, &a, &status,
				    &retry, &e) < 0) {
		free(qp);
		if (!conn || status == 503) {
			http_db_reset();
			http_problem(resp, 503, "S2002", "the table could not be read", NULL, NULL);
			resp->retry_after = 5;
		} else if (status == 401 || !strcmp(e.code, "T1000")) {
			http_problem(resp, 404, "X1005", "the table is not published yet",
				     "No release of the published product holds this table.", NULL);
		} else {
			http_problem_error(resp, status, &e);
		}
		return;
	}
	int year = -1;
	for (int i = 0; i < q->ndims; i++)
		if (q->dims[i].dim->kind == DIM_YEAR)
			year = i;
	struct obs *o = xcalloc(a.n + 1, sizeof *o);
	size_t n = 0;
	struct strbuf ind;
	sb_init(&ind);
	upper(&ind, q->ind->id);
	for (size_t c = 0; c < a.n; c++) {
		const struct pcell *cell = &a.cells[c];
		struct obs *ob = &o[n];
		ob->cell = cell;
		ob->year = year >= 0 && cell->values[year] ? atoi(cell->values[year]) : 0;
		if ((from && ob->year < from) || (to && ob->year > to))
			continue;
		ob->codes[0] = xstrdup(ind.data);
		int keep = !key || key_holds(parts[0], ob->codes[0]);
		for (int k = 0; k < d.n; k++) {
			struct strbuf v;
			sb_init(&v);
			int col = -1;
			for (int i = 0; i < q->ndims; i++)
				if (q->dims[i].dim == d.dims[k])
					col = i;
			code_id(&v, col < 0 ? "_T" : cell->values[col] ? cell->values[col] : "_Z");
			ob->codes[k + 1] = xstrdup(v.data);
			sb_free(&v);
			keep &= !key || key_holds(parts[k + 1], ob->codes[k + 1]);
		}
		if (keep) {
			n++;
		} else {
			for (int k = 0; k <= d.n; k++)
				free(ob->codes[k]);
		}
	}
	sb_free(&ind);
	/* Series together, each by year (no two observations share both). */
	qsort(o, n, sizeof *o, cmp_obs);
	struct strbuf flow, body;
	sb_init(&flow);
	sb_init(&body);
	flow_id(&flow, q);
	if (format == DATA_GENERIC) {
		generic_xml(&body, &d, flow.data, &a, o, n);
		http_text(resp, 200,
			  "application/vnd.sdmx.genericdata+xml; version=2.1; charset=utf-8",
			  body.data, body.len);
	} else if (format == DATA_CSV) {
		csv(&body, &d, flow.data, o, n);
		http_text(resp, 200, "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
			  body.data, body.len);
	} else {
		json_t *j = sdmx_json(srv, &d, flow.data, &a, o, n);
		char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
		json_decref(j);
		http_text(resp, 200, "application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8",
			  text, strlen(text));
		free(text);
	}
	if (a.official)
		http_etag_body(resp);
	sb_free(&flow);
	sb_free(&body);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k <= d.n; k++)
			free(o[i].codes[k]);
	free(o);
	free(qp);
	answer_free(&a);
}
