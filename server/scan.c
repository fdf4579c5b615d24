/* The scan of a query over columns (see scan.h). */
#include "server/scan.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/cores.h"
#include "common/xalloc.h"
#include "server/product.h"
#include "server/protect.h"

/* Rows a thread takes at least: below it, starting a thread costs more than it saves. */
#define ROWS_PER_THREAD 65536
#define MAX_THREADS	8

/* A position that drops the row: a row's cell is the sum of its lookups' positions, kept
 * while below DROP. A table has fewer cells (PRODUCT_MAX_CELLS), and a row's sum of at
 * most QUERY_MAX_DIMS * 2 + 1 lookups stays below 2^32. One add a lookup, where a test
 * for -1 and a select were half of a fresh 4-dimension table's scan. */
#define DROP ((uint32_t)1 << 27)
_Static_assert((QUERY_MAX_DIMS * 2 + 2) * (uint64_t)DROP < ((uint64_t)1 << 32),
	       "a row's sum of positions fits in 32 bits");
_Static_assert(PRODUCT_MAX_CELLS < DROP && PROTECT_MAX_CELLS < DROP, "a cell is below DROP");

/* A single-valued column's codes to a position in the layout times its stride, or DROP:
 * the row is not counted. A filter's positions are 0 (kept) or DROP. */
struct lookup {
	const struct column *col;
	uint32_t *pos; /* indexed by code, 0 the null */
};

/* A multi-valued column as a dimension: a row counts once in each item's cell. */
struct fan {
	const struct column *col;
	int32_t pos[64]; /* by bit */
	size_t stride;
};

/* A multi-valued column as a filter: the row has one of the items. */
struct overlap {
	const struct column *col;
	uint64_t items;
};

/* The predicates' bits a row's class is read from: numerator true, numerator false,
 * denominator true and false. */
struct classes {
	uint64_t num_t, num_f, den_t, den_f;
	int proportion;
};

struct plan {
	const struct fact_columns *fc;
	struct classes classes;
	struct lookup single[QUERY_MAX_DIMS * 2 + 1]; /* the 1-byte columns' first */
	int nsingle, nnarrow;
	struct fan fan[QUERY_MAX_DIMS];
	int nfan;
	struct overlap overlap[QUERY_MAX_DIMS];
	int noverlap;
};

/* A row's class: whether it is in the numerator, the denominator or the excluded. A cell
 * keeps a slot a class, so that a row costs two adds into one slot (its count and its
 * record key) where a sum a measure cost seven; the cell's measures are folded from its
 * slots after the scan. Counts of 32 bits: a thread takes fewer rows than they hold. */
enum { IN_NUM = 1, IN_DEN = 2, IN_EXCLUDED = 4 };

/* Four classes: none; the denominator only (a count: unused); the numerator (of a
 * proportion: in the denominator too, as a numerator row must be); excluded. A predicate's
 * true and false bits never meet, so no row is in two of them. */
enum { SLOTS = 4, SLOT_EXCLUDED = 3 };

struct slot {
	uint32_t rows, key;
};

struct job {
	const struct plan *pl;
	size_t from, to;
	struct slot *slots; /* a cell's SLOTS slots at cell * SLOTS */
};

/* The slot of a row of flags fl. Without branches: whether a row is in the numerator is as
 * likely as not. */
static inline unsigned slot_of(const struct classes *c, uint64_t fl)
{
	unsigned num = (fl & c->num_t) != 0;
	if (c->proportion) {
		unsigned den = (fl & c->den_t) != 0;
		return (fl & c->den_f) ? SLOT_EXCLUDED : den + (num & den);
	}
	return (fl & c->num_f) ? SLOT_EXCLUDED : 2 * num;
}

/* The measures (IN_*) a slot's rows are in. */
static unsigned measures_of(const struct plan *pl, unsigned slot)
{
	static const unsigned proportion[SLOTS] = {0, IN_DEN, IN_DEN | IN_NUM, IN_EXCLUDED},
			      count[SLOTS] = {0, 0, IN_NUM, IN_EXCLUDED};
	return (pl->classes.proportion ? proportion : count)[slot];
}

/* Adds row r to the cells of fans k.. from position idx. */
static void fan_out(const struct job *j, size_t r, int k, size_t idx, uint32_t key, unsigned cls)
{
	const struct plan *pl = j->pl;
	if (k == pl->nfan) {
		struct slot *s = &j->slots[idx * SLOTS + cls];
		s->rows++;
		s->key += key;
		return;
	}
	const struct fan *f = &pl->fan[k];
	for (uint64_t m = column_at(f->col, r); m; m &= m - 1) {
		int32_t p = f->pos[__builtin_ctzll(m)];
		if (p >= 0)
			fan_out(j, r, k + 1, idx + (size_t)p * f->stride, key, cls);
	}
}

/* cell[i] += pos[code of row from + i], for a column wider than a byte. A loop per width,
 * so that the compiler sees plain arrays. */
#define LOOKUP(type)                                                                               \
	do {                                                                                       \
		const type *v = (const type *)l->col->data + from;                                 \
		for (size_t i = 0; i < n; i++)                                                     \
			cell[i] += l->pos[v[i]];                                                   \
	} while (0)

static void lookup(const struct lookup *l, size_t from, size_t n, uint32_t *cell)
{
	switch (l->col->width) {
	case 1:
		LOOKUP(uint8_t);
		break;
	case 2:
		LOOKUP(uint16_t);
		break;
	default:
		for (size_t i = 0; i < n; i++)
			cell[i] += l->pos[column_at(l->col, from + i)];
	}
}

/* Up to NARROW lookups of 1-byte columns (the codes of short lists: most) in one pass, a
 * row's positions summed in a register and stored once, where a pass a column loaded and
 * stored the row's cell each time (the lookups were half a fresh table's scan). M and FIRST (the
 * cell written, not added to) are constants at each call, so that the loop over the columns
 * unrolls. */
enum { NARROW = 6 };

static inline void narrow_pass(const struct lookup *l, int m, int first, size_t from, size_t n,
			       uint32_t *cell)
{
	const uint8_t *v[NARROW];
	const uint32_t *pos[NARROW];
	for (int c = 0; c < m; c++) {
		v[c] = (const uint8_t *)l[c].col->data + from;
		pos[c] = l[c].pos;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t sum = first ? 0 : cell[i];
#pragma GCC unroll 6
		for (int c = 0; c < m; c++)
			sum += pos[c][v[c][i]];
		cell[i] = sum;
	}
}

static void narrow(const struct lookup *l, int m, int first, size_t from, size_t n, uint32_t *cell)
{
#define PASS(k) (first ? narrow_pass(l, k, 1, from, n, cell) : narrow_pass(l, k, 0, from, n, cell))
	switch (m) {
	case 1:
		PASS(1);
		break;
	case 2:
		PASS(2);
		break;
	case 3:
		PASS(3);
		break;
	case 4:
		PASS(4);
		break;
	case 5:
		PASS(5);
		break;
	default:
		PASS(6);
	}
#undef PASS
}

/* Each kept row of a block (cell[k] its cell, rows from..) added to its cell's slot of its
 * class: a loop a width of the flags, with what it reads in locals (the slots' stores
 * could alias the plan's and the job's fields, loaded again each row where the loop was a
 * third of a fresh table's scan). */
#define ADD_ROWS(type)                                                                             \
	do {                                                                                       \
		const type *fl = (const type *)fc->flags.data + from;                              \
		for (size_t k = 0; k < n; k++) {                                                   \
			if (cell[k] >= DROP)                                                       \
				continue;                                                          \
			struct slot *s = &slots[(size_t)cell[k] * SLOTS + slot_of(&cls, fl[k])];   \
			s->rows++;                                                                 \
			s->key += keys[k];                                                         \
		}                                                                                  \
	} while (0)

static void add_rows(const struct plan *pl, struct slot *slots, size_t from, size_t n,
		     const uint32_t *cell)
{
	const struct fact_columns *fc = pl->fc;
	const struct classes cls = pl->classes;
	const uint32_t *keys = fc->keys + from;
	switch (fc->flags.width) {
	case 1:
		ADD_ROWS(uint8_t);
		break;
	case 2:
		ADD_ROWS(uint16_t);
		break;
	case 4:
		ADD_ROWS(uint32_t);
		break;
	default:
		ADD_ROWS(uint64_t);
	}
}
#undef ADD_ROWS

/* The rows of a job a block at a time: each column's lookups over the block, then each
 * kept row added to its cell's slot of its class. */
static void *run(void *arg)
{
	enum { BLOCK = 1024 };
	const struct job *j = arg;
	const struct plan *pl = j->pl;
	const struct fact_columns *fc = pl->fc;
	uint32_t cell[BLOCK];
	for (size_t from = j->from; from < j->to; from += BLOCK) {
		size_t n = j->to - from < BLOCK ? j->to - from : BLOCK;
		if (!pl->nnarrow)
			memset(cell, 0, n * sizeof *cell);
		for (int i = 0; i < pl->nnarrow; i += NARROW)
			narrow(&pl->single[i], pl->nnarrow - i < NARROW ? pl->nnarrow - i : NARROW,
			       i == 0, from, n, cell);
		for (int i = pl->nnarrow; i < pl->nsingle; i++)
			lookup(&pl->single[i], from, n, cell);
		for (int i = 0; i < pl->noverlap; i++)
			for (size_t k = 0; k < n; k++)
				if (!(column_at(pl->overlap[i].col, from + k) &
				      pl->overlap[i].items))
					cell[k] = DROP;
		if (!pl->nfan) {
			add_rows(pl, j->slots, from, n, cell);
			continue;
		}
		for (size_t k = 0; k < n; k++)
			if (cell[k] < DROP)
				fan_out(j, from + k, 0, (size_t)cell[k], fc->keys[from + k],
					slot_of(&pl->classes, column_at(&fc->flags, from + k)));
	}
	return NULL;
}

/* A lookup of column col: each code's position in dom times stride (dom NULL: a filter,
 * kept when listed in d), DROP where not counted; year_lo..year_hi (0: open) bound years. */
static uint32_t *positions(const struct column *col, const struct domain *dom, size_t stride,
			   const struct query_dim *d, int year_lo, int year_hi)
{
	uint32_t *pos = xmalloc((col->ndict + 1) * sizeof *pos);
	for (size_t k = 0; k <= col->ndict; k++) {
		const char *v = k ? col->dict[k - 1] : NULL;
		int at; /* the position in dom, or 0 kept, or -1 */
		if (dom)
			at = layout_index(dom, v);
		else if (!v)
			at = -1;
		else if (d)
			at = layout_listed(d, v) ? 0 : -1;
		else
			at = (year_lo && atoi(v) < year_lo) || (year_hi && atoi(v) > year_hi) ? -1
											      : 0;
		pos[k] = at < 0 ? DROP : (uint32_t)((size_t)at * stride);
	}
	return pos;
}

static int plan_make(struct plan *pl, const struct columns *c, const struct query *q,
		     const struct domain *dom)
{
	memset(pl, 0, sizeof *pl);
	pl->fc = columns_fact(c, q->ind->fact);
	if (!pl->fc)
		return -1;
	size_t stride[QUERY_MAX_DIMS];
	for (int i = q->ndims - 1; i >= 0; i--)
		stride[i] = i == q->ndims - 1 ? 1 : stride[i + 1] * (size_t)dom[i + 1].n;
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		const struct query_dim *d = &q->dims[i];
		const struct column *col = columns_dim(pl->fc, d->dim);
		if (!col)
			return -1;
		if (i < q->ndims && d->dim->multi) {
			struct fan *f = &pl->fan[pl->nfan++];
			f->col = col;
			f->stride = stride[i];
			for (size_t k = 0; k < 64; k++)
				f->pos[k] =
				    k < col->ndict ? layout_index(&dom[i], col->dict[k]) : -1;
		} else if (d->dim->multi) {
			struct overlap *o = &pl->overlap[pl->noverlap++];
			o->col = col;
			for (size_t k = 0; k < col->ndict; k++)
				if (layout_listed(d, col->dict[k]))
					o->items |= 1ull << k;
		} else {
			struct lookup *l = &pl->single[pl->nsingle++];
			l->col = col;
			l->pos = positions(col, i < q->ndims ? &dom[i] : NULL,
					   i < q->ndims ? stride[i] : 0, d, 0, 0);
		}
	}
	if (q->from_year || q->to_year) {
		const struct column *year = columns_dim(pl->fc, model_dimension("year"));
		if (!year)
			return -1;
		struct lookup *l = &pl->single[pl->nsingle++];
		l->col = year;
		l->pos = positions(year, NULL, 0, NULL, q->from_year, q->to_year);
	}
	/* The 1-byte columns first, for the narrow passes (a sum of positions: in any order). */
	for (int i = 0; i < pl->nsingle; i++)
		if (pl->single[i].col->width == 1) {
			struct lookup l = pl->single[i];
			memmove(&pl->single[pl->nnarrow + 1], &pl->single[pl->nnarrow],
				(size_t)(i - pl->nnarrow) * sizeof l);
			pl->single[pl->nnarrow++] = l;
		}
	int nb = columns_pred_bit(pl->fc, q->ind->numerator);
	if (nb < 0)
		return -1;
	pl->classes.num_t = 1ull << nb;
	pl->classes.num_f = 1ull << (nb + 1);
	pl->classes.proportion = q->ind->type == IND_PROPORTION;
	if (pl->classes.proportion) {
		int db = columns_pred_bit(pl->fc, q->ind->denominator);
		if (db < 0)
			return -1;
		pl->classes.den_t = 1ull << db;
		pl->classes.den_f = 1ull << (db + 1);
	}
	return 0;
}

static void plan_free(struct plan *pl)
{
	for (int i = 0; i < pl->nsingle; i++)
		free(pl->single[i].pos);
}

int scan_cells(const struct columns *c, const struct query *q, const struct domain *dom,
	       size_t total, struct exact_cell *out, unsigned char *kept)
{
	struct plan pl;
	if (total >= DROP)
		return -1;
	if (plan_make(&pl, c, q, dom) < 0) {
		plan_free(&pl);
		return -1;
	}
	size_t rows = pl.fc->rows;
	int most = cores(MAX_THREADS), nthreads = (int)(rows / ROWS_PER_THREAD);
	nthreads = nthreads < 1 ? 1 : nthreads > most ? most : nthreads;
	if (rows / (size_t)nthreads >= UINT32_MAX) { /* a slot's count would wrap */
		plan_free(&pl);
		return -1;
	}
	struct job jobs[MAX_THREADS] = {{0}};
	pthread_t threads[MAX_THREADS];
	int started[MAX_THREADS] = {0};
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (struct job){&pl, rows * (size_t)t / (size_t)nthreads,
				       rows * (size_t)(t + 1) / (size_t)nthreads,
				       xcalloc((total ? total : 1) * SLOTS, sizeof(struct slot))};
		/* The calling thread takes the first share. */
		if (t > 0)
			started[t] = pthread_create(&threads[t], NULL, run, &jobs[t]) == 0;
	}
	run(&jobs[0]);
	for (int t = 1; t < nthreads; t++) {
		if (started[t])
			pthread_join(threads[t], NULL);
		else
			run(&jobs[t]);
	}
	int rate = q->ind->type == IND_RATE;
	for (size_t i = 0; i < total; i++) {
		uint64_t nrows = 0, num = 0, den = 0, excluded = 0;
		uint32_t ckn = 0, ckd = 0, ckx = 0;
		for (int t = 0; t < nthreads; t++)
			for (unsigned cls = 0; cls < SLOTS; cls++) {
				const struct slot *b = &jobs[t].slots[i * SLOTS + cls];
				unsigned in = measures_of(&pl, cls);
				nrows += b->rows;
				if (in & IN_NUM) {
					num += b->rows;
					ckn += b->key;
				}
				if (in & IN_DEN) {
					den += b->rows;
					ckd += b->key;
				}
				if (in & IN_EXCLUDED) {
					excluded += b->rows;
					ckx += b->key;
				}
			}
		/* As the SQL path: a rate's cell of rows outside its numerator only (the 18+
		 * band of victim_rate) is no cell; a cell without rows is one of zeros. */
		int counted = nrows > 0 && !(rate && num == 0 && excluded > 0);
		out[i] = (struct exact_cell){0};
		if (kept)
			kept[i] = (unsigned char)counted;
		if (!counted)
			continue;
		out[i].num = (long)num;
		out[i].excluded = (long)excluded;
		out[i].ckn = ckn;
		out[i].ckx = ckx;
		if (pl.classes.proportion) {
			out[i].den = (long)den;
			out[i].ckd = ckd;
			out[i].has_den = 1;
		}
	}
	for (int t = 0; t < nthreads; t++)
		free(jobs[t].slots);
	plan_free(&pl);
	return 0;
}
