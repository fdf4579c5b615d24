/* A validated case: what one line of NDJSON (or the rows of one CSV case) becomes after
 * checking every field against the contract and the code lists. Identifiers are turned
 * into tokens while parsing and never kept; codes point into the code lists. */
#ifndef WQ_RECORD_H
#define WQ_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "common/attribute.h"
#include "common/codelist.h"
#include "etl/pseudonym/keys.h"
#include "etl/pseudonym/pseudonym.h"

#define REC_MAX_ERRORS	      16
#define REC_MAX_PERSONS	      100
#define REC_MAX_INTERVENTIONS 200
#define REC_REF_MAX	      16

/* One numbered error of a record: code, JSON pointer (or CSV column) and a message that
 * names the field and the allowed values, never the submitted value. */
struct rec_error {
	char code[8];
	char pointer[96];
	char message[320];
};

struct rec_errors {
	struct rec_error e[REC_MAX_ERRORS];
	int n;
	int more; /* errors beyond REC_MAX_ERRORS, counted only */
};

struct person_rec {
	char ref[REC_REF_MAX + 1]; /* in memory only, for E3005 */
	const char *sex;
	int age;		    /* completed years at the incident month */
	const char *attr[ATTR_MAX]; /* codes by common/attribute.h's index, defaults filled in */
	int child;		    /* offenders: under 18, a child who harmed */
	int ntok;
	struct token tok[3];
	int64_t person_id; /* set by linkage */
};

struct intervention_rec {
	/* The person, resolved from its ref: role 'v' or 'o' and 1-based position among the
	 * case's victims or offenders. Nothing of a ref is stored: agencies may use names. */
	char person_role;
	int person_seq;
	const char *type, *level, *outcome; /* outcome may be NULL */
	int started;			    /* month index: year * 12 + month - 1 */
	int completed;			    /* -1 not given */
};

struct case_rec {
	long line, record_no; /* where it came from, for a later rejection (E3008) */
	long long batch_id;   /* the batch that brings it; 0: the one being loaded (struct batch) */
	uint8_t case_key[TOKEN_BYTES];
	const char *agency, *region, *detection, *status;
	int reported, incident; /* month indexes; incident -1 when not given */
	int reported_day;	/* day of the reported date, 0 when only a month was given */
	const char *offences[16];
	int n_offences;
	const char *technology[16];
	int n_technology;
	int financial; /* -1 not given */
	struct person_rec *victims, *offenders;
	int n_victims, n_offenders;
	struct intervention_rec *interventions;
	int n_interventions;
};

/* What validation needs besides the record: code lists, keys and limits. */
struct rec_context {
	const struct codelists *lists;
	struct keys *keys;
	int key_version;
	const char *default_country;
	int max_depth;
};

/* Validates the case object J and fills C (tokens computed, identifiers not kept).
 * Returns 0 when the record is accepted; -1 with every error found in errs otherwise
 * (C is then released). Caller frees an accepted C with rec_free. */
int rec_from_json(const struct rec_context *ctx, json_t *j, struct case_rec *c,
		  struct rec_errors *errs);
void rec_free(struct case_rec *c);

/* Adds an error (code, pointer, printf message). */
void rec_error_add(struct rec_errors *errs, const char *code, const char *pointer, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

/* The age rule of case-record.md for case C: at the incident month (a child born in it is
 * 0), or at the reported date when there is no incident. */
int rec_age(const struct case_rec *c, int by, int bm, int bd);

#endif
