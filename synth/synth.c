/* The synthetic country (see synth.h and docs/synth.md for every planted parameter).
 * A case is drawn in a few steps: its population cell (year, region, sex, age) with
 * probability proportional to population times the planted rate ratios; the child's
 * stable attributes; offences, technology and detection by year; offenders; the justice
 * pathway; interventions. Then, at planted rates, the same child comes back: another
 * agency reporting the same abuse, or a new abuse within twelve months (less likely with
 * psychosocial support), each time written with a planted identity variant. Everything
 * is written as it is drawn, so memory stays flat. The generator is xoshiro256**: this is
 * fiction, never keys or noise. Over 600 lines because the generator is one model:
 * its parameters, the draws and the writers share the plan of a case; docs/synth.md is
 * its map (names are apart in synth_names.c). */
#include "synth/synth.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/strbuf.h"
#include "common/xalloc.h"
#include "common/csv_layout.h"
#include "common/month.h"
#include "common/attribute.h"
#include "synth/synth_names.h"

/* ---- planted parameters (written to truth.json; docs/synth.md explains each) ---- */

#define NREG 13
#define NAGE 18
static const double region_children_2015[NREG] = {900e3, 400e3, 350e3, 300e3, 280e3, 250e3, 200e3,
						  180e3, 120e3, 90e3,  60e3,  150e3, 110e3};
static const double region_rr[NREG] = {1.0, 0.8, 1.2, 0.9, 1.1, 1.0, 0.7,
				       1.3, 0.6, 0.9, 1.0, 1.2, 1.5};
static const double disabled_share[NREG] = {0.05, 0.06, 0.07, 0.05, 0.06, 0.08, 0.05,
					    0.09, 0.07, 0.06, 0.10, 0.05, 0.08};
static const double migrant_share[NREG] = {0.20, 0.10, 0.08, 0.12, 0.15, 0.06, 0.05,
					   0.09, 0.04, 0.05, 0.03, 0.07, 0.18};
static const double population_growth = 0.015; /* per year */
static const double case_growth = 0.08;	       /* victim incidence, per year */
static const double rr_female = 2.0;	       /* girls vs boys */
static const double rr_disability = 2.5;
static const double rr_migrant = 1.8;
/* By age band 0-4, 5-9, 10-12, 13-15, 16-17 (reference 10-12). */
static const double rr_age_band[5] = {0.1, 0.4, 1.0, 2.5, 2.0};
/* The sources of multiple-systems estimation (agencies.csv's source column): each abuse
 * that makes a child-year is reported by each source independently with its planted
 * probability, except that the police report it far more often when social services do
 * (a referral pathway: the dependence the estimate must model). An abuse no source reports
 * is hidden: counted in truth.json, written nowhere. The source that reports first is
 * drawn in proportion to its share of the detection channels (source_weight), and the
 * case's channel among that source's: the channels' shares stay those below. */
enum { SRC_POLICE, SRC_SOCIAL, SRC_HEALTH, SRC_HOTLINE, NSRC };
static const char *const source_names[NSRC] = {"police", "social", "health", "hotline"};
static const double p_source_social = 0.30, p_source_police_if_social = 0.75,
		    p_source_police_else = 0.45, p_source_health = 0.15, p_source_hotline = 0.10;
static const double p_support = 0.40; /* psychosocial support after a first case */
static const double p_revict = 0.20;  /* new abuse within 12 months, no support */
static const double rr_revict_support = 0.5;
static const double p_reoffend = 0.15;
static const double p_child_offender = 0.15;
static const int fin_sextortion_from = 2020;
static const double fin_sextortion_growth = 1.6; /* yearly factor from 2020 */
static const double proactive_2015 = 0.05, proactive_2025 = 0.30;
/* Months from an abuse to its report (an incident written 70 % of the time): most within a
 * quarter, then disclosures a year, two and three years later, none past 39 months. */
static const double delay_share[4] = {0.60, 0.25, 0.10, 0.05};
static const int delay_from[4] = {0, 4, 16, 28}, delay_width[4] = {4, 12, 12, 12};
static const double p_charged = 0.35, p_prosecuted = 0.80, p_convicted = 0.70;
static const double p_national_id = 0.70; /* citizens with a national ID on record */
static const double p_arabic_script = 0.80;
static const double name_zipf = 0.7;	    /* names are drawn with weights rank^-0.7 */
static const double p_born_in_month = 0.10; /* of victims aged 0: born in the incident month */
/* Families, which linkage must not fold into one child: the other victims of a case are
 * siblings this often (same family name, father and region), and a sibling is a twin
 * this often (same birth date and sex, a given name with the same initial where the list
 * has one); a first victim is a namesake of an earlier child in another region (same
 * family name, birth date and sex, a given name with the same initial) this often. */
static const double p_sibling = 0.50, p_twin = 0.25, p_namesake = 0.02;
/* Identity variants of a returning child: exact, diacritics, spelling, no national ID,
 * other script with national ID, other script without it (must stay unlinked). */
static const double variant_weights[6] = {0.40, 0.15, 0.10, 0.15, 0.10, 0.10};
static const char *const variant_names[6] = {
    "exact",	      "diacritics",	      "spelling",
    "no_national_id", "other_script_with_id", "other_script_without_id"};

/* ---- random numbers: xoshiro256** (Blackman & Vigna 2018), seeded by splitmix64 ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static double unif(struct rng *r)
{
	return (double)(next(r) >> 11) * 0x1.0p-53;
}

static int chance(struct rng *r, double p)
{
	return unif(r) < p;
}

static int below(struct rng *r, int n)
{
	return (int)(unif(r) * n);
}

static int pick(struct rng *r, const double *w, int n)
{
	double total = 0, u;
	for (int i = 0; i < n; i++)
		total += w[i];
	u = unif(r) * total;
	for (int i = 0; i < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

/* Zipf-like draw over ranks 0..n-1 (weight 1/(rank+1)). */
static int zipf(struct rng *r, size_t n)
{
	/* Exponent 0.7, not 1: with 1 the first of 40 names would be a quarter of all
	 * children (a register sees its commonest given name on about one child in ten),
	 * and the chance collisions of full names and birth dates that linkage cannot tell
	 * apart would be far more common than in a country. */
	double h = 0;
	for (size_t i = 0; i < n; i++)
		h += pow((double)(i + 1), -name_zipf);
	double u = unif(r) * h;
	for (size_t i = 0; i < n; i++) {
		u -= pow((double)(i + 1), -name_zipf);
		if (u < 0)
			return (int)i;
	}
	return (int)n - 1;
}

/* ---- calendar (Hinnant's days-from-civil) ---- */

static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ---- the model ---- */

struct child {
	long id;
	int female, region, age; /* age at the first case's incident month */
	int arabic;		 /* written in Arabic script by default */
	int given, family;	 /* indexes into the name lists */
	int father;		 /* the father's given name, part of the family name */
	int migrant_child;	 /* named from the migrant (Latin-only) lists */
	int by, bm, bd;		 /* birth date */
	long nid;		 /* 0: none on record */
	/* Its attributes by common/attribute.h's index; NULL: the attribute's default. The
	 * model draws the ones it plants truths in (set_attr); the relationship is drawn per
	 * case (victims_json). */
	const char *attr[ATTR_MAX];
};

/* c's attribute NAME is VALUE. The generator names what it models; an attribute it does
 * not model is written with its default. */
static void set_attr(struct child *c, const char *name, const char *value)
{
	int i = attr_index(name);
	if (i >= 0)
		c->attr[i] = value;
}

static const char *attr_of(const struct child *c, const char *name)
{
	int i = attr_index(name);
	return i >= 0 ? c->attr[i] : NULL;
}

struct offender {
	long id;
	int female, age, identified, child;
	int given, family, by, bm, bd;
	long nid;
};

#define OFFENDER_RING 4096
#define CHILD_RING    4096

struct gen {
	const struct synth_options *opt;
	struct rng rng;
	FILE *ndjson, *csv, *linkage, *bad;
	long emitted, line, next_child, next_case;
	double *cell_cdf; /* cumulative weights over (year, region, sex, age) */
	int ncell;
	struct offender ring[OFFENDER_RING];
	int nring;
	struct child children[CHILD_RING]; /* recent first victims, for namesakes */
	int nchildren;
	long next_offender;
	int today;	  /* yyyymmdd: no date after it is written */
	int relationship; /* attr_index("relationship"): drawn per case, not per child */
	/* What was realised, for truth.json: tests compare the warehouse with these exactly
	 * and these with the planted parameters within sampling error. */
	long by_year[200];
	long victims, victims_female, first_victims, first_victims_female;
	long episodes, duplicates, eligible[2], revictimised[2]; /* [support] */
	long hidden_by_year[200];	 /* child-years no source reported */
	long seen_by_sources[1 << NSRC]; /* child-years by the sources that reported them */
	long siblings, twins, namesakes;
	int drafting; /* writing a case that emit_bad will break: not counted */
	struct strbuf sb;
	int failed;
};

/* The next case reference: the seed is in it, so that two synthetic countries loaded into
 * one warehouse never replace each other's cases (an agency's reference is the case's
 * identity). */
static void case_ref(struct gen *g, int year, char *out, size_t n)
{
	snprintf(out, n, "%d/S%llu/%07ld", year, (unsigned long long)g->opt->seed, ++g->next_case);
}

static int nyears(const struct gen *g)
{
	return g->opt->year_to - g->opt->year_from + 1;
}

static int age_band(int age)
{
	return age <= 4 ? 0 : age <= 9 ? 1 : age <= 12 ? 2 : age <= 15 ? 3 : 4;
}

/* Children of one sex and single age in a region and year. */
static double population(int year_index, int region, int female, int age)
{
	double per = region_children_2015[region] / (2.0 * NAGE);
	double profile = 1.08 - 0.01 * age; /* slightly fewer older children */
	double sex = female ? 0.487 / 0.5 : 0.513 / 0.5;
	return floor(per * profile * sex * pow(1 + population_growth, year_index) / 2.0 + 0.5);
}

static void build_cells(struct gen *g)
{
	int ny = nyears(g);
	g->ncell = ny * NREG * 2 * NAGE;
	g->cell_cdf = xmalloc(sizeof(double) * (size_t)g->ncell);
	double acc = 0;
	int c = 0;
	for (int y = 0; y < ny; y++)
		for (int r = 0; r < NREG; r++)
			for (int f = 0; f < 2; f++)
				for (int a = 0; a < NAGE; a++) {
					double w = population(y, r, f, a) * region_rr[r] *
						   (f ? rr_female : 1.0) *
						   rr_age_band[age_band(a)] *
						   pow(1 + case_growth, y);
					/* Disabled and migrant children carry their rate ratios. */
					w *= 1 + disabled_share[r] * (rr_disability - 1);
					w *= 1 + migrant_share[r] * (rr_migrant - 1);
					acc += w;
					g->cell_cdf[c++] = acc;
				}
}

static int draw_cell(struct gen *g)
{
	double u = unif(&g->rng) * g->cell_cdf[g->ncell - 1];
	int lo = 0, hi = g->ncell - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (g->cell_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* A cell of year index y and region reg, drawn as draw_cell draws from all: a co-victim
 * of a case is a child of the case's region and year like any other, so every victim, not
 * only the first, carries the planted rate ratios of sex and age. */
static int draw_cell_in(struct gen *g, int y, int reg)
{
	int start = (y * NREG + reg) * 2 * NAGE, end = start + 2 * NAGE;
	double lo = start ? g->cell_cdf[start - 1] : 0, hi = g->cell_cdf[end - 1];
	double u = lo + unif(&g->rng) * (hi - lo);
	int i = start;
	while (i < end - 1 && g->cell_cdf[i] <= u)
		i++;
	return i;
}

static const char *const disabilities[] = {"seeing",	"hearing",	 "mobility", "cognition",
					   "self_care", "communication", "multiple"};
static const char *const migrant_kinds[] = {"resident_migrant", "refugee", "asylum_seeker",
					    "stateless", "undocumented"};
static const char *const ethnicities[] = {"majority", "bedouin",	"coastal",
					  "mountain", "minority_other", "not_stated"};
static const double ethnicity_w[] = {0.55, 0.10, 0.08, 0.07, 0.05, 0.15};

static void new_child(struct gen *g, int region, int female, int age, int month_index,
		      struct child *c)
{
	struct rng *r = &g->rng;
	memset(c, 0, sizeof *c);
	c->id = ++g->next_child;
	c->female = female;
	c->region = region;
	c->age = age;
	/* Disability and migration at their planted relative risks. */
	double sd = disabled_share[region], pd = sd * rr_disability / (sd * rr_disability + 1 - sd);
	double sm = migrant_share[region], pm = sm * rr_migrant / (sm * rr_migrant + 1 - sm);
	int disabled = chance(r, pd), migrant = chance(r, pm);
	set_attr(c, "disability",
		 chance(r, 0.08) ? "unknown"
		 : disabled	 ? disabilities[below(r, 7)]
				 : "none");
	set_attr(c, "migrant_status",
		 chance(r, 0.05) ? "unknown"
		 : migrant	 ? migrant_kinds[below(r, 5)]
				 : "citizen");
	set_attr(c, "ethnicity", ethnicities[pick(r, ethnicity_w, 6)]);
	static const char *const quintiles[] = {"q1", "q2", "q3", "q4", "q5"};
	set_attr(c, "economic_status", chance(r, 0.30) ? "unknown" : quintiles[below(r, 5)]);
	set_attr(c, "education_status",
		 chance(r, 0.10)	       ? "unknown"
		 : age >= 6 && chance(r, 0.08) ? "out_of_school"
					       : "in_school");
	set_attr(c, "gender_identity",
		 chance(r, 0.6)	   ? "not_stated"
		 : chance(r, 0.02) ? "non_binary"
		 : female	   ? "girl_woman"
				   : "boy_man");
	set_attr(c, "sexual_orientation",
		 age < 12 || chance(r, 0.85) ? "not_stated"
		 : chance(r, 0.9)	     ? "heterosexual"
					     : (chance(r, 0.5) ? "gay_lesbian" : "bisexual"));
	c->arabic = !migrant && chance(r, p_arabic_script);
	c->migrant_child = migrant;
	if (c->arabic) {
		c->given = zipf(r, female ? synth_n_given_female : synth_n_given_male);
		c->family = zipf(r, synth_n_family);
	} else if (migrant) {
		c->given = zipf(r, female ? synth_n_latin_female : synth_n_latin_male);
		c->family = zipf(r, synth_n_latin_family);
	} else { /* a citizen written in Latin script */
		c->given = zipf(r, female ? synth_n_given_female : synth_n_given_male);
		c->family = zipf(r, synth_n_family);
	}
	c->father = zipf(r, synth_n_given_male);
	c->nid = !migrant && chance(r, p_national_id) ? 1000000000L + c->id * 7919 % 999999937 : 0;
	/* Born so that the age at the first day of the incident month is exactly age; a
	 * baby of age 0 is sometimes born in that very month (age 0 too, by the rule). */
	long start = days_from_civil(month_index / 12 - age, month_index % 12 + 1, 1);
	if (age == 0 && chance(r, p_born_in_month))
		civil_from_days(start + below(r, 28), &c->by, &c->bm, &c->bd);
	else
		civil_from_days(start - below(r, 365), &c->by, &c->bm, &c->bd);
}

/* The written forms of a child's names under a variant. */
struct written {
	char given[128], family[128], birth[11], nid[32];
	int has_nid;
};

static const char *harakat_form(const char *s, struct strbuf *tmp)
{
	/* A fatha after the first letter: what a clerk adding vowels would do. */
	sb_reset(tmp);
	size_t first = 1;
	while (s[first] && ((unsigned char)s[first] & 0xC0) == 0x80)
		first++;
	sb_put(tmp, s, first);
	sb_puts(tmp, "\xd9\x8e"); /* U+064E fatha */
	sb_puts(tmp, s + first);
	return tmp->data;
}

/* Migrant children have Latin names only: there is no other script to write them in. */
static int latin_only(const struct child *c)
{
	return c->migrant_child;
}

static void write_identity(struct gen *g, const struct child *c, int variant, struct written *w)
{
	struct strbuf tmp;
	const struct name_pair *gl = c->female ? synth_given_female : synth_given_male;
	int latin_only = c->migrant_child;
	const char *given, *family;
	int script_arabic = c->arabic;
	sb_init(&tmp);
	if (latin_only) {
		given = (c->female ? synth_latin_female : synth_latin_male)[c->given];
		family = synth_latin_family[c->family];
	} else {
		if (variant == 4 || variant == 5)
			script_arabic = !script_arabic;
		given = script_arabic ? gl[c->given].ar : gl[c->given].lat;
		family = script_arabic ? synth_family[c->family].ar : synth_family[c->family].lat;
	}
	snprintf(w->given, sizeof w->given, "%s", given);
	if (latin_only) {
		/* Two family names, the father's and the mother's, as Spanish and Portuguese
		 * registers write them (García Núñez): with one name from a list of 40, a
		 * quarter of migrant children would share García, which no country sees. */
		snprintf(w->family, sizeof w->family, "%s %s", family,
			 synth_latin_family[c->father % synth_n_latin_family]);
	} else {
		/* Family names are compound, the father's name first (محمد عبدالله الزهراني), as
		 * Gulf registers write them; it is what keeps namesakes apart. */
		const char *father = script_arabic ? synth_given_male[c->father].ar
						   : synth_given_male[c->father].lat;
		snprintf(w->family, sizeof w->family, "%s %s", father, family);
		family = w->family;
	}
	if (variant == 1) {
		if (script_arabic && !latin_only) {
			snprintf(w->given, sizeof w->given, "%s", harakat_form(given, &tmp));
		} else {
			/* Upper case and an accent on the first vowel normalise away. */
			sb_reset(&tmp);
			for (const char *p = given; *p; p++)
				sb_putc(&tmp, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
			snprintf(w->given, sizeof w->given, "%s", tmp.data);
		}
	} else if (variant == 2 && !script_arabic) {
		const char *v = synth_latin_variant(given);
		if (v)
			snprintf(w->given, sizeof w->given, "%s", v);
	} else if (variant == 2 && script_arabic) {
		/* taa marbuta / alef maqsura / hamza forms are normalised: use a harakat form of
		 * the family name instead. */
		char compound[128];
		snprintf(compound, sizeof compound, "%s", w->family);
		snprintf(w->family, sizeof w->family, "%s", harakat_form(compound, &tmp));
	}
	snprintf(w->birth, sizeof w->birth, "%04d-%02d-%02d", c->by, c->bm, c->bd);
	w->has_nid = c->nid && variant != 3 && variant != 5;
	if (w->has_nid) {
		/* Sometimes written with dashes, which normalisation removes. */
		if (chance(&g->rng, 0.2))
			snprintf(w->nid, sizeof w->nid, "%ld-%03ld-%03ld", c->nid / 1000000,
				 c->nid / 1000 % 1000, c->nid % 1000);
		else
			snprintf(w->nid, sizeof w->nid, "%ld", c->nid);
	}
	sb_free(&tmp);
}

static const char *const offence_codes[] = {
    "contact_abuse",	     "grooming",	   "sextortion",
    "financial_sextortion",  "csam_production",	   "csam_distribution",
    "csam_possession",	     "livestreamed_abuse", "ai_generated_material",
    "nonconsensual_sharing", "exposure",	   "commercial_exploitation"};
static const double offence_w[] = {0.10, 0.22, 0.10, 0.01, 0.05, 0.08,
				   0.10, 0.05, 0.02, 0.12, 0.10, 0.05};
static const char *const technologies[] = {
    "social_media", "messaging", "online_gaming", "live_streaming", "video_sharing", "dating_app",
    "file_sharing", "dark_web",	 "ai_tool",	  "other",	    "unknown"};
static const char *const channels[] = {"victim_report",
				       "caregiver_report",
				       "peer_report",
				       "school",
				       "health_service",
				       "helpline",
				       "hotline",
				       "platform_report",
				       "financial_intelligence",
				       "police_investigation",
				       "other"};
static const double channel_w[] = {0.14, 0.20, 0.05, 0.10, 0.08, 0.07,
				   0.06, 0.12, 0.02, 0.14, 0.02};

static int offence_for_year(struct gen *g, int year)
{
	double w[12];
	memcpy(w, offence_w, sizeof w);
	if (year >= fin_sextortion_from)
		w[3] = offence_w[3] * pow(fin_sextortion_growth, year - fin_sextortion_from + 1);
	return pick(&g->rng, w, 12);
}

static double proactive_share(int year)
{
	double t = (year - 2015) / 10.0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return proactive_2015 + (proactive_2025 - proactive_2015) * t;
}

/* The source of a detection channel: the list its agency (agency_for) belongs to. */
static int source_of(const char *detection)
{
	if (!strcmp(detection, "hotline"))
		return SRC_HOTLINE;
	if (!strcmp(detection, "health_service"))
		return SRC_HEALTH;
	if (!strcmp(detection, "school") || !strcmp(detection, "helpline"))
		return SRC_SOCIAL;
	return SRC_POLICE;
}

/* The sources that report an abuse (bit per source), drawn as planted; 0: hidden. */
static unsigned draw_sources(struct rng *r)
{
	unsigned s = 0;
	int social = chance(r, p_source_social);
	s |= (unsigned)social << SRC_SOCIAL;
	s |= (unsigned)chance(r, social ? p_source_police_if_social : p_source_police_else)
	     << SRC_POLICE;
	s |= (unsigned)chance(r, p_source_health) << SRC_HEALTH;
	s |= (unsigned)chance(r, p_source_hotline) << SRC_HOTLINE;
	return s;
}

/* The agency of a source in a region (a duplicate report of the same abuse). */
static void source_agency(int source, int region, char out[16])
{
	static const char *const kinds[NSRC] = {"POL", "SOC", "HOSP", "HOT"};
	if (source == SRC_HOTLINE)
		snprintf(out, 16, "DC-HOT-00");
	else
		snprintf(out, 16, "DC-%s-%02d", kinds[source], region + 1);
}

/* The months from an abuse to its report, as planted. */
static int report_delay_months(struct rng *r)
{
	int k = pick(r, delay_share, 4);
	return delay_from[k] + below(r, delay_width[k]);
}

/* The channel of a case reported first by `source` in `year`: the year's mix of channels
 * (the proactive share growing) among that source's channels. */
static const char *detection_for(struct rng *r, int year, int source)
{
	for (;;) {
		const char *d = chance(r, proactive_share(year)) ? "proactive_detection"
								 : channels[pick(r, channel_w, 11)];
		if (source_of(d) == source)
			return d;
	}
}

/* The agency that reports a case, by detection channel and region. */
static void agency_for(const char *detection, int region, char out[16])
{
	if (!strcmp(detection, "proactive_detection") || !strcmp(detection, "platform_report"))
		snprintf(out, 16, "DC-CYB-00");
	else if (!strcmp(detection, "hotline"))
		snprintf(out, 16, "DC-HOT-00");
	else if (!strcmp(detection, "financial_intelligence"))
		snprintf(out, 16, "DC-FIU-00");
	else if (!strcmp(detection, "health_service"))
		snprintf(out, 16, "DC-HOSP-%02d", region + 1);
	else if (!strcmp(detection, "school") || !strcmp(detection, "helpline"))
		snprintf(out, 16, "DC-SOC-%02d", region + 1);
	else
		snprintf(out, 16, "DC-POL-%02d", region + 1);
}

/* Which of the sources `seen` reports first: in proportion to its channels' share. */
static int first_source(struct rng *r, unsigned seen)
{
	/* The channels' weights (channel_w) summed by source: police 0.69, social services
	 * 0.17, health 0.08, the hotline 0.06. */
	static const double source_weight[NSRC] = {0.69, 0.17, 0.08, 0.06};
	double w[NSRC];
	for (int i = 0; i < NSRC; i++)
		w[i] = seen & (1u << i) ? source_weight[i] : 0;
	return pick(r, w, NSRC);
}

static void new_offender(struct gen *g, int year, struct offender *o)
{
	struct rng *r = &g->rng;
	memset(o, 0, sizeof *o);
	o->id = ++g->next_offender;
	o->child = chance(r, p_child_offender);
	o->female = chance(r, o->child ? 0.2 : 0.08);
	o->age = o->child ? 12 + below(r, 6) : 18 + below(r, 50);
	o->identified = chance(r, 0.5);
	o->given = zipf(r, o->female ? synth_n_given_female : synth_n_given_male);
	o->family = zipf(r, synth_n_family);
	civil_from_days(days_from_civil(year - o->age, 1, 1) - below(r, 365), &o->by, &o->bm,
			&o->bd);
	o->nid = o->identified && chance(r, 0.6) ? 2000000000L + o->id * 104729 % 999999937 : 0;
}

/* One planned case: everything needed to write it in both formats. */
struct plan {
	char agency[16], case_ref[48];
	int reported_y, reported_m, reported_d, incident; /* incident: month index or -1 */
	int region;
	int offences[3], noff;
	const char *tech[3];
	int ntech;
	const char *detection, *status;
	int financial; /* -1 absent */
	struct child *victims[3];
	int variants[3], nvict;
	struct offender offenders[2];
	int noffenders, offender_ages[2];
	unsigned support; /* bit i: victim i + 1 gets psychosocial support */
	int image_removal;
};

static void put_identity(json_t *p, const struct written *w)
{
	json_t *id = json_object();
	json_object_set_new(id, "given_name", json_string(w->given));
	json_object_set_new(id, "family_name", json_string(w->family));
	json_object_set_new(id, "birth_date", json_string(w->birth));
	if (w->has_nid)
		json_object_set_new(id, "national_id", json_string(w->nid));
	json_object_set_new(p, "identity", id);
}

/* A CSV field (NULL: empty) and its separator. */
static void csv_field(struct strbuf *sb, const char *s, int last)
{
	if (s)
		sb_csv_field(sb, s);
	sb_putc(sb, last ? '\n' : ',');
}

/* A child born in the reported month is not born after the reported day. */
static void born_by_report(const struct plan *p, struct child *c)
{
	if (p->reported_d && c->by == p->reported_y && c->bm == p->reported_m &&
	    c->bd > p->reported_d)
		c->bd = p->reported_d;
}

/* The given names a child's are drawn from, and the initial of one in its script. */
static const char *given_form(const struct child *c, int given)
{
	if (c->migrant_child)
		return (c->female ? synth_latin_female : synth_latin_male)[given];
	const struct name_pair *l = c->female ? synth_given_female : synth_given_male;
	return c->arabic ? l[given].ar : l[given].lat;
}

static size_t given_count(const struct child *c)
{
	if (c->migrant_child)
		return c->female ? synth_n_latin_female : synth_n_latin_male;
	return c->female ? synth_n_given_female : synth_n_given_male;
}

static size_t initial_len(const char *s)
{
	size_t n = 1;
	while (s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* Another given name of c's list with the same initial as c's, or a random other one. */
static int name_like(struct gen *g, const struct child *c)
{
	const char *mine = given_form(c, c->given);
	size_t il = initial_len(mine), n = given_count(c);
	int found[64], nf = 0;
	for (size_t i = 0; i < n && nf < 64; i++) {
		const char *other = given_form(c, (int)i);
		if ((int)i != c->given && strncmp(other, mine, il) == 0)
			found[nf++] = (int)i;
	}
	if (nf)
		return found[below(&g->rng, nf)];
	return (c->given + 1 + below(&g->rng, (int)n - 1)) % (int)n;
}

/* Makes c a sibling of `of`: family name, father, region, script and the migrant lists
 * (and so no national ID for a migrant); a twin also has its birth date and sex, and a
 * given name with the same initial where the list has one. */
static void make_sibling(struct gen *g, const struct child *of, struct child *c, int twin)
{
	c->region = of->region;
	c->family = of->family;
	c->father = of->father;
	c->arabic = of->arabic;
	c->migrant_child = of->migrant_child;
	set_attr(c, "migrant_status", attr_of(of, "migrant_status"));
	set_attr(c, "ethnicity", attr_of(of, "ethnicity"));
	if (c->migrant_child)
		c->nid = 0;
	if (twin) {
		c->female = of->female;
		c->by = of->by;
		c->bm = of->bm;
		c->bd = of->bd;
		c->age = of->age;
		c->given = name_like(g, of);
	} else {
		c->given = zipf(&g->rng, given_count(c));
	}
}

/* The age the loader derives for a person of this case (the rule of rec_age). */
static int plan_age(const struct plan *p, int by, int bm, int bd)
{
	if (p->incident >= 0)
		return month_age(by, bm, bd, p->incident / 12, p->incident % 12 + 1, 0);
	return month_age(by, bm, bd, p->reported_y, p->reported_m, p->reported_d);
}

/* A case as it is written: its dates and code cells, and each victim's written identity
 * and relationship, shared by the NDJSON and the CSV of the case. */
struct case_text {
	char reported[11], incident[8], region[8];
	struct strbuf offences, technology; /* ;-separated, as CSV cells */
	struct written victim[3], offender[2];
	const char *relationship[3];
};

static void case_fields(const struct plan *p, json_t *c, struct case_text *t)
{
	if (p->reported_d)
		snprintf(t->reported, sizeof t->reported, "%04d-%02d-%02d", p->reported_y,
			 p->reported_m, p->reported_d);
	else
		snprintf(t->reported, sizeof t->reported, "%04d-%02d", p->reported_y,
			 p->reported_m);
	if (p->incident >= 0)
		snprintf(t->incident, sizeof t->incident, "%04d-%02d", p->incident / 12,
			 p->incident % 12 + 1);
	snprintf(t->region, sizeof t->region, "DC-%02d", p->region + 1);
	json_object_set_new(c, "schema", json_string("wiqaya.case/1"));
	json_object_set_new(c, "agency", json_string(p->agency));
	json_object_set_new(c, "case_ref", json_string(p->case_ref));
	json_object_set_new(c, "reported", json_string(t->reported));
	if (p->incident >= 0)
		json_object_set_new(c, "incident", json_string(t->incident));
	json_object_set_new(c, "region", json_string(t->region));
	json_t *offs = json_array();
	for (int i = 0; i < p->noff; i++) {
		json_array_append_new(offs, json_string(offence_codes[p->offences[i]]));
		sb_printf(&t->offences, "%s%s", i ? ";" : "", offence_codes[p->offences[i]]);
	}
	json_object_set_new(c, "offences", offs);
	if (p->ntech) {
		json_t *tech = json_array();
		for (int i = 0; i < p->ntech; i++) {
			json_array_append_new(tech, json_string(p->tech[i]));
			sb_printf(&t->technology, "%s%s", i ? ";" : "", p->tech[i]);
		}
		json_object_set_new(c, "technology", tech);
	}
	json_object_set_new(c, "detection", json_string(p->detection));
	if (p->financial >= 0)
		json_object_set_new(c, "financial", json_boolean(p->financial));
	json_object_set_new(c, "status", json_string(p->status));
}

/* Victim i's attribute a in the case: the child's, the case's relationship, or the
 * attribute's default. */
static const char *victim_attr(const struct gen *g, const struct child *ch,
			       const struct case_text *t, int i, size_t a)
{
	if ((int)a == g->relationship)
		return t->relationship[i];
	return ch->attr[a] ? ch->attr[a] : attr_at(a)->def;
}

static json_t *victims_json(struct gen *g, const struct plan *p, struct case_text *t)
{
	static const char *const relationships[] = {
	    "family",		"intimate_partner",    "peer",	   "acquaintance",
	    "authority_figure", "online_only_contact", "stranger", "unknown"};
	static const double relationship_w[] = {0.10, 0.05, 0.15, 0.12, 0.05, 0.35, 0.08, 0.10};
	json_t *vs = json_array();
	for (int i = 0; i < p->nvict; i++) {
		const struct child *ch = p->victims[i];
		char ref[8];
		json_t *v = json_object();
		snprintf(ref, sizeof ref, "V%d", i + 1);
		json_object_set_new(v, "ref", json_string(ref));
		write_identity(g, ch, p->variants[i], &t->victim[i]);
		put_identity(v, &t->victim[i]);
		json_object_set_new(v, "sex", json_string(ch->female ? "female" : "male"));
		/* The age is derived from the birth date; sometimes it is also given. */
		if (chance(&g->rng, 0.3))
			json_object_set_new(v, "age",
					    json_integer(plan_age(p, ch->by, ch->bm, ch->bd)));
		t->relationship[i] = relationships[pick(&g->rng, relationship_w, 8)];
		for (size_t a = 0; a < attr_count(); a++)
			json_object_set_new(v, attr_at(a)->name,
					    json_string(victim_attr(g, ch, t, i, a)));
		json_array_append_new(vs, v);
		fprintf(g->linkage, "%s,%s,%s,%ld,%s\n", p->agency, p->case_ref, ref, ch->id,
			variant_names[p->variants[i]]);
	}
	return vs;
}

static json_t *offenders_json(const struct plan *p, struct case_text *t)
{
	json_t *os = json_array();
	for (int i = 0; i < p->noffenders; i++) {
		const struct offender *o = &p->offenders[i];
		struct written *w = &t->offender[i];
		char ref[8];
		json_t *oj = json_object();
		snprintf(ref, sizeof ref, "O%d", i + 1);
		json_object_set_new(oj, "ref", json_string(ref));
		if (o->identified) {
			const struct name_pair *gl =
			    o->female ? synth_given_female : synth_given_male;
			snprintf(w->given, sizeof w->given, "%s", gl[o->given].ar);
			snprintf(w->family, sizeof w->family, "%s", synth_family[o->family].ar);
			snprintf(w->birth, sizeof w->birth, "%04d-%02d-%02d", o->by, o->bm, o->bd);
			w->has_nid = o->nid != 0;
			snprintf(w->nid, sizeof w->nid, "%ld", o->nid);
			put_identity(oj, w);
		}
		json_object_set_new(oj, "sex", json_string(o->female ? "female" : "male"));
		json_object_set_new(oj, "age", json_integer(p->offender_ages[i]));
		json_array_append_new(os, oj);
	}
	return os;
}

static json_t *interventions_json(struct gen *g, const struct plan *p)
{
	json_t *ivs = json_array();
	char started[8], ref[8];
	int start = p->reported_y * 12 + p->reported_m - 1 + below(&g->rng, 2);
	int today_month = (g->today / 10000) * 12 + (g->today / 100 % 100) - 1;
	if (start > today_month)
		start = today_month;
	snprintf(started, sizeof started, "%04d-%02d", start / 12, start % 12 + 1);
	for (int i = 0; i < p->nvict; i++)
		if (p->support & (1u << i)) {
			snprintf(ref, sizeof ref, "V%d", i + 1);
			json_array_append_new(ivs,
					      json_pack("{s:s,s:s,s:s,s:b}", "person", ref, "type",
							"psychosocial_support", "started", started,
							"completed", chance(&g->rng, 0.6)));
		}
	if (p->image_removal)
		json_array_append_new(ivs,
				      json_pack("{s:s,s:s,s:s,s:s}", "person", "V1", "type",
						"image_removal", "started", started, "outcome",
						chance(&g->rng, 0.7) ? "removed" : "not_removed"));
	for (int i = 0; i < p->noffenders; i++)
		if (p->offender_ages[i] < 18 && chance(&g->rng, 0.5)) {
			snprintf(ref, sizeof ref, "O%d", i + 1);
			json_array_append_new(ivs, json_pack("{s:s,s:s,s:s}", "person", ref, "type",
							     "diversion", "started", started));
		}
	return ivs;
}

/* The cell of a case column (common/csv_layout.h) of case p. */
static const char *case_cell(const struct plan *p, const struct case_text *t, const char *f)
{
	return !strcmp(f, "agency")	  ? p->agency
	       : !strcmp(f, "case_ref")	  ? p->case_ref
	       : !strcmp(f, "reported")	  ? t->reported
	       : !strcmp(f, "incident")	  ? (p->incident >= 0 ? t->incident : NULL)
	       : !strcmp(f, "region")	  ? t->region
	       : !strcmp(f, "offences")	  ? t->offences.data
	       : !strcmp(f, "technology") ? t->technology.data
	       : !strcmp(f, "detection")  ? p->detection
	       : !strcmp(f, "financial")  ? (p->financial < 0 ? NULL
					     : p->financial   ? "true"
							      : "false")
	       : !strcmp(f, "status")	  ? p->status
					  : NULL;
}

/* The cell of a person column: a written identity's field, the sex, the age, or (victims
 * only) an attribute; the ref is the caller's. */
static const char *person_cell(const struct written *w, int identified, const char *sex,
			       const char *age, const char *f)
{
	if (!strcmp(f, "sex"))
		return sex;
	if (!strcmp(f, "age"))
		return age;
	if (!identified)
		return NULL;
	return !strcmp(f, "given_name")	   ? w->given
	       : !strcmp(f, "family_name") ? w->family
	       : !strcmp(f, "birth_date")  ? w->birth
	       : !strcmp(f, "national_id") ? (w->has_nid ? w->nid : NULL)
					   : NULL;
}

/* The flat CSV: one row per victim, offenders spread over the rows, extra offenders on
 * rows that repeat V1's ref with empty victim columns. Cells by column (csv_layout), so
 * the order is the header's by construction. */
static void csv_rows(struct gen *g, const struct plan *p, const struct case_text *t)
{
	const struct csv_column *cols;
	size_t ncol = csv_layout(&cols);
	int rows = p->nvict > p->noffenders ? p->nvict : p->noffenders;
	for (int i = 0; i < rows; i++) {
		char vref[8], oref[8], oage[8];
		snprintf(vref, sizeof vref, "V%d", i < p->nvict ? i + 1 : 1);
		snprintf(oref, sizeof oref, "O%d", i + 1);
		if (i < p->noffenders)
			snprintf(oage, sizeof oage, "%d", p->offender_ages[i]);
		sb_reset(&g->sb);
		for (size_t c = 0; c < ncol; c++) {
			const struct csv_column *col = &cols[c];
			const char *v = NULL;
			if (col->owner == CSV_CASE) {
				v = case_cell(p, t, col->field);
			} else if (col->owner == CSV_VICTIM && !strcmp(col->field, "ref")) {
				v = vref;
			} else if (col->owner == CSV_VICTIM && i < p->nvict) {
				const struct child *ch = p->victims[i];
				v = col->attr >= 0 ? victim_attr(g, ch, t, i, (size_t)col->attr)
						   : person_cell(&t->victim[i], 1,
								 ch->female ? "female" : "male",
								 NULL, col->field);
			} else if (col->owner == CSV_OFFENDER && i < p->noffenders) {
				const struct offender *o = &p->offenders[i];
				v = !strcmp(col->field, "ref")
					? oref
					: person_cell(&t->offender[i], o->identified,
						      o->female ? "female" : "male", oage,
						      col->field);
			}
			csv_field(&g->sb, v, c == ncol - 1);
		}
		g->failed |= fwrite(g->sb.data, 1, g->sb.len, g->csv) != g->sb.len;
	}
}

/* Writes a planned case as one NDJSON line and its CSV rows, and counts it. */
static void emit(struct gen *g, const struct plan *p)
{
	struct case_text t = {0};
	sb_init(&t.offences);
	sb_init(&t.technology);
	json_t *c = json_object();
	case_fields(p, c, &t);
	json_object_set_new(c, "victims", victims_json(g, p, &t));
	if (p->noffenders)
		json_object_set_new(c, "offenders", offenders_json(p, &t));
	json_t *ivs = interventions_json(g, p);
	if (json_array_size(ivs))
		json_object_set_new(c, "interventions", ivs);
	else
		json_decref(ivs);
	char *line = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	g->failed |= fprintf(g->ndjson, "%s\n", line) < 0;
	free(line);
	json_decref(c);
	g->line++;
	csv_rows(g, p, &t);
	sb_free(&t.offences);
	sb_free(&t.technology);
	g->emitted++;
	if (g->drafting)
		return;
	g->by_year[p->reported_y - g->opt->year_from]++;
	for (int i = 0; i < p->nvict; i++) {
		g->victims++;
		g->victims_female += p->victims[i]->female;
	}
}

static void pathway(struct gen *g, struct plan *p, int has_child_offender)
{
	struct rng *r = &g->rng;
	int age_months =
	    (g->today / 10000) * 12 + (g->today / 100 % 100) - (p->reported_y * 12 + p->reported_m);
	if (age_months < 3 && chance(r, 0.7)) {
		p->status = chance(r, 0.5) ? "reported" : "under_investigation";
		return;
	}
	if (chance(r, p_charged)) {
		if (!chance(r, p_prosecuted))
			p->status = "charged";
		else if (age_months < 12 && chance(r, 0.5))
			p->status = "prosecuted";
		else
			p->status = chance(r, p_convicted) ? "convicted" : "acquitted";
	} else if (has_child_offender && chance(r, 0.4)) {
		p->status = "diverted";
	} else {
		p->status = chance(r, 0.7) ? "closed_no_action" : "under_investigation";
	}
}

/* A case at month index m in region, for the given victims. */
/* The plan of a case reported in month m by `source` in `region`; its abuse in month
 * `incident` (-1: drawn, the planted delay before m, or unwritten). */
static void plan_case(struct gen *g, struct plan *p, int m, int region, int source, int incident)
{
	struct rng *r = &g->rng;
	int year = m / 12;
	memset(p, 0, sizeof *p);
	p->region = region;
	p->reported_y = year;
	p->reported_m = m % 12 + 1;
	p->reported_d = chance(r, 0.8) ? 1 + below(r, 28) : 0;
	/* Never a date after today. */
	int today = g->today;
	if (p->reported_y * 10000 + p->reported_m * 100 + (p->reported_d ? p->reported_d : 1) >
	    today)
		p->reported_d = 0;
	p->incident = incident >= 0 ? incident : chance(r, 0.7) ? m - report_delay_months(r) : -1;
	p->offences[p->noff++] = offence_for_year(g, year);
	if (chance(r, 0.3)) {
		int o = offence_for_year(g, year);
		if (o != p->offences[0])
			p->offences[p->noff++] = o;
	}
	p->ntech = chance(r, 0.1) ? 0 : 1 + (chance(r, 0.3) ? 1 : 0);
	for (int i = 0; i < p->ntech; i++)
		p->tech[i] = technologies[below(r, 11)];
	if (p->ntech == 2 && p->tech[0] == p->tech[1])
		p->ntech = 1;
	p->detection = detection_for(r, year, source);
	int fin = 0;
	for (int i = 0; i < p->noff; i++)
		fin |= p->offences[i] == 3 || p->offences[i] == 11;
	p->financial = chance(r, 0.2) ? -1 : fin ? 1 : chance(r, 0.05);
	agency_for(p->detection, region, p->agency);
	case_ref(g, year, p->case_ref, sizeof p->case_ref);

	/* Offenders: none known (30%), one, or two; adults may re-offend. */
	int n = chance(r, 0.3) ? 0 : chance(r, 0.85) ? 1 : 2;
	int child_offender = 0;
	for (int i = 0; i < n; i++) {
		struct offender *o = &p->offenders[i];
		if (g->nring && chance(r, p_reoffend)) {
			*o = g->ring[below(r, g->nring < OFFENDER_RING ? g->nring : OFFENDER_RING)];
		} else {
			new_offender(g, year, o);
			if (!o->child && o->identified)
				g->ring[g->nring++ % OFFENDER_RING] = *o;
		}
		int inc = p->incident >= 0 ? p->incident : m;
		int age = month_age(o->by, o->bm, o->bd, inc / 12, inc % 12 + 1, 0);
		if (o->identified && age < 18 && !o->child) {
			/* A re-offender drawn for a case before his first: an adult then too. */
			new_offender(g, year, o);
			age = month_age(o->by, o->bm, o->bd, inc / 12, inc % 12 + 1, 0);
		}
		if (o->identified && age < 10) {
			/* A child offender of an incident years before its report (drawn 12 to
			 * 17 in the report's year): ten then, as every offender, and born so (a
			 * birth date that disagrees with the age is E3003; one record in a
			 * million was). Always a new offender: the ring holds adults. */
			o->by -= 10 - age;
			if (o->bm == 2 && o->bd == 29)
				o->bd = 28;
			age = month_age(o->by, o->bm, o->bd, inc / 12, inc % 12 + 1, 0);
		}
		if (!o->identified)
			age = o->age;
		if (age < 10)
			age = 10;
		p->offender_ages[i] = age;
		child_offender |= age < 18;
	}
	p->noffenders = n;
	pathway(g, p, child_offender);
	int material = 0;
	for (int i = 0; i < p->noff; i++)
		material |= p->offences[i] == 2 || p->offences[i] == 5 || p->offences[i] == 9 ||
			    p->offences[i] == 8;
	p->image_removal = material && chance(r, 0.5);
}

static int month_in_range(const struct gen *g, int m)
{
	int today_month = (g->today / 10000) * 12 + (g->today / 100 % 100) - 1;
	return m / 12 <= g->opt->year_to && m <= today_month;
}

/* The identity variant of a returning child's record. A child written in the other script
 * without a national ID must stay unlinked, so the truth is kept unambiguous: at most
 * one record of a child is in the other script, and a child without a national ID can
 * only be written there without one. */
static int variant_for(struct gen *g, const struct child *c, int *other_script)
{
	int v = pick(&g->rng, variant_weights, 6);
	while ((v == 4 || v == 5) && (*other_script || latin_only(c)))
		v = pick(&g->rng, variant_weights, 4);
	if (v == 4 && !c->nid)
		v = 5;
	if (v == 4 || v == 5)
		*other_script = 1;
	return v;
}

/* After an abuse of child c reported in month m (with support or not), at the planted
 * rates a new abuse reported 1-12 months later, which draws its own support and may be
 * followed in turn: every victim of every report carries the planted re-victimisation,
 * so a victim-year's outcome (its first case's) follows the planted rates too. */
static void duplicates(struct gen *g, const struct plan *p, unsigned seen, int m);

static void follow(struct gen *g, struct child *c, int m, int support, int reg, int *other_script,
		   unsigned seen)
{
	struct rng *r = &g->rng;
	while (g->emitted < g->opt->cases) {
		double pr = p_revict * (support ? rr_revict_support : 1.0);
		int later = m + 1 + below(r, 12);
		int eligible = month_in_range(g, m + 12), revict = chance(r, pr);
		g->eligible[support] += eligible;
		g->revictimised[support] += eligible && revict;
		if (!revict || !month_in_range(g, later))
			return;
		/* In a year the child has no child-year yet, the sources of this abuse are drawn
		 * afresh (none: it is hidden, and nothing more of the child is known); else it
		 * is one of the sources that already reported the child that year. */
		int new_year = later / 12 != m / 12;
		if (new_year && !(seen = draw_sources(r))) {
			g->hidden_by_year[later / 12 - g->opt->year_from]++;
			return;
		}
		struct plan q;
		/* (The new abuse is in the month reported: its offenders' ages are then.) */
		plan_case(g, &q, later, reg, first_source(r, seen), later);
		q.victims[0] = c;
		q.variants[0] = variant_for(g, c, other_script);
		q.nvict = 1;
		q.support = (unsigned)chance(r, p_support);
		emit(g, &q);
		if (new_year) {
			g->seen_by_sources[seen]++;
			duplicates(g, &q, seen, later);
		}
		m = later;
		support = (int)q.support;
	}
}

/* The same abuse as p (reported in month m) reported by the other sources of `seen`, one
 * case each at the source's agency of the region, its children written as in p (the same
 * identities: what one source writes of a child, another does). */
static void duplicates(struct gen *g, const struct plan *p, unsigned seen, int m)
{
	for (int s = 0; s < NSRC && g->emitted < g->opt->cases; s++) {
		if (!(seen & (1u << s)) || s == source_of(p->detection))
			continue;
		struct plan d = *p;
		source_agency(s, p->region, d.agency);
		case_ref(g, m / 12, d.case_ref, sizeof d.case_ref);
		if (d.incident < 0)
			d.incident = m;
		d.support = 0;
		d.image_removal = 0;
		d.noffenders = 0;
		emit(g, &d);
		g->duplicates++;
	}
}

/* A first case, then at planted rates the same child again. */
static void generate_episode(struct gen *g)
{
	struct rng *r = &g->rng;
	int cell = draw_cell(g);
	int a = cell % NAGE, f = cell / NAGE % 2, reg = cell / (2 * NAGE) % NREG,
	    y = cell / (2 * NAGE * NREG);
	int year = g->opt->year_from + y;
	int m = year * 12 + below(r, 12);
	int today_month = (g->today / 10000) * 12 + (g->today / 100 % 100) - 1;
	if (m > today_month)
		m = today_month;
	unsigned seen = draw_sources(r);
	if (!seen) {
		/* Hidden: the child, and the children abused with it, whom no source reports. */
		double more = unif(r);
		g->hidden_by_year[y] += 1 + (more < 0.03 ? 2 : more < 0.15 ? 1 : 0);
		return;
	}
	struct child kids[3];
	struct plan p;
	plan_case(g, &p, m, reg, first_source(r, seen), -1);
	int inc = p.incident >= 0 ? p.incident : m;
	new_child(g, reg, f, a, inc, &kids[0]);
	int namesake = 0;
	if (g->nchildren && chance(r, p_namesake)) {
		/* A namesake of an earlier child, in another region, of an age that fits. */
		const struct child *o =
		    &g->children[below(r, g->nchildren < CHILD_RING ? g->nchildren : CHILD_RING)];
		int age = month_age(o->by, o->bm, o->bd, inc / 12, inc % 12 + 1, 0);
		if (o->region != reg && age >= 0 && age <= 17) {
			make_sibling(g, o, &kids[0], 1);
			kids[0].region = reg;
			namesake = 1;
			g->namesakes++;
		}
	}
	born_by_report(&p, &kids[0]);
	/* Not a namesake's namesake: its given name could come back to the first child's. */
	if (!namesake)
		g->children[g->nchildren++ % CHILD_RING] = kids[0];
	p.victims[0] = &kids[0];
	p.nvict = 1;
	double more = unif(r);
	int extra = more < 0.03 ? 2 : more < 0.15 ? 1 : 0;
	for (int i = 0; i < extra; i++) {
		int sibling = chance(r, p_sibling), twin = sibling && i == 0 && chance(r, p_twin);
		int c2 = draw_cell_in(g, y, reg), age2 = c2 % NAGE, f2 = c2 / NAGE % 2;
		/* A brother or sister is born a year or more apart; a twin, as the first. */
		for (int k = 0; sibling && !twin && age2 == a && k < 16; k++) {
			c2 = draw_cell_in(g, y, reg);
			age2 = c2 % NAGE;
			f2 = c2 / NAGE % 2;
		}
		if (twin) {
			age2 = a;
			f2 = f;
		}
		new_child(g, reg, f2, age2, inc, &kids[1 + i]);
		if (sibling) {
			make_sibling(g, &kids[0], &kids[1 + i], twin);
			g->siblings++;
			g->twins += twin;
		}
		born_by_report(&p, &kids[1 + i]);
		p.victims[p.nvict++] = &kids[1 + i];
	}
	p.support = 0;
	for (int i = 0; i < p.nvict; i++)
		p.support |= (unsigned)chance(r, p_support) << i;
	int other_script[3] = {0};
	emit(g, &p);
	g->episodes++;
	g->first_victims++;
	g->first_victims_female += kids[0].female;
	g->seen_by_sources[seen] += p.nvict;
	if (g->emitted >= g->opt->cases)
		return;
	duplicates(g, &p, seen, m);
	for (int i = 0; i < p.nvict && g->emitted < g->opt->cases; i++)
		follow(g, &kids[i], m, (p.support >> i) & 1, reg, &other_script[i], seen);
}

/* ---- malformed records (for the ETL's tests): each with its expected code and pointer */

struct bad_kind {
	const char *code, *pointer;
};

static const struct bad_kind bad_kinds[] = {
    {"E2001", "/victims/0/sex"},
    {"E1003", "/region"},
    {"E3001", "/reported"},
    {"E1004", "/financial"},
    {"E1006", "/"},
    {"E1006", "/schema"},
    {"E3003", "/victims/0/age"},
    {"E2001", "/offences/0"},
    {"E3004", "/interventions/0/person"},
    {"E3005", "/victims/1/ref"},
    {"E3006", "/victims/0"},
    {"E1005", "/case_ref"},
    {"E1001", ""},
    {"E1002", ""},
    {"E3002", "/incident"},
    {"E1004", "/victims"},
};
#define NBAD (int)(sizeof bad_kinds / sizeof bad_kinds[0])

/* Breaks a valid case in the way bad_kinds[kind] names. */
static void mutate(json_t *c, int kind)
{
	json_t *v0 = json_array_get(json_object_get(c, "victims"), 0);
	switch (kind) {
	case 0:
		json_object_set_new(v0, "sex", json_string("X"));
		break;
	case 1:
		json_object_del(c, "region");
		break;
	case 2:
		json_object_set_new(c, "reported", json_string("2023-02-30"));
		json_object_del(c, "incident");
		break;
	case 3:
		json_object_set_new(c, "financial", json_string("yes"));
		break;
	case 4:
		json_object_set_new(c, "colour", json_string("red"));
		break;
	case 5:
		json_object_set_new(c, "schema", json_string("wiqaya.case/2"));
		break;
	case 6:
		json_object_set_new(v0, "age", json_integer(130));
		break;
	case 7:
		json_array_set_new(json_object_get(c, "offences"), 0, json_string("murder"));
		break;
	case 8:
		json_object_set_new(c, "interventions",
				    json_pack("[{s:s,s:s,s:s}]", "person", "V9", "type",
					      "legal_aid", "started", "2020-01"));
		break;
	case 9:
		json_array_append_new(json_object_get(c, "victims"), json_deep_copy(v0));
		break;
	case 10:
		json_object_del(v0, "age");
		json_object_del(json_object_get(v0, "identity"), "birth_date");
		break;
	case 11:
		json_object_set_new(
		    c, "case_ref",
		    json_string("R-0123456789012345678901234567890123456789012345678"
				"901234567890123456789"));
		break;
	case 14:
		json_object_set_new(c, "reported", json_string("2020-01-15"));
		json_object_set_new(c, "incident", json_string("2020-03"));
		break;
	case 15:
		json_object_set_new(c, "victims", json_string("V1"));
		break;
	}
}

static void emit_bad(struct gen *g, int kind)
{
	/* A valid case is drawn and written to memory, then broken. */
	FILE *real = g->ndjson, *real_csv = g->csv, *real_link = g->linkage;
	char *buf = NULL, *lbuf = NULL, *cbuf = NULL;
	size_t len = 0, llen = 0, clen = 0;
	g->ndjson = open_memstream(&buf, &len);
	g->csv = open_memstream(&cbuf, &clen);
	g->linkage = open_memstream(&lbuf, &llen);
	long line = g->line, emitted = g->emitted;
	struct plan p;
	struct child c;
	int m = g->opt->year_from * 12 + below(&g->rng, 12);
	plan_case(g, &p, m, below(&g->rng, NREG), SRC_POLICE, -1);
	new_child(g, p.region, chance(&g->rng, 0.5), 8 + below(&g->rng, 9),
		  p.incident >= 0 ? p.incident : m, &c);
	p.victims[0] = &c;
	p.nvict = 1;
	g->drafting = 1;
	emit(g, &p);
	g->drafting = 0;
	fclose(g->ndjson);
	fclose(g->csv);
	fclose(g->linkage);
	free(cbuf);
	free(lbuf);
	g->ndjson = real;
	g->csv = real_csv;
	g->linkage = real_link;
	g->line = line + 1;
	g->emitted = emitted;

	char *text;
	if (kind == 12) { /* cut in the middle: not JSON (at a character's start, so that
			   * the text stays UTF-8 and the error is the JSON's alone) */
		size_t cut = len / 2;
		while (cut > 0 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
			cut--;
		buf[cut] = '\0';
		text = xasprintf("%s\n", buf);
	} else if (kind == 13) { /* a byte that is not UTF-8 inside a string */
		char *q = strstr(buf, "\"region\":\"");
		text = xasprintf("%.*s\xff%s", (int)(q - buf) + 10, buf, q + 10);
	} else {
		json_t *j = json_loads(buf, 0, NULL);
		mutate(j, kind);
		char *d = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		text = xasprintf("%s\n", d);
		free(d);
		json_decref(j);
	}
	g->failed |= fputs(text, real) < 0;
	fprintf(g->bad, "%ld\t%s\t%s\n", g->line, bad_kinds[kind].code, bad_kinds[kind].pointer);
	free(text);
	free(buf);
}

static FILE *open_out(const char *dir, const char *name, struct wq_error *e)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		err_set(e, "S6002", "could not create \"%s\": %s", path, strerror(errno));
	free(path);
	return f;
}

static int write_population(struct gen *g, struct wq_error *e)
{
	FILE *f = open_out(g->opt->out_dir, "population.csv", e);
	if (!f)
		return -1;
	fprintf(f, "year,region,sex,age,population\n");
	for (int y = 0; y < nyears(g); y++)
		for (int r = 0; r < NREG; r++)
			for (int s = 0; s < 2; s++)
				for (int a = 0; a < NAGE; a++)
					fprintf(f, "%d,DC-%02d,%s,%d,%.0f\n", g->opt->year_from + y,
						r + 1, s ? "female" : "male", a,
						population(y, r, s, a));
	return fclose(f) == 0 ? 0 : err_set(e, "S6002", "could not write population.csv");
}

/* The same children by one attribute: share[r] of each cell in kinds (evenly), the rest in
 * rest. The denominators of a disability or migrant rate, as a census table gives them. */
static int write_population_by(struct gen *g, const char *name, const char *column,
			       const double *share, const char *rest, const char *const *kinds,
			       int nkinds, struct wq_error *e)
{
	FILE *f = open_out(g->opt->out_dir, name, e);
	if (!f)
		return -1;
	fprintf(f, "year,region,sex,age,%s,population\n", column);
	for (int y = 0; y < nyears(g); y++)
		for (int r = 0; r < NREG; r++)
			for (int s = 0; s < 2; s++)
				for (int a = 0; a < NAGE; a++) {
					double p = population(y, r, s, a);
					const char *sex = s ? "female" : "male";
					int year = g->opt->year_from + y;
					fprintf(f, "%d,DC-%02d,%s,%d,%s,%.0f\n", year, r + 1, sex,
						a, rest, floor(p * (1 - share[r]) + 0.5));
					for (int k = 0; k < nkinds; k++)
						fprintf(f, "%d,DC-%02d,%s,%d,%s,%.0f\n", year,
							r + 1, sex, a, kinds[k],
							floor(p * share[r] / nkinds + 0.5));
				}
	return fclose(f) == 0 ? 0 : err_set(e, "S6002", "could not write %s", name);
}

static json_t *array_of(const double *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static int write_truth(struct gen *g, struct wq_error *e)
{
	const struct synth_options *o = g->opt;
	json_t *t = json_object();
	json_object_set_new(t, "generator", json_string("wiqaya-synth 1"));
	json_object_set_new(t, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(t, "cases", json_integer(o->cases));
	json_object_set_new(t, "years", json_pack("[i,i]", o->year_from, o->year_to));
	json_object_set_new(t, "bad_rate", json_real(o->bad_rate));
	json_object_set_new(t, "regions_children_2015", array_of(region_children_2015, NREG));
	json_object_set_new(t, "population_growth", json_real(population_growth));
	json_object_set_new(t, "incidence_annual_growth", json_real(case_growth));
	json_object_set_new(t, "rate_ratio_region", array_of(region_rr, NREG));
	json_object_set_new(t, "rate_ratio_female_vs_male", json_real(rr_female));
	json_object_set_new(t, "rate_ratio_age_band",
			    json_pack("{s:f,s:f,s:f,s:f,s:f}", "0-4", rr_age_band[0], "5-9",
				      rr_age_band[1], "10-12", rr_age_band[2], "13-15",
				      rr_age_band[3], "16-17", rr_age_band[4]));
	json_object_set_new(t, "disabled_population_share", array_of(disabled_share, NREG));
	json_object_set_new(t, "rate_ratio_disability", json_real(rr_disability));
	json_object_set_new(t, "migrant_population_share", array_of(migrant_share, NREG));
	json_object_set_new(t, "rate_ratio_migrant", json_real(rr_migrant));
	json_object_set_new(t, "sources",
			    json_pack("{s:[s,s,s,s],s:f,s:f,s:f,s:f,s:f}", "names", source_names[0],
				      source_names[1], source_names[2], source_names[3], "social",
				      p_source_social, "police_if_social",
				      p_source_police_if_social, "police_otherwise",
				      p_source_police_else, "health", p_source_health, "hotline",
				      p_source_hotline));
	json_object_set_new(t, "report_delay_months",
			    json_pack("{s:f,s:f,s:f,s:f}", "0-3", delay_share[0], "4-15",
				      delay_share[1], "16-27", delay_share[2], "28-39",
				      delay_share[3]));
	json_object_set_new(t, "incident_written_share", json_real(0.7));
	json_object_set_new(t, "psychosocial_support_probability", json_real(p_support));
	json_object_set_new(t, "revictimisation_12m_probability_without_support",
			    json_real(p_revict));
	json_object_set_new(t, "revictimisation_rate_ratio_with_support",
			    json_real(rr_revict_support));
	json_object_set_new(t, "reoffending_probability_per_offender", json_real(p_reoffend));
	json_object_set_new(t, "child_offender_share", json_real(p_child_offender));
	json_object_set_new(t, "financial_sextortion",
			    json_pack("{s:i,s:f,s:f}", "growth_from_year", fin_sextortion_from,
				      "yearly_weight_factor", fin_sextortion_growth, "base_weight",
				      offence_w[3]));
	json_object_set_new(t, "proactive_detection_share",
			    json_pack("{s:f,s:f}", "2015", proactive_2015, "2025", proactive_2025));
	json_object_set_new(t, "pathway",
			    json_pack("{s:f,s:f,s:f}", "charged", p_charged,
				      "prosecuted_if_charged", p_prosecuted,
				      "convicted_if_prosecuted", p_convicted));
	json_object_set_new(t, "national_id_share_citizens", json_real(p_national_id));
	json_t *vw = json_object();
	for (int i = 0; i < 6; i++)
		json_object_set_new(vw, variant_names[i], json_real(variant_weights[i]));
	json_object_set_new(t, "identity_variant_weights", vw);
	json_t *real = json_object(), *years = json_object();
	for (int y = 0; y < nyears(g); y++) {
		char key[8];
		snprintf(key, sizeof key, "%d", o->year_from + y);
		json_object_set_new(years, key, json_integer(g->by_year[y]));
	}
	json_t *hidden = json_object(), *patterns = json_object();
	for (int y = 0; y < nyears(g); y++) {
		char key[8];
		snprintf(key, sizeof key, "%d", o->year_from + y);
		json_object_set_new(hidden, key, json_integer(g->hidden_by_year[y]));
	}
	/* Keyed as the sources' codes are: their names in byte order joined by +. */
	static const int byte_order[NSRC] = {SRC_HEALTH, SRC_HOTLINE, SRC_POLICE, SRC_SOCIAL};
	for (unsigned set = 1; set < 1u << NSRC; set++) {
		char key[64] = "";
		for (int k = 0, i; k < NSRC; k++)
			if (set & (1u << (i = byte_order[k])))
				snprintf(key + strlen(key), sizeof key - strlen(key), "%s%s",
					 key[0] ? "+" : "", source_names[i]);
		json_object_set_new(patterns, key, json_integer(g->seen_by_sources[set]));
	}
	json_object_set_new(real, "hidden_child_years_by_year", hidden);
	json_object_set_new(real, "child_years_by_sources", patterns);
	json_object_set_new(real, "cases_written", json_integer(g->emitted));
	json_object_set_new(real, "valid_cases_by_reported_year", years);
	json_object_set_new(real, "children", json_integer(g->next_child));
	json_object_set_new(real, "victim_records", json_integer(g->victims));
	json_object_set_new(real, "victim_records_female", json_integer(g->victims_female));
	json_object_set_new(real, "first_victims", json_integer(g->first_victims));
	json_object_set_new(real, "first_victims_female", json_integer(g->first_victims_female));
	json_object_set_new(real, "episodes", json_integer(g->episodes));
	json_object_set_new(real, "duplicate_reports", json_integer(g->duplicates));
	json_object_set_new(real, "siblings", json_integer(g->siblings));
	json_object_set_new(real, "twins", json_integer(g->twins));
	json_object_set_new(real, "namesakes", json_integer(g->namesakes));
	json_object_set_new(real, "revictimisation_eligible_without_support",
			    json_integer(g->eligible[0]));
	json_object_set_new(real, "revictimised_without_support", json_integer(g->revictimised[0]));
	json_object_set_new(real, "revictimisation_eligible_with_support",
			    json_integer(g->eligible[1]));
	json_object_set_new(real, "revictimised_with_support", json_integer(g->revictimised[1]));
	json_object_set_new(t, "realised", real);
	/* The female share planted among first victims: population-weighted. */
	double pf = 0, pm = 0;
	for (int r = 0; r < NREG; r++)
		for (int a = 0; a < NAGE; a++) {
			pf += population(0, r, 1, a) * region_rr[r] * rr_age_band[age_band(a)];
			pm += population(0, r, 0, a) * region_rr[r] * rr_age_band[age_band(a)];
		}
	json_object_set_new(t, "expected_female_share_first_victims",
			    json_real(pf * rr_female / (pf * rr_female + pm)));
	char *path = xasprintf("%s/truth.json", o->out_dir);
	int rc =
	    json_dump_file(t, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	free(path);
	json_decref(t);
	return rc == 0 ? 0 : err_set(e, "S6002", "could not write truth.json");
}

int synth_run(const struct synth_options *opt, struct wq_error *e)
{
	struct gen g = {.opt = opt, .relationship = attr_index("relationship")};
	int rc = -1;
	if (opt->cases < 1 || opt->year_from < 1900 || opt->year_to < opt->year_from ||
	    opt->bad_rate < 0 || opt->bad_rate >= 1)
		return err_set(e, "S6001",
			       "need --cases >= 1, --years FROM-TO and 0 <= --bad-rate < 1");
	if (mkdir(opt->out_dir, 0755) != 0 && errno != EEXIST)
		return err_set(e, "S6002", "could not create \"%s\": %s", opt->out_dir,
			       strerror(errno));
	uint64_t x = opt->seed;
	for (int i = 0; i < 4; i++)
		g.rng.s[i] = splitmix(&x);
	/* Dates are capped at the end of the last year or today, whichever is first; tests
	 * are deterministic as long as the years asked for are in the past. */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	int today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	g.today = opt->year_to * 10000 + 1231 < today ? opt->year_to * 10000 + 1231 : today;
	sb_init(&g.sb);
	build_cells(&g);

	g.ndjson = open_out(opt->out_dir, "cases.ndjson", e);
	g.csv = g.ndjson ? open_out(opt->out_dir, "cases.csv", e) : NULL;
	g.linkage = g.csv ? open_out(opt->out_dir, "linkage.csv", e) : NULL;
	g.bad = g.linkage ? open_out(opt->out_dir, "bad.tsv", e) : NULL;
	if (!g.bad)
		goto out;
	const struct csv_column *cols;
	size_t ncol = csv_layout(&cols);
	for (size_t c = 0; c < ncol; c++)
		fprintf(g.csv, "%s%s", cols[c].name, c == ncol - 1 ? "\n" : ",");
	fputs("agency,case_ref,victim_ref,child,variant\n", g.linkage);
	fputs("# line\texpected code\texpected pointer\n", g.bad);
	while (g.emitted < opt->cases) {
		if (opt->bad_rate > 0 && chance(&g.rng, opt->bad_rate)) {
			emit_bad(&g, below(&g.rng, NBAD));
			g.emitted++;
			continue;
		}
		generate_episode(&g);
	}
	if (g.failed || write_population(&g, e) < 0 ||
	    write_population_by(&g, "population_disability.csv", "disability", disabled_share,
				"none", disabilities, 7, e) < 0 ||
	    write_population_by(&g, "population_migrant.csv", "migrant_status", migrant_share,
				"citizen", migrant_kinds, 5, e) < 0 ||
	    write_truth(&g, e) < 0) {
		if (!err_is_set(e))
			err_set(e, "S6002", "could not write the output files");
		goto out;
	}
	rc = 0;
out:
	if (g.ndjson && fclose(g.ndjson) != 0)
		rc = -1;
	if (g.csv && fclose(g.csv) != 0)
		rc = -1;
	if (g.linkage && fclose(g.linkage) != 0)
		rc = -1;
	if (g.bad && fclose(g.bad) != 0)
		rc = -1;
	if (rc < 0 && !err_is_set(e))
		err_set(e, "S6002", "could not write the output files");
	free(g.cell_cdf);
	sb_free(&g.sb);
	return rc;
}
