/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_numio.c — the fast exact number reader and writer (src/io/numio.c)
 * against the C library: bt_numio_parse must return strtod's double bit for
 * bit, bt_numio_format must write printf("%.17g")'s bytes, on random numbers
 * of every size and on the hard cases (halfway, boundary, subnormal, ties);
 * the table of powers of five is checked entry by entry with exact integers;
 * the text files written through the buffer are byte for byte those of
 * fprintf("%.17g"). */
#define BT_NUMIO_PORTABLE /* bt_mul64 by 32-bit halves here, against __int128 */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "testutil.h"
#include "io/numio.h"

/* ---- helpers ---------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
	double x;
	memcpy(&x, &b, sizeof x);
	return x;
}

static uint64_t to_bits(double x)
{
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	return b;
}

/* A random finite double: uniform bits (every binade alike, subnormals
 * included), or a Gaussian-sized one as the files hold. */
static double random_double(int i)
{
	for (;;) {
		double x = i % 2 ? from_bits(rnd())
				 : ldexp((double)(rnd() >> 11), (int)(rnd() % 61) - 83);
		if (isfinite(x))
			return rnd() & 1 ? x : -x;
	}
}

/* bt_numio_parse(s) must be strtod(s), bit for bit. (In loops of many
 * thousands: plain ifs and ck_abort_msg, since every ck_assert writes its
 * place to Check's pipe.) */
static void check_parse(const char *s)
{
	double mine, ref = strtod(s, NULL);
	if (bt_numio_parse(s, &mine) != 0)
		ck_abort_msg("'%s' refused", s);
	if (to_bits(mine) != to_bits(ref))
		ck_abort_msg("'%s': bt_numio_parse %a, strtod %a", s, mine, ref);
}

static void check_format(double x)
{
	char mine[BT_NUMIO_BUF], ref[64];
	size_t n = bt_numio_format(mine, x);
	snprintf(ref, sizeof ref, "%.17g", x);
	if (strcmp(mine, ref) || n != strlen(ref))
		ck_abort_msg("%a: bt_numio_format '%s', printf '%s'", x, mine, ref);
}

/* ---- the table: T·2^b ≤ 5^q < (T+1)·2^b with exact integers ----------------- */

#define LIMBS 80 /* 32-bit limbs: 2560 bits */
typedef struct {
	uint32_t d[LIMBS];
} big;

static void big_set(big *a, uint64_t v)
{
	memset(a, 0, sizeof *a);
	a->d[0] = (uint32_t)v;
	a->d[1] = (uint32_t)(v >> 32);
}

static void big_mul(big *r, const big *a, const big *b)
{
	uint64_t acc[2 * LIMBS] = {0};
	for (int i = 0; i < LIMBS; i++)
		if (a->d[i])
			for (int j = 0; i + j < LIMBS; j++) {
				uint64_t p = (uint64_t)a->d[i] * b->d[j] + acc[i + j];
				acc[i + j] = p & 0xffffffffu;
				acc[i + j + 1] += p >> 32;
			}
	for (int i = 0; i < LIMBS; i++) {
		if (i + 1 < LIMBS)
			acc[i + 1] += acc[i] >> 32;
		r->d[i] = (uint32_t)acc[i];
	}
}

/* 5^k by squaring (the generator multiplies by 5, k times). */
static void big_pow5(big *r, int k)
{
	big base, t;
	big_set(r, 1);
	big_set(&base, 5);
	for (; k; k >>= 1) {
		if (k & 1) {
			big_mul(&t, r, &base);
			*r = t;
		}
		big_mul(&t, &base, &base);
		base = t;
	}
}

/* a·2^s (s ≥ 0) */
static void big_shl(big *a, int s)
{
	big r;
	memset(&r, 0, sizeof r);
	for (int i = LIMBS - 1; i >= 0; i--) {
		int j = i - s / 32, sh = s % 32;
		uint64_t v = j >= 0 ? (uint64_t)a->d[j] << sh : 0;
		if (sh && j - 1 >= 0)
			v |= a->d[j - 1] >> (32 - sh);
		r.d[i] = (uint32_t)v;
	}
	*a = r;
}

static int big_cmp(const big *a, const big *b)
{
	for (int i = LIMBS - 1; i >= 0; i--)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

/* T (128 bits) as a big number, plus add (0 or 1). */
static void big_from_entry(big *a, const bt_pow5 *t, uint64_t add)
{
	uint64_t lo = t->lo + add, hi = t->hi + (lo < t->lo);
	memset(a, 0, sizeof *a);
	a->d[0] = (uint32_t)lo;
	a->d[1] = (uint32_t)(lo >> 32);
	a->d[2] = (uint32_t)hi;
	a->d[3] = (uint32_t)(hi >> 32);
	if (hi < t->hi)
		a->d[4] = 1;
}

START_TEST(test_table)
{
	for (int q = BT_POW5_MIN; q <= BT_POW5_MAX; q++) {
		const bt_pow5 *t = &bt_numio_pow5[q - BT_POW5_MIN];
		ck_assert_msg(t->hi >> 63, "5^%d: T is not normalised", q);
		big lo, hi, p;
		big_from_entry(&lo, t, 0);
		big_from_entry(&hi, t, 1);
		if (q >= 0) {
			/* T·2^b ≤ 5^q < (T+1)·2^b, shifted to whole numbers */
			big_pow5(&p, q);
			if (t->b >= 0) {
				big_shl(&lo, t->b);
				big_shl(&hi, t->b);
			} else {
				big_shl(&p, -t->b);
			}
		} else {
			/* T ≤ 5^q·2^(−b) < T+1, i.e. T·5^k ≤ 2^(−b) < (T+1)·5^k */
			big f, a;
			big_pow5(&f, -q);
			big_mul(&a, &lo, &f);
			lo = a;
			big_mul(&a, &hi, &f);
			hi = a;
			ck_assert(t->b < 0);
			big_set(&p, 1);
			big_shl(&p, -t->b);
		}
		ck_assert_msg(big_cmp(&lo, &p) <= 0 && big_cmp(&p, &hi) < 0,
			      "5^%d: entry {%#llx, %#llx, %d} is not its top 128 bits",
			      q, (unsigned long long)t->hi, (unsigned long long)t->lo, t->b);
		/* exact exactly for 0 ≤ q ≤ 55, as numio.c assumes */
		ck_assert_int_eq(big_cmp(&lo, &p) == 0, q >= 0 && q <= 55);
	}
}
END_TEST

START_TEST(test_mul64)
{
#if defined(__SIZEOF_INT128__)
	__extension__ typedef unsigned __int128 u128;
	rng_state = 7;
	for (int i = 0; i < 100000; i++) {
		uint64_t a = rnd(), b = rnd(), hi;
		if (i % 4 == 0)
			a = UINT64_MAX - (a & 0xff);
		if (i % 8 == 1)
			b = UINT64_MAX;
		uint64_t lo = bt_mul64(a, b, &hi);
		u128 p = (u128)a * b;
		if (lo != (uint64_t)p || hi != (uint64_t)(p >> 64))
			ck_abort_msg("%#llx * %#llx", (unsigned long long)a, (unsigned long long)b);
	}
#endif
}
END_TEST

/* ---- reading ----------------------------------------------------------------- */

/* Random doubles written as the files and people write them. */
START_TEST(test_parse_random_doubles)
{
	static const char *const fmt[] = {"%.17g", "%.15g", "%.6g", "%.20g", "%.16e", "%.3f"};
	rng_state = 20260101 + (uint64_t)_i;
	char s[512];
	long fast = 0, n17 = 0;
	for (int i = 0; i < 60000; i++) {
		double x = random_double(i);
		snprintf(s, sizeof s, fmt[_i], x);
		check_parse(s);
		double v;
		int k = bt_numio_parse_fast(s, &v);
		if (k == 1 && to_bits(v) != to_bits(strtod(s, NULL)))
			ck_abort_msg("fast route on '%s'", s);
		if (fabs(x) >= DBL_MIN) {
			n17++;
			fast += k;
		}
	}
	/* up to 19 digits (not %.20g nor %.3f of big numbers), normal results:
	 * the fast route decides (nearly) all */
	if (_i != 3 && _i != 5)
		ck_assert_msg(fast >= n17 - n17 / 10000, "fast route took %ld of %ld", fast, n17);
}
END_TEST

/* Digit strings of random length, point and exponent: exact, tied and
 * near-tied decimals, long mantissas, every scale. */
START_TEST(test_parse_random_strings)
{
	rng_state = 4242;
	char s[128];
	for (int i = 0; i < 120000; i++) {
		int len = 1 + (int)(rnd() % (i % 4 ? 20 : 45)), k = 0;
		if (rnd() % 4 == 0)
			s[k++] = rnd() & 1 ? '-' : '+';
		int point = rnd() % 3 ? (int)(rnd() % (len + 1)) : -1;
		int zeros = rnd() % 4 == 0 ? (int)(rnd() % 5) : 0;
		for (int j = 0; j < zeros; j++)
			s[k++] = '0';
		for (int j = 0; j < len; j++) {
			if (j == point)
				s[k++] = '.';
			/* runs of 9s and 0s make carries and ties */
			uint64_t r = rnd() % 16;
			s[k++] = r < 3 ? '9' : r < 6 ? '0' : (char)('0' + rnd() % 10);
		}
		if (point == len)
			s[k++] = '.';
		if (rnd() % 5) {
			int ex = (int)(rnd() % 700) - 350;
			k += snprintf(s + k, sizeof s - (size_t)k, "%s%d",
				      rnd() & 1 ? "e" : "E", ex);
		}
		s[k] = '\0';
		check_parse(s);
	}
}
END_TEST

START_TEST(test_parse_hard)
{
	static const char *const hard[] = {
		"0", "-0", "+0", "0.0", "-0.000", "0e999999999", "-0e-999999999", ".0", "0.",
		"1", "-1", "+1.5", ".5", "5.", "1e0", "1E+0", "1e-0",
		/* 2^53 and its neighbours: halfway cases */
		"9007199254740992", "9007199254740993", "9007199254740994",
		"9007199254740995", "9007199254740997", "9007199254740993.0000000000000001",
		"9007199254740992.9999999999999999", "18014398509481985", "18014398509481986",
		/* the smallest normal and its neighbours, famous slow cases */
		"2.2250738585072011e-308", "2.2250738585072012e-308",
		"2.2250738585072014e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
		"2.2250738585072009e-308", "2.22507385850720138309e-308",
		/* the largest double and overflow */
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
		"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999",
		"1.797693134862315807937289714053e308", "1e308", "1e309", "-1e309", "9e308",
		/* subnormals, the least one and underflow */
		"4.9406564584124654e-324", "4.9406564584124654e-325", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "2.4703282292062327208828439643e-324", "3e-324", "1e-323",
		"2.2250738585072009e-308", "4.9e-324", "5e-324", "1e-400", "-1e-400",
		"1e-342", "1e-343", "9.999999999999999999e-343",
		/* exact powers of ten and the fast path's edges */
		"1e22", "1e23", "1e-22", "1e-23", "9007199254740993e22", "9007199254740992e-22",
		"123456789012345678e-5", "1234567890123456789", "12345678901234567890",
		"0.1", "0.2", "0.3", "0.7", "1.1", "3.14159265358979323846264338327950288",
		/* ties the exact table decides (5^q exact for q ≤ 55) */
		"1000000000000000.25", "1000000000000000.75", "8.6736173798840355e-19",
		"1152921504606846977", "1152921504606846976.5", "9223372036854775807",
		"9223372036854775808", "18446744073709551615", "18446744073709551616",
		/* long mantissas */
		"1.0000000000000000000000000000000000000001", "0.0000000000000000000000000000000000000001",
		"9999999999999999999999999999999999999999", "1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"7.2057594037927933e16", "7.2057594037927935e16", "72057594037927933",
		/* exponents at the limits */
		"1e99999999999999999999", "1e-99999999999999999999", "0.0001e312", "10000e-328",
		"100000000000000000000000000000e-330", "1e00000000000000000000000000000000000001",
		"0.000000000000000000000000000000000000000000000001e348",
	};
	for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++)
		check_parse(hard[i]);
	/* neighbours of every power of two, written with 17 and 25 digits */
	char s[64];
	for (int e = -1074; e <= 1023; e++) {
		double x = ldexp(1, e);
		double nb[3] = {nextafter(x, 0), x, nextafter(x, INFINITY)};
		for (int j = 0; j < 3; j++) {
			if (!isfinite(nb[j]))
				continue;
			snprintf(s, sizeof s, "%.17g", nb[j]);
			check_parse(s);
			snprintf(s, sizeof s, "%.25g", nb[j]);
			check_parse(s);
			/* the halfway point between it and the next double, to 30 digits */
			double up = nextafter(nb[j], INFINITY);
			if (isfinite(up)) {
				snprintf(s, sizeof s, "%.30g", nb[j] + (up - nb[j]) / 2);
				check_parse(s);
			}
		}
	}
	/* powers of ten, 1e-350 … 1e320, and just around them */
	for (int k = -350; k <= 320; k++) {
		static const char *const form[] = {"1e%d", "9.999999999999999e%d",
						   "9.9999999999999999e%d", "1.0000000000000001e%d",
						   "5e%d", "2.5e%d"};
		for (int j = 0; j < 6; j++) {
			snprintf(s, sizeof s, form[j], k);
			check_parse(s);
		}
	}
}
END_TEST

/* The syntax is exactly "only 0-9+-.eE, and strtod reads it to the end",
 * tried on every string of up to 5 characters over a small alphabet. */
START_TEST(test_parse_syntax)
{
	static const char alpha[] = "019+-.eE x";
	int na = (int)strlen(alpha);
	char s[8];
	for (int len = 0; len <= 5; len++) {
		long total = 1;
		for (int j = 0; j < len; j++)
			total *= na;
		for (long c = 0; c < total; c++) {
			long v = c;
			for (int j = 0; j < len; j++, v /= na)
				s[j] = alpha[v % na];
			s[len] = '\0';
			int ok = strspn(s, "0123456789+-.eE") == (size_t)len;
			char *end;
			double ref = strtod(s, &end);
			ok = ok && end != s && !*end;
			double mine;
			int st = bt_numio_parse(s, &mine);
			if (st != (ok ? 0 : -1))
				ck_abort_msg("'%s': %s, strtod %s", s,
					     st ? "refused" : "accepted", ok ? "reads it" : "does not");
			if (ok && to_bits(mine) != to_bits(ref))
				ck_abort_msg("'%s'", s);
		}
	}
	static const char *const no[] = {"", "+", "-", ".", "+.", "e5", ".e5", "1e", "1e+",
					 "1e-", "1.5e", "--1", "+-1", "1-2", "1e5e5", "1..2",
					 "1.2.3", "nan", "inf", "0x10", "1 ", " 1", "1,5", "1e+-5"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		double v;
		ck_assert_msg(bt_numio_parse(no[i], &v) == -1, "'%s' accepted", no[i]);
	}
}
END_TEST

/* Sizes (BPTT_MAX_MEMORY): a number of bytes at least 1, K/M/G/T as powers
 * of 1024 with an optional B or iB, or "unlimited" (0); nothing else. */
START_TEST(test_parse_size)
{
	static const struct { const char *s; double bytes; } yes[] = {
		{"1", 1}, {"1024", 1024}, {"64M", 64.0 * 1048576}, {"64m", 64.0 * 1048576},
		{"1.5g", 1.5 * 1073741824}, {"70KiB", 70.0 * 1024}, {"2TB", 2.0 * 1099511627776},
		{"512B", 512}, {"1e3", 1000}, {".5K", 512}, {"unlimited", 0}};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		double v = -1;
		ck_assert_msg(bt_numio_parse_size(yes[i].s, &v) == 0, "'%s' refused", yes[i].s);
		ck_assert_msg(v == yes[i].bytes, "'%s': %.17g, not %.17g", yes[i].s, v, yes[i].bytes);
	}
	static const char *const no[] = {"", "0", "00", "0.5", "-1", "+1", "1X", "64MM", "64Mi",
					 "64MiBB", "K", "M1", " 64M", "64M ", "1e999", "inf", "nan",
					 "unlimitedd", "Unlimited", "0x40", "1,5M", "e3"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		double v = 7;
		ck_assert_msg(bt_numio_parse_size(no[i], &v) == -1, "'%s' accepted", no[i]);
		ck_assert_msg(v == 7, "'%s': the result written on a refusal", no[i]);
	}
}
END_TEST

/* bt_numio_scan stops where strtod stops, at the end of the number, and
 * refuses what is not one. */
START_TEST(test_scan)
{
	static const struct {
		const char *s;
		int st;
		size_t end;
	} cases[] = {
		{"1.5 2", 0, 3}, {"1.5\t", 0, 3}, {"-2e3#c", 0, 4}, {"12x", 0, 2},
		{"0x1p3", 0, 1}, {"1e+5 7", 0, 4}, {".5.5", 0, 2}, {"7", 0, 1},
		{"1e5e5", 0, 3}, {"9007199254740993\r", 0, 16},
		{"123456789012345678901234567890 1", 0, 30},
		{"1e", -1, 0}, {"1e+ 3", -1, 0}, {"+", -1, 0}, {". 1", -1, 0}, {"", -1, 0},
		{" 1", -1, 0}, {"e5", -1, 0}, {"-x", -1, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *end = NULL;
		double v;
		int st = bt_numio_scan(cases[i].s, &end, &v);
		ck_assert_msg(st == cases[i].st, "'%s': %d", cases[i].s, st);
		/* (strtod reads "0x1p3" as hexadecimal: the scan stops at 'x',
		 * and the reader refuses the field) */
		if (st == 0 && strncmp(cases[i].s, "0x", 2) != 0) {
			char *ref_end;
			double ref = strtod(cases[i].s, &ref_end);
			ck_assert_msg(end == cases[i].s + cases[i].end && end == ref_end,
				      "'%s': stops at %td", cases[i].s, end - cases[i].s);
			ck_assert_msg(to_bits(v) == to_bits(ref), "'%s'", cases[i].s);
		} else if (st == 0) {
			ck_assert(end == cases[i].s + 1 && v == 0);
		}
	}
	/* random numbers followed by a separator and more */
	rng_state = 31337;
	char s[96];
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(s, sizeof s, i % 3 ? "%.17g" : "%.25g", random_double(i));
		snprintf(s + n, sizeof s - (size_t)n, "%s", i % 2 ? " 0.5" : "\t#");
		const char *end;
		double v;
		if (bt_numio_scan(s, &end, &v) != 0 || end != s + n ||
		    to_bits(v) != to_bits(strtod(s, NULL)))
			ck_abort_msg("'%s'", s);
	}
}
END_TEST

/* A row: numbers after blanks and tabs, each a whole finite field. */
START_TEST(test_scan_row)
{
	static const struct {
		const char *s;
		size_t n, got, end;
	} cases[] = {
		{"  1.5\t-2 3e1  ", 3, 3, 12}, {"  1.5\t-2 3e1  ", 5, 3, 12},
		{"1 2", 1, 1, 1}, {"1 x 2", 3, 1, 1}, {"1 1e999 2", 3, 1, 1},
		{"1 2x 3", 3, 1, 1}, {"", 2, 0, 0}, {"   ", 1, 0, 0}, {"1e 2", 2, 0, 0},
		{"1\r", 1, 0, 0}, {"-0 +0 .5 5.", 4, 4, 11},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v[5] = {0};
		/* the string with BT_NUMIO_PAD bytes after its NUL (numio.h) */
		char s[64] = {0};
		strcpy(s, cases[i].s);
		const char *p = s;
		size_t got = bt_numio_scan_row(&p, v, cases[i].n);
		ck_assert_msg(got == cases[i].got && p == s + cases[i].end,
			      "'%s': %zu numbers, stops at %td", cases[i].s, got, p - s);
		if (i == 0)
			ck_assert(v[0] == 1.5 && v[1] == -2 && v[2] == 30);
	}
}
END_TEST

/* bt_numio_scan_row loads eight bytes at a time, up to BT_NUMIO_PAD past
 * the NUL: numbers of 1 … 25 digits (before and after the point, with
 * zeros after the point) whose last digit falls at every offset 0 … 8 from
 * the end of an exactly padded heap block (AddressSanitizer and valgrind
 * would see a read beyond it), and strtod's results. */
START_TEST(test_scan_row_padded)
{
	rng_state = 4242;
	for (int nd = 1; nd <= 25; nd++)
		for (int form = 0; form < 4; form++)
			for (int trail = 0; trail <= 8; trail++) {
				char num[64];
				int k = 0;
				if (form & 1)
					num[k++] = '-';
				int point = form >= 2 ? (int)(rnd() % (unsigned)(nd + 1)) : -1;
				for (int i = 0; i < nd; i++) {
					if (i == point)
						num[k++] = '.';
					/* runs of zeros after the point, too */
					num[k++] = (char)(point >= 0 && i >= point && i < point + 3
								  ? '0' : '0' + (int)(rnd() % 10));
				}
				if (point == nd)
					num[k++] = '.';
				/* then trail blanks: the number's end at offset
				 * trail + 1 from the NUL */
				size_t len = (size_t)k + (size_t)trail;
				char *s = malloc(len + 1 + BT_NUMIO_PAD);
				ck_assert_ptr_nonnull(s);
				memcpy(s, num, (size_t)k);
				memset(s + k, ' ', (size_t)trail);
				memset(s + len, 0, 1 + BT_NUMIO_PAD);
				num[k] = '\0';
				double v = 0, ref = strtod(num, NULL);
				const char *p = s;
				size_t got = bt_numio_scan_row(&p, &v, 1);
				if (got != 1 || p != s + k || to_bits(v) != to_bits(ref))
					ck_abort_msg("'%s' + %d blanks: %zu read, %a against %a",
						     num, trail, got, v, ref);
				/* two in a row, the second at the end */
				char *s2 = malloc(2 * (size_t)k + 2 + BT_NUMIO_PAD);
				ck_assert_ptr_nonnull(s2);
				memcpy(s2, num, (size_t)k);
				s2[k] = '\t';
				memcpy(s2 + k + 1, num, (size_t)k);
				memset(s2 + 2 * k + 1, 0, 1 + BT_NUMIO_PAD);
				double w[2];
				p = s2;
				got = bt_numio_scan_row(&p, w, 2);
				if (got != 2 || to_bits(w[0]) != to_bits(ref) ||
				    to_bits(w[1]) != to_bits(ref) || *p)
					ck_abort_msg("'%s' twice: %zu read", num, got);
				free(s);
				free(s2);
			}
}
END_TEST

/* ---- writing ---------------------------------------------------------------------- */

START_TEST(test_format_random)
{
	rng_state = 99 + (uint64_t)_i;
	long slow = 0;
	char buf[BT_NUMIO_BUF];
	for (int i = 0; i < 100000; i++) {
		double x = random_double(i + _i);
		check_format(x);
		slow += bt_numio_format_fast(buf, x) == 0;
	}
	ck_assert_msg(slow == 0, "the fast route gave up %ld times", slow);
}
END_TEST

START_TEST(test_format_edges)
{
	/* every power of two and its neighbours, subnormals included */
	for (int e = -1074; e <= 1023; e++) {
		double x = ldexp(1, e);
		check_format(x);
		check_format(-x);
		check_format(nextafter(x, 0));
		check_format(nextafter(x, INFINITY));
		check_format(3 * x);
		check_format(ldexp(0x1.fffffffffffffp0, e));
	}
	/* powers of ten and the doubles beside them: 9.99999999999999999e22
	 * style values round up to the next power */
	char s[64];
	for (int k = -325; k <= 308; k++) {
		snprintf(s, sizeof s, "1e%d", k);
		double x = strtod(s, NULL);
		check_format(x);
		check_format(nextafter(x, 0));
		check_format(nextafter(x, INFINITY));
		snprintf(s, sizeof s, "9.99999999999999999e%d", k);
		check_format(strtod(s, NULL));
		snprintf(s, sizeof s, "9.9999999999999999e%d", k);
		check_format(strtod(s, NULL));
		snprintf(s, sizeof s, "9.9999999999999995e%d", k);
		check_format(strtod(s, NULL));
	}
	/* the switch between fixed and exponent form, and small integers */
	static const double some[] = {0.0, -0.0, 1e-5, 1e-4, 9.9999999999999995e-5,
				      0.0001, 1e16, 1e17, 9.9999999999999998e16, 12345678901234567.0,
				      123456789012345678.0, 0.1, 0.5, 1.5, 100, 1e100, DBL_MAX,
				      -DBL_MAX, DBL_MIN, DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_EPSILON,
				      1e15 + 0.25, 1e15 + 0.75, 4e15 + 0.25, 8.6736173798840355e-19};
	for (size_t i = 0; i < sizeof some / sizeof some[0]; i++)
		check_format(some[i]);
	for (int i = -100000; i <= 100000; i++)
		check_format(i);
	/* NaN and infinities go to snprintf */
	check_format(INFINITY);
	check_format(-INFINITY);
	check_format(NAN);
	check_format(-NAN);
}
END_TEST

/* Exact ties at the 17th digit: x = m/2^j whose decimal expansion has 18
 * digits ending in 5 (e.g. 1000000000000000.25), rounded to even. */
START_TEST(test_format_ties)
{
	rng_state = 555;
	long ties = 0;
	char b[64];
	for (int j = 1; j <= 12; j++)
		for (int i = 0; i < 4000; i++) {
			uint64_t m = (rnd() >> 11) | 1;
			double x = ldexp((double)m, -j);
			check_format(x);
			/* d.ddd…: b[18] is the 18th significant digit */
			snprintf(b, sizeof b, "%.40e", x);
			ties += b[18] == '5' && strspn(b + 19, "0") == 23;
		}
	ck_assert_msg(ties > 100, "only %ld ties tried", ties);
}
END_TEST

/* ---- the text files ------------------------------------------------------------------ */

/* The buffered writer's bytes are those of fprintf("%.17g"), across many
 * buffer fills; the reader gets the same doubles back. */
START_TEST(test_file_bytes)
{
	size_t T = 3000, d = 7, m = 2;
	bt_data *data = tu_data(T, d, m, 1, 31);
	rng_state = 77;
	for (size_t i = 0; i < T * d; i++)
		data->X[i] = random_double((int)i);
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/test_numio.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	ck_assert(fd >= 0);
	FILE *f = fdopen(fd, "w+");
	ck_assert_int_eq(bt_data_write(f, data), BT_OK);
	rewind(f);
	/* the expected bytes, by fprintf */
	char *want = NULL;
	size_t wlen = 0;
	FILE *w = open_memstream(&want, &wlen);
	fprintf(w, "bptt-data 1\n");
	const double *blk[3] = {data->X, data->Y, data->M};
	size_t cols[3] = {d, m, 1};
	const char *names[3] = {"X", "Y", "M"};
	for (int b = 0; b < 3; b++) {
		fprintf(w, "%s %zu %zu\n", names[b], T, cols[b]);
		for (size_t i = 0; i < T * cols[b]; i++)
			fprintf(w, "%.17g%c", blk[b][i], (i + 1) % cols[b] ? ' ' : '\n');
	}
	fclose(w);
	char *got = malloc(wlen + 1);
	ck_assert(got != NULL);
	size_t glen = fread(got, 1, wlen + 1, f);
	fclose(f);
	ck_assert_uint_eq(glen, wlen);
	ck_assert_msg(!memcmp(got, want, wlen), "the file differs from fprintf's");
	bt_data *back;
	bt_error e;
	ck_assert_int_eq(bt_data_read(&back, path, &e), BT_OK);
	ck_assert(!memcmp(back->X, data->X, T * d * sizeof(double)));
	ck_assert(!memcmp(back->Y, data->Y, T * m * sizeof(double)));
	unlink(path);
	free(got);
	free(want);
	bt_data_free(back);
	bt_data_free(data);
}
END_TEST

static Suite *numio_suite(void)
{
	Suite *s = suite_create("numio");
	TCase *tc = tcase_create("numio");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_mul64);
	tcase_add_loop_test(tc, test_parse_random_doubles, 0, 6);
	tcase_add_test(tc, test_parse_random_strings);
	tcase_add_test(tc, test_parse_hard);
	tcase_add_test(tc, test_parse_syntax);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_scan);
	tcase_add_test(tc, test_scan_row);
	tcase_add_test(tc, test_scan_row_padded);
	tcase_add_loop_test(tc, test_format_random, 0, 2);
	tcase_add_test(tc, test_format_edges);
	tcase_add_test(tc, test_format_ties);
	tcase_add_test(tc, test_file_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(numio_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
