/* Case validation (see record.h and docs/data-dictionary.md for every rule and code).
 * Each check adds a numbered error and goes on, so a clerk sees every problem of a record
 * at once. Messages name fields and allowed codes, never a submitted value: a name typed
 * into a code field must not reach a reject file. Just over 600 lines: the whole record
 * contract in one place, read top to bottom as the record is (case, persons, identity,
 * interventions). */
#include "etl/load/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "common/month.h"
#include "etl/pseudonym/normalise.h"

void rec_error_add(struct rec_errors *errs, const char *code, const char *pointer, const char *fmt,
		   ...)
{
	if (errs->n == REC_MAX_ERRORS) {
		errs->more++;
		return;
	}
	struct rec_error *e = &errs->e[errs->n++];
	va_list ap;
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->pointer, sizeof e->pointer, "%s", pointer ? pointer : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

/* A field being checked: its object, name, and where it is: its JSON pointer, written
 * out only for an error (formatting every field's was a tenth of a load's reading). */
struct field {
	json_t *obj;
	const char *base, *name;
	char ptr[96];
};

static struct field field_of(json_t *obj, const char *base, const char *name)
{
	return (struct field){obj, base, name, ""};
}

static const char *field_ptr(struct field *f)
{
	snprintf(f->ptr, sizeof f->ptr, "%s/%s", f->base, f->name);
	return f->ptr;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* Whether obj has name as a value other than null (a null counts as absent). */
static int present(const json_t *obj, const char *name)
{
	const json_t *v = json_object_get(obj, name);
	return v && !json_is_null(v);
}

/* The value of f, or NULL; a JSON null counts as absent. Reports E1003 when required. */
static json_t *get(struct field *f, int required, struct rec_errors *errs)
{
	json_t *v = present(f->obj, f->name) ? json_object_get(f->obj, f->name) : NULL;
	if (!v && required)
		rec_error_add(errs, "E1003", field_ptr(f), "required field \"%s\" is missing",
			      f->name);
	return v;
}

static const char *get_string(struct field *f, int required, size_t maxlen, struct rec_errors *errs)
{
	json_t *v = get(f, required, errs);
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		rec_error_add(errs, "E1004", field_ptr(f), "\"%s\" must be a string, not %s",
			      f->name, type_name(v));
		return NULL;
	}
	if (json_string_length(v) > maxlen) {
		rec_error_add(errs, "E1005", field_ptr(f), "\"%s\" is longer than %zu bytes",
			      f->name, maxlen);
		return NULL;
	}
	/* A NUL would cut the value short; no field holds other control characters. */
	const char *sv = json_string_value(v);
	for (size_t i = 0; i < json_string_length(v); i++) {
		unsigned char c = (unsigned char)sv[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F) {
			rec_error_add(errs, "E1004", field_ptr(f),
				      "\"%s\" contains a NUL or control character", f->name);
			return NULL;
		}
	}
	return sv;
}

/* VALUE as list LIST_NAME spells it, or NULL with E2001 at field F (at its item ITEM when
 * an array's, else -1). */
static const char *check_code(const struct rec_context *ctx, const char *list_name, struct field *f,
			      long item, const char *value, struct rec_errors *errs)
{
	const struct code_list *l = codelists_get(ctx->lists, list_name);
	int i = l ? codelist_index(l, value) : -1;
	if (i >= 0)
		return l->items[i].code;
	char ptr[112];
	if (item < 0)
		snprintf(ptr, sizeof ptr, "%s", field_ptr(f));
	else
		snprintf(ptr, sizeof ptr, "%s/%ld", field_ptr(f), item);
	char *codes = l ? codelist_codes(l, 240) : xstrdup("");
	rec_error_add(errs, "E2001", ptr, "\"%s\" is not a code of list %s: %s", f->name, list_name,
		      codes);
	free(codes);
	return NULL;
}

static const char *get_code(const struct rec_context *ctx, struct field *f, const char *list_name,
			    int required, const char *def, struct rec_errors *errs)
{
	const char *s = get_string(f, required, 64, errs);
	if (!s) {
		if (present(f->obj, f->name))
			return NULL; /* present but bad: already reported */
		return def;
	}
	return check_code(ctx, list_name, f, -1, s, errs);
}

/* A boolean field: 1, 0, or -1 when absent or wrong (wrong is reported). */
static int get_bool(struct field *f, struct rec_errors *errs)
{
	json_t *v = get(f, 0, errs);
	if (!v)
		return -1;
	if (!json_is_boolean(v)) {
		rec_error_add(errs, "E1004", field_ptr(f), "\"%s\" must be true or false, not %s",
			      f->name, type_name(v));
		return -1;
	}
	return json_is_true(v);
}

/* A month index from a date or month field; -1 when absent, -2 when bad (reported).
 * day (may be NULL) gets the day of the month, 0 when only a month was given. */
static int get_month(struct field *f, int required, int *day, struct rec_errors *errs)
{
	const char *s = get_string(f, required, 10, errs);
	struct wq_error e;
	int y, m, d;
	if (!s)
		return present(f->obj, f->name) ? -2 : -1;
	if (norm_date(s, 1, &y, &m, &d, &e) < 0) {
		rec_error_add(errs, e.code, field_ptr(f), "\"%s\": %s", f->name, e.message);
		return -2;
	}
	if (day)
		*day = d;
	return month_index(y, m);
}

/* An array of codes into out (deduplicated); returns the count, -1 when bad. */
static int get_codes(const struct rec_context *ctx, struct field *f, const char *list, int required,
		     const char **out, int max, struct rec_errors *errs)
{
	json_t *v = get(f, required, errs);
	size_t i;
	json_t *item;
	int n = 0, bad = 0;
	if (!v)
		return 0;
	if (!json_is_array(v)) {
		rec_error_add(errs, "E1004", field_ptr(f),
			      "\"%s\" must be an array of codes, not %s", f->name, type_name(v));
		return -1;
	}
	if (required && json_array_size(v) == 0) {
		rec_error_add(errs, "E1003", field_ptr(f), "\"%s\" needs at least one code",
			      f->name);
		return -1;
	}
	if (json_array_size(v) > (size_t)max) {
		rec_error_add(errs, "E1005", field_ptr(f), "\"%s\" has more than %d items", f->name,
			      max);
		return -1;
	}
	json_array_foreach (v, i, item) {
		if (!json_is_string(item)) {
			char ptr[112];
			snprintf(ptr, sizeof ptr, "%s/%zu", field_ptr(f), i);
			rec_error_add(errs, "E1004", ptr, "items of \"%s\" must be strings, not %s",
				      f->name, type_name(item));
			bad = 1;
			continue;
		}
		const char *code = check_code(ctx, list, f, (long)i, json_string_value(item), errs);
		if (!code) {
			bad = 1;
			continue;
		}
		int dup = 0;
		for (int k = 0; k < n; k++)
			dup |= out[k] == code;
		if (!dup)
			out[n++] = code;
	}
	return bad ? -1 : n;
}

/* Unknown fields are E1006: a misspelt field must not be silently dropped. The name is
 * never echoed (a clerk may type a child's name as a key): the error says where the field
 * is, by position among the object's fields, and names our own field it resembles when it
 * differs from one only by case. KNOWN lists the object's fields; a person's also has the
 * attributes of common/attribute.h (WITH_ATTRS). */
static const char *known_as(const char *const *known, int with_attrs, const char *key,
			    const char **like)
{
	for (const char *const *k = known; *k; k++)
		if (strcmp(*k, key) == 0)
			return *k;
	for (size_t a = 0; with_attrs && a < attr_count(); a++)
		if (strcmp(attr_at(a)->name, key) == 0)
			return attr_at(a)->name;
	/* Unknown (rare): then, and only then, what it resembles (case-blind comparisons of
	 * fields that were known were 2.7% of the loader's time on 80,000 cases). */
	for (const char *const *k = known; *k; k++)
		if (strcasecmp(*k, key) == 0)
			*like = *k;
	for (size_t a = 0; with_attrs && a < attr_count(); a++)
		if (strcasecmp(attr_at(a)->name, key) == 0)
			*like = attr_at(a)->name;
	return NULL;
}

static void check_known(json_t *obj, const char *base, const char *const *known, int with_attrs,
			struct rec_errors *errs)
{
	int pos = 0;
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		const char *like = NULL;
		pos++;
		if (known_as(known, with_attrs, json_object_iter_key(it), &like))
			continue;
		if (like)
			rec_error_add(errs, "E1006", base[0] ? base : "/",
				      "field %d is not a field of the record; did you mean \"%s\"? "
				      "(names are lower case)",
				      pos, like);
		else
			rec_error_add(errs, "E1006", base[0] ? base : "/",
				      "field %d of this object is not a field of the record "
				      "(docs/data-dictionary.md lists them)",
				      pos);
	}
}

static const char *const case_fields[] = {"schema",    "agency",	"case_ref", "reported",
					  "incident",  "region",	"offences", "technology",
					  "detection", "financial",	"status",   "victims",
					  "offenders", "interventions", NULL};
/* And the attributes of common/attribute.h. */
static const char *const person_fields[] = {"ref", "identity", "sex", "age", NULL};
static const char *const identity_fields[] = {"given_name",  "family_name", "birth_date",
					      "national_id", "id_country",  NULL};
static const char *const intervention_fields[] = {"person",    "type",	  "level", "started",
						  "completed", "outcome", NULL};

static int parse_person(const struct rec_context *ctx, json_t *p, const char *base, int offender,
			const struct case_rec *c, struct person_rec *out, struct rec_errors *errs)
{
	int before = errs->n + errs->more;
	struct field f;
	memset(out, 0, sizeof *out);

	if (!json_is_object(p)) {
		rec_error_add(errs, "E1004", base, "a person must be an object, not %s",
			      type_name(p));
		return -1;
	}
	check_known(p, base, person_fields, 1, errs);

	f = field_of(p, base, "ref");
	const char *ref = get_string(&f, 1, 64, errs);
	if (ref && strlen(ref) > REC_REF_MAX)
		rec_error_add(errs, "E1005", field_ptr(&f), "\"ref\" is longer than %d bytes",
			      REC_REF_MAX);
	else if (ref)
		snprintf(out->ref, sizeof out->ref, "%s", ref);

	f = field_of(p, base, "sex");
	out->sex = get_code(ctx, &f, "sex", 1, NULL, errs);

	for (size_t a = 0; a < attr_count(); a++) {
		const struct attribute *at = attr_at(a);
		f = field_of(p, base, at->name);
		out->attr[a] = get_code(ctx, &f, at->list, 0, at->def, errs);
	}

	/* Identity: tokens now, values never kept. */
	struct identity id = {0};
	int by = 0, bm = 0, bd = 0, have_birth = 0;
	char idbase[96];
	snprintf(idbase, sizeof idbase, "%s/identity", base);
	f = field_of(p, base, "identity");
	json_t *ident = get(&f, 0, errs);
	if (ident && !json_is_object(ident)) {
		rec_error_add(errs, "E1004", field_ptr(&f),
			      "\"identity\" must be an object, not %s", type_name(ident));
		ident = NULL;
	}
	if (ident) {
		check_known(ident, idbase, identity_fields, 0, errs);
		f = field_of(ident, idbase, "given_name");
		id.given_name = get_string(&f, 0, 200, errs);
		f = field_of(ident, idbase, "family_name");
		id.family_name = get_string(&f, 0, 200, errs);
		f = field_of(ident, idbase, "national_id");
		id.national_id = get_string(&f, 0, 64, errs);
		f = field_of(ident, idbase, "id_country");
		id.id_country = get_code(ctx, &f, "countries", 0, NULL, errs);
		f = field_of(ident, idbase, "birth_date");
		id.birth_date = get_string(&f, 0, 10, errs);
		if (id.birth_date) {
			struct wq_error e;
			if (norm_date(id.birth_date, 0, &by, &bm, &bd, &e) < 0) {
				rec_error_add(errs, e.code, field_ptr(&f), "\"birth_date\": %s",
					      e.message);
				id.birth_date = NULL;
			} else {
				have_birth = 1;
			}
		}
	}

	f = field_of(p, base, "age");
	json_t *age = get(&f, 0, errs);
	out->age = -1;
	if (age) {
		if (!json_is_integer(age)) {
			rec_error_add(errs, "E1004", field_ptr(&f),
				      "\"age\" must be a whole number, not %s", type_name(age));
		} else if (json_integer_value(age) < 0 || json_integer_value(age) > 120) {
			rec_error_add(errs, "E3003", field_ptr(&f),
				      "\"age\" must be from 0 to 120");
		} else {
			out->age = (int)json_integer_value(age);
		}
	}
	if (have_birth && c->reported >= 0 && c->incident != -2) {
		int derived = rec_age(c, by, bm, bd);
		if (derived < 0) {
			rec_error_add(errs, "E3003", idbase,
				      "\"birth_date\" is after the incident month (or the "
				      "reported date)");
		} else if (out->age >= 0 && abs(out->age - derived) > 1) {
			rec_error_add(
			    errs, "E3003", field_ptr(&f),
			    "\"age\" disagrees with \"birth_date\" by more than one year");
		} else {
			out->age = derived > 120 ? -1 : derived;
			if (derived > 120)
				rec_error_add(errs, "E3003", idbase,
					      "age from \"birth_date\" is over 120");
		}
	} else if (!have_birth && !age && !(ident && present(ident, "birth_date"))) {
		/* (A birth date given but refused has its own error already; a null one is
		 * none, as everywhere: without this rule such a person had no age, which the
		 * warehouse refuses, failing the whole load or the intake's commit.) */
		rec_error_add(errs, "E3006", base,
			      "a person needs \"age\" or \"identity/birth_date\"");
	}

	if (errs->n + errs->more > before)
		return -1;

	out->child = offender && out->age >= 0 && out->age < 18;
	id.sex = norm_sex(out->sex);
	struct wq_error e;
	int n = pseudo_person(ctx->keys, out->child ? KEY_CHILD : KEY_LINK, ctx->key_version, &id,
			      ctx->default_country, out->tok, &e);
	if (n < 0) {
		rec_error_add(errs, e.code, idbase, "identity: %s", e.message);
		return -1;
	}
	out->ntok = n;
	return 0;
}

static int parse_persons(const struct rec_context *ctx, json_t *j, const char *name, int required,
			 int offender, const struct case_rec *c, struct person_rec **out, int *n,
			 struct rec_errors *errs)
{
	struct field f = field_of(j, "", name);
	json_t *arr = get(&f, required, errs);
	size_t i;
	json_t *p;
	int bad = 0;
	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		rec_error_add(errs, "E1004", field_ptr(&f), "\"%s\" must be an array, not %s", name,
			      type_name(arr));
		return -1;
	}
	if (required && json_array_size(arr) == 0) {
		rec_error_add(errs, "E1003", field_ptr(&f), "\"%s\" needs at least one person",
			      name);
		return -1;
	}
	if (json_array_size(arr) > REC_MAX_PERSONS) {
		rec_error_add(errs, "E1005", field_ptr(&f), "\"%s\" has more than %d persons", name,
			      REC_MAX_PERSONS);
		return -1;
	}
	*out = xcalloc(json_array_size(arr) ? json_array_size(arr) : 1, sizeof(struct person_rec));
	json_array_foreach (arr, i, p) {
		char base[64];
		snprintf(base, sizeof base, "/%s/%zu", name, i);
		if (parse_person(ctx, p, base, offender, c, &(*out)[*n], errs) == 0)
			(*n)++;
		else
			bad = 1;
	}
	return bad ? -1 : 0;
}

static const char *default_level(const char *type)
{
	if (strcmp(type, "education_programme") == 0)
		return "primary";
	if (strcmp(type, "early_intervention") == 0 || strcmp(type, "helpline_support") == 0)
		return "secondary";
	return "tertiary";
}

/* The role ('v' or 'o') and 1-based position of the person with this ref among the
 * submitted victims and offenders; 0 when there is none. The submitted persons, not the
 * accepted ones: an intervention of a person rejected for another reason must not get a
 * second, misleading E3004. */
static int find_ref(json_t *j, const char *ref, char *role)
{
	static const char *const lists[] = {"victims", "offenders"};
	for (int l = 0; l < 2; l++) {
		json_t *arr = json_object_get(j, lists[l]), *p;
		size_t i;
		if (!json_is_array(arr))
			continue;
		json_array_foreach (arr, i, p) {
			json_t *r = json_object_get(p, "ref");
			if (json_is_string(r) && strcmp(json_string_value(r), ref) == 0) {
				*role = l ? 'o' : 'v';
				return (int)i + 1;
			}
		}
	}
	return 0;
}

static void parse_interventions(const struct rec_context *ctx, json_t *j, struct case_rec *c,
				struct rec_errors *errs)
{
	struct field f = field_of(j, "", "interventions");
	json_t *arr = get(&f, 0, errs);
	size_t i;
	json_t *it;
	if (!arr)
		return;
	if (!json_is_array(arr)) {
		rec_error_add(errs, "E1004", field_ptr(&f),
			      "\"interventions\" must be an array, not %s", type_name(arr));
		return;
	}
	if (json_array_size(arr) > REC_MAX_INTERVENTIONS) {
		rec_error_add(errs, "E1005", field_ptr(&f),
			      "\"interventions\" has more than %d items", REC_MAX_INTERVENTIONS);
		return;
	}
	c->interventions = xcalloc(json_array_size(arr) + 1, sizeof(struct intervention_rec));
	json_array_foreach (arr, i, it) {
		char base[48];
		int before = errs->n + errs->more;
		struct intervention_rec *r = &c->interventions[c->n_interventions];
		snprintf(base, sizeof base, "/interventions/%zu", i);
		if (!json_is_object(it)) {
			rec_error_add(errs, "E1004", base,
				      "an intervention must be an object, not %s", type_name(it));
			continue;
		}
		check_known(it, base, intervention_fields, 0, errs);
		f = field_of(it, base, "person");
		const char *ref = get_string(&f, 1, REC_REF_MAX, errs);
		if (ref && !(r->person_seq = find_ref(j, ref, &r->person_role)))
			rec_error_add(
			    errs, "E3004", field_ptr(&f),
			    "\"person\" names no victim or offender \"ref\" of this case");
		f = field_of(it, base, "type");
		r->type = get_code(ctx, &f, "intervention_type", 1, NULL, errs);
		f = field_of(it, base, "level");
		r->level = get_code(ctx, &f, "intervention_level", 0, NULL, errs);
		if (!r->level && r->type && !json_object_get(it, "level"))
			r->level = default_level(r->type);
		f = field_of(it, base, "started");
		r->started = get_month(&f, 1, NULL, errs);
		f = field_of(it, base, "completed");
		r->completed = get_bool(&f, errs);
		f = field_of(it, base, "outcome");
		r->outcome = get_code(ctx, &f, "intervention_outcome", 0, NULL, errs);
		if (errs->n + errs->more == before)
			c->n_interventions++;
	}
}

int rec_age(const struct case_rec *c, int by, int bm, int bd)
{
	if (c->incident >= 0)
		return month_age(by, bm, bd, c->incident / 12, c->incident % 12 + 1, 0);
	return month_age(by, bm, bd, c->reported / 12, c->reported % 12 + 1, c->reported_day);
}

int rec_from_json(const struct rec_context *ctx, json_t *j, struct case_rec *c,
		  struct rec_errors *errs)
{
	struct field f;
	long line = c->line, record_no = c->record_no;
	memset(c, 0, sizeof *c);
	c->line = line;
	c->record_no = record_no;
	c->incident = -1;

	if (!json_is_object(j)) {
		rec_error_add(errs, "E1004", "", "a case must be a JSON object, not %s",
			      type_name(j));
		return -1;
	}
	check_known(j, "", case_fields, 0, errs);

	f = field_of(j, "", "schema");
	const char *schema = get_string(&f, 0, 64, errs);
	if (schema && strcmp(schema, "wiqaya.case/1") != 0)
		rec_error_add(errs, "E1006", field_ptr(&f),
			      "unsupported \"schema\" (this is wiqaya.case/1)");

	f = field_of(j, "", "agency");
	c->agency = get_code(ctx, &f, "agencies", 1, NULL, errs);
	f = field_of(j, "", "case_ref");
	const char *case_ref = get_string(&f, 1, 64, errs);
	if (case_ref && !case_ref[0])
		rec_error_add(errs, "E1003", field_ptr(&f), "\"case_ref\" is empty");
	f = field_of(j, "", "reported");
	c->reported = get_month(&f, 1, &c->reported_day, errs);
	f = field_of(j, "", "incident");
	c->incident = get_month(&f, 0, NULL, errs);
	if (c->incident >= 0 && c->reported >= 0 && c->incident > c->reported)
		rec_error_add(errs, "E3002", "/incident", "\"incident\" is after \"reported\"");
	f = field_of(j, "", "region");
	c->region = get_code(ctx, &f, "regions", 1, NULL, errs);
	f = field_of(j, "", "offences");
	c->n_offences = get_codes(ctx, &f, "offences", 1, c->offences, 16, errs);
	f = field_of(j, "", "technology");
	c->n_technology = get_codes(ctx, &f, "technology", 0, c->technology, 16, errs);
	f = field_of(j, "", "detection");
	c->detection = get_code(ctx, &f, "detection", 1, NULL, errs);
	f = field_of(j, "", "financial");
	c->financial = get_bool(&f, errs);
	f = field_of(j, "", "status");
	c->status = get_code(ctx, &f, "status", 1, NULL, errs);

	/* Ages are taken at the incident month, or at the reported date without one. */
	parse_persons(ctx, j, "victims", 1, 0, c, &c->victims, &c->n_victims, errs);
	parse_persons(ctx, j, "offenders", 0, 1, c, &c->offenders, &c->n_offenders, errs);

	/* refs are unique across victims and offenders: interventions name them. */
	for (int a = 0; a < c->n_victims + c->n_offenders; a++) {
		const char *ra =
		    a < c->n_victims ? c->victims[a].ref : c->offenders[a - c->n_victims].ref;
		for (int b = 0; b < a; b++) {
			const char *rb = b < c->n_victims ? c->victims[b].ref
							  : c->offenders[b - c->n_victims].ref;
			if (ra[0] && strcmp(ra, rb) == 0) {
				char ptr[48];
				if (a < c->n_victims)
					snprintf(ptr, sizeof ptr, "/victims/%d/ref", a);
				else
					snprintf(ptr, sizeof ptr, "/offenders/%d/ref",
						 a - c->n_victims);
				rec_error_add(errs, "E3005", ptr,
					      "\"ref\" is used twice in this case");
				break;
			}
		}
	}
	parse_interventions(ctx, j, c, errs);

	if (errs->n + errs->more > 0) {
		rec_free(c);
		return -1;
	}
	pseudo_case(ctx->keys, ctx->key_version, c->agency, case_ref, c->case_key);
	return 0;
}

void rec_free(struct case_rec *c)
{
	free(c->victims);
	free(c->offenders);
	free(c->interventions);
	c->victims = c->offenders = NULL;
	c->interventions = NULL;
	c->n_victims = c->n_offenders = c->n_interventions = 0;
}
