/* SPDX-License-Identifier: GPL-3.0-or-later */
/* numio.c — exact decimal numbers, fast: a reader equal to strtod and a
 * writer equal to printf("%.17g"), bit for bit and byte for byte.
 *
 * Both rest on one product. A decimal w·10^q (w < 2^64) and a double m·2^e
 * meet through 10^q = 5^q·2^q and the table 5^q ≈ T_q·2^(b_q), T_q the top
 * 128 bits of 5^q, truncated (src/io/numio_pow5.h). With W = w shifted left
 * until its top bit is set,
 *
 *     P = W·T_q   (192 bits, exact),   true value = (P + ε)·2^s,  0 ≤ ε < 2^64
 *
 * (ε = W·δ, δ = 5^q·2^(−b_q) − T_q ∈ [0, 1); δ = 0 exactly when 0 ≤ q ≤ 55,
 * where 5^q fits in 128 bits, and δ > 0 otherwise since 5^q is odd). Rounding
 * P to the wanted number of bits or digits needs only the fraction below the
 * last kept unit, F (scaled to 192 bits, the half unit is 2^191): when T_q is
 * exact, F decides (above, below or a tie, broken to even); otherwise the true
 * fraction is in (F, F + 2^128) and the rounding is certain unless the top 64
 * bits of F are 2^63 − 1, just under the half: then we ask strtod or snprintf
 * (about once in 2^64 inputs). This is the Eisel–Lemire method for reading
 * (Lemire, "Number parsing at a gigabyte per second", 2021), and the same
 * product gives the 17 digits for writing.
 *
 * Reading also has Clinger's fast path: w ≤ 2^53 and |q| ≤ 22 make w and 10^q
 * exact doubles, and one IEEE multiplication or division rounds correctly. */
#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/numio.h"

const bt_pow5 bt_numio_pow5[BT_POW5_MAX - BT_POW5_MIN + 1] = {
#include "io/numio_pow5.h"
};

#define HALF (UINT64_C(1) << 63)

/* a function inlined where a constant argument picks its variant */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

static int clz64(uint64_t x)
{
#if defined(__GNUC__)
	return __builtin_clzll(x);
#else
	int n = 0;
	while (!(x & HALF)) {
		x <<= 1;
		n++;
	}
	return n;
#endif
}

/* x ≠ 0 */
static int ctz64(uint64_t x)
{
#if defined(__GNUC__)
	return __builtin_ctzll(x);
#else
	int n = 0;
	while (!(x & 1)) {
		x >>= 1;
		n++;
	}
	return n;
#endif
}

/* P = w·(hi·2^64 + lo) = p[2]·2^128 + p[1]·2^64 + p[0]. */
static void mul_192(uint64_t w, const bt_pow5 *t, uint64_t p[3])
{
	uint64_t h1, h2;
	p[0] = bt_mul64(w, t->lo, &h1);
	uint64_t l2 = bt_mul64(w, t->hi, &h2);
	p[1] = l2 + h1;
	p[2] = h2 + (p[1] < l2);
}

/* The rounding of P at bit 128 + u (1 ≤ u ≤ 63): 1 to round the kept part
 * up, 0 to keep it, -1 when undecidable. exact says δ = 0; odd is the kept
 * part's last bit (for ties). */
static inline int round_up(const uint64_t p[3], int u, int exact, int odd)
{
	uint64_t f2 = p[2] << (64 - u) | p[1] >> u;
	if (exact) {
		uint64_t rest = (p[1] << (64 - u) | p[0] >> u) | p[0] << (64 - u);
		if (f2 != HALF)
			return f2 > HALF;
		return rest ? 1 : odd;
	}
	if (f2 == HALF - 1)
		return -1;
	return f2 >= HALF;
}

/* ---- reading ------------------------------------------------------------ */

static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static double make_double(int neg, uint64_t bits)
{
	bits |= (uint64_t)neg << 63;
	double v;
	memcpy(&v, &bits, sizeof v);
	return v;
}

#define IS_DIGIT(c) ((unsigned)(c) - '0' < 10u)

/* The digits of a mantissa from p, any number of them: w the first 19
 * significant ones, value = w·10^q plus the dropped digits (their OR in
 * *dropped). Returns the end, or NULL when there is no digit. */
static const unsigned char *mantissa_long(const unsigned char *p, uint64_t *w_out,
					  long long *q_out, unsigned *dropped)
{
	uint64_t w = 0;
	int nd = 0, any = 0;
	long long q = 0;
	for (; IS_DIGIT(*p); p++, any = 1) {
		unsigned d = *p - '0';
		if (nd < 19) {
			w = 10 * w + d;
			nd += w != 0;
		} else {
			q++;
			*dropped |= d;
		}
	}
	if (*p == '.') {
		for (p++; IS_DIGIT(*p); p++, any = 1) {
			unsigned d = *p - '0';
			if (nd < 19) {
				w = 10 * w + d;
				nd += w != 0;
				q--;
			} else {
				*dropped |= d;
			}
		}
	}
	*w_out = w;
	*q_out = q;
	return any ? p : NULL;
}

/* Digits at p, eight at a time where there are eight (each read only after
 * the one before it proved a digit, so never past the string's end): the
 * pairs and quadruples are independent, unlike w = 10·w + d eight times. */
static inline const unsigned char *digits(const unsigned char *p, uint64_t *w)
{
	while (IS_DIGIT(p[0]) && IS_DIGIT(p[1]) && IS_DIGIT(p[2]) && IS_DIGIT(p[3]) &&
	       IS_DIGIT(p[4]) && IS_DIGIT(p[5]) && IS_DIGIT(p[6]) && IS_DIGIT(p[7])) {
		uint32_t a = 10u * p[0] + p[1] - 11u * '0', b = 10u * p[2] + p[3] - 11u * '0';
		uint32_t c = 10u * p[4] + p[5] - 11u * '0', d = 10u * p[6] + p[7] - 11u * '0';
		*w = *w * 100000000u + (100u * a + b) * 10000u + 100u * c + d;
		p += 8;
	}
	for (; IS_DIGIT(*p); p++)
		*w = 10 * *w + (*p - '0');
	return p;
}

/* ---- eight bytes at once, where the string is padded --------------------- */

/* bt_numio_scan_row's strings have 8 readable bytes after their NUL
 * (numio.h), so eight bytes from any place up to the NUL can be loaded at
 * once, as a uint64_t whose lowest byte is the first (the bytes reversed on
 * a big-endian machine). */
#define ONES UINT64_C(0x0101010101010101)

static inline uint64_t load8(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The number the 8 digits d_0 … d_7 (d_0 the lowest byte of d, values
 * 0 … 9) make: pairs in the even bytes, then both halves' pairs weighted
 * and added by two multiplications (Lemire's fast_float). */
static inline uint32_t eight_digits(uint64_t d)
{
	const uint64_t mask = UINT64_C(0x000000ff000000ff);
	d = d * 10 + (d >> 8);
	d = ((d & mask) * (100 + (UINT64_C(1000000) << 32)) +
	     ((d >> 16) & mask) * (1 + (UINT64_C(10000) << 32))) >> 32;
	return (uint32_t)d;
}

/* digits() for a padded string: eight digits at a time told by one test of
 * the eight bytes loaded at once, and added up by three multiplications.
 * (Stepping by the run's length, 1 … 8 digits a step counted from the
 * bytes, is slower: every step's start then waits on the count, where
 * the predicted branches let the processor run ahead.) */
static inline const unsigned char *digits_padded(const unsigned char *p, uint64_t *w)
{
	for (;;) {
		uint64_t x = load8(p) ^ 0x30 * ONES;
		if (((x + 0x76 * ONES) | x) & 0x80 * ONES)
			break;
		*w = *w * 100000000u + eight_digits(x);
		p += 8;
	}
	for (; IS_DIGIT(*p); p++)
		*w = 10 * *w + (*p - '0');
	return p;
}

/* The '0's at p, skipped eight at a time: the first byte of x that is not
 * zero is the first that is not a '0'. Used after the point of numbers
 * below 1, where the count of zeros varies from number to number (a byte
 * loop mispredicts its end); before the point, where there is one '0' or
 * none, a byte test is faster. */
static inline const unsigned char *zeros_padded(const unsigned char *p)
{
	for (;;) {
		uint64_t x = load8(p) ^ 0x30 * ONES;
		if (x)
			return p + ctz64(x) / 8;
		p += 8;
	}
}

/* A decimal as read: value = w·10^q, plus the dropped digits (their OR;
 * w holds at most 19 significant ones). */
typedef struct {
	uint64_t w;
	long long q;
	unsigned dropped;
} decimal;

/* The mantissa at p (after the sign): digits, a point, digits, at least
 * one digit in all. Returns its end, or NULL when there is no digit.
 * padded as in scan_any. */
static ALWAYS_INLINE const unsigned char *scan_mantissa(const unsigned char *p,
							decimal *d, const int padded)
{
	/* no branch on the one '0' before the point of numbers below 1:
	 * random ones would mispredict half the time */
	const unsigned char *start = p;
	p += *p == '0';
	while (*p == '0')
		p++;
	const unsigned char *first = p;
	uint64_t w = 0;
	p = padded ? digits_padded(p, &w) : digits(p, &w);
	size_t nint = (size_t)(p - first), nfrac = 0, zeros = 0;
	int any = p != start;
	if (*p == '.') {
		p++;
		const unsigned char *z = p;
		if (nint == 0) {
			if (padded)
				p = zeros_padded(p);
			else
				while (*p == '0')
					p++;
		}
		zeros = (size_t)(p - z);
		const unsigned char *f = p;
		p = padded ? digits_padded(p, &w) : digits(p, &w);
		nfrac = (size_t)(p - f);
		any |= zeros + nfrac > 0;
	}
	if (!any)
		return NULL;
	d->w = w;
	d->q = -(long long)(zeros + nfrac);
	d->dropped = 0;
	if (nint + nfrac > 19)
		p = mantissa_long(start, &d->w, &d->q, &d->dropped);
	return p;
}

/* The exponent at p, if any ('e' or 'E', a sign, digits), added to *q.
 * Returns its end (p when there is none), or NULL when the 'e' has no
 * digits. */
static inline const unsigned char *scan_exponent(const unsigned char *p,
						 long long *q)
{
	if (*p != 'e' && *p != 'E')
		return p;
	p++;
	int eneg = 0;
	if (*p == '+' || *p == '-')
		eneg = *p++ == '-';
	if (!IS_DIGIT(*p))
		return NULL;
	long long x = 0;
	for (; IS_DIGIT(*p); p++)
		if (x < 100000000)
			x = 10 * x + (*p - '0');
	*q += eneg ? -x : x;
	return p;
}

/* The double nearest to w·10^q (0 < w < 10^19, BT_POW5_MIN ≤ q ≤ 308) by
 * the product W·T_q: 1 decided (*out, negated when neg), 0 undecided or
 * subnormal (strtod's). */
static ALWAYS_INLINE int eisel_lemire(int neg, uint64_t w, long long q,
				      double *out)
{
	int lz = clz64(w);
	const bt_pow5 *t = &bt_numio_pow5[q - BT_POW5_MIN];
	uint64_t P[3];
	mul_192(w << lz, t, P);
	/* P in [2^top, 2^(top+1)), the value in [2^e2, 2^(e2+1)); the 53 bits
	 * kept are P's bits top … top−52, the last of them bit 128 + u */
	int top = P[2] >> 63 ? 191 : 190, u = top - 52 - 128;
	long e2 = top + t->b + (long)q - lz;
	if (e2 < -1022)
		return 0; /* subnormal: strtod */
	if (e2 > 1023) {
		*out = neg ? -HUGE_VAL : HUGE_VAL;
		return 1;
	}
	uint64_t M = P[2] >> u;
	int up = round_up(P, u, q >= 0 && q <= 55, (int)(M & 1));
	if (up < 0)
		return 0;
	M += (uint64_t)up;
	if (M >> 53) {
		M >>= 1;
		if (++e2 > 1023) {
			*out = neg ? -HUGE_VAL : HUGE_VAL;
			return 1;
		}
	}
	*out = make_double(neg, (uint64_t)(e2 + 1023) << 52 |
				(M & ((UINT64_C(1) << 52) - 1)));
	return 1;
}

/* The double nearest to the decimal, negated when neg: 1 decided (*out),
 * 0 undecided (left to strtod). Zero, out of range, Clinger's fast path,
 * else Eisel–Lemire. */
static ALWAYS_INLINE int decide(int neg, const decimal *d, double *out)
{
	uint64_t w = d->w;
	long long q = d->q;
	if (w == 0) {
		*out = neg ? -0.0 : 0.0;
		return 1;
	}
	if (d->dropped)
		return 0;
	/* w < 10^19: below 10^-324 (under half the least subnormal) or above
	 * 10^308·10 */
	if (q < BT_POW5_MIN) {
		*out = neg ? -0.0 : 0.0;
		return 1;
	}
	if (q > 308) {
		*out = neg ? -HUGE_VAL : HUGE_VAL;
		return 1;
	}
#if FLT_EVAL_METHOD == 0
	if (w <= (UINT64_C(1) << 53) && q >= -22 && q <= 22) {
		double v = (double)w;
		v = q < 0 ? v / pow10_exact[-q] : v * pow10_exact[q];
		*out = neg ? -v : v;
		return 1;
	}
#endif
	return eisel_lemire(neg, w, q, out);
}

/* Reads the number at p, up to the first character that cannot continue
 * it (*end): 1 decided (*out), 0 in the syntax but undecided, -1 not in
 * the syntax. padded (a constant where it is inlined) says the string has
 * 8 readable bytes after its NUL. */
static ALWAYS_INLINE int scan_any(const unsigned char *p, const unsigned char **end,
				  double *out, const int padded)
{
	/* no branch on the sign: random ones would mispredict half the time */
	int neg = *p == '-';
	p += neg | (*p == '+');
	decimal d;
	if (!(p = scan_mantissa(p, &d, padded)) || !(p = scan_exponent(p, &d.q)))
		return -1;
	*end = p;
	return decide(neg, &d, out);
}

static int scan(const unsigned char *p, const unsigned char **end, double *out)
{
	return scan_any(p, end, out, 0);
}

int bt_numio_parse_fast(const char *s, double *out)
{
	const unsigned char *end;
	int k = scan((const unsigned char *)s, &end, out);
	return k >= 0 && *end ? -1 : k;
}

/* strtod on what scan found in the syntax, up to end. It must stop there:
 * it does, unless a locale other than "C" changed its decimal point (then
 * the number is refused rather than misread). */
static int fallback(const char *s, const char *end, double *out)
{
	char *e;
	*out = strtod(s, &e);
	return e == end ? 0 : -1;
}

int bt_numio_parse_whole(const char *s, unsigned long long *out)
{
	unsigned long long x = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		x = x > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : 10 * x + d;
	}
	*out = x;
	return 0;
}

int bt_numio_parse_size(const char *s, double *out)
{
	static const char units[] = "KMGT";
	if (!strcmp(s, "unlimited")) {
		*out = 0;
		return 0;
	}
	/* the number, up to the unit */
	char num[64];
	size_t k = strspn(s, "0123456789.eE+-");
	double x;
	if (k == 0 || k >= sizeof num || !strchr("0123456789.", *s))
		return -1;
	memcpy(num, s, k);
	num[k] = '\0';
	if (bt_numio_parse(num, &x) != 0)
		return -1;
	const char *end = s + k;
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (*end && u) {
		x *= pow(1024.0, (double)(u - units + 1));
		end++;
		if (!strcmp(end, "B") || !strcmp(end, "iB"))
			end += strlen(end);
	} else if (!strcmp(end, "B")) {
		end++;
	}
	if (*end || !isfinite(x) || !(x >= 1))
		return -1;
	*out = x;
	return 0;
}

int bt_numio_parse(const char *s, double *out)
{
	int k = bt_numio_parse_fast(s, out);
	if (k == 0)
		return fallback(s, s + strlen(s), out);
	return k < 0 ? -1 : 0;
}

/* bt_numio_scan, for a padded string too (padded a constant where it is
 * inlined, as in scan_any) */
static ALWAYS_INLINE int scan_decided(const char *s, const char **end, double *out,
				      const int padded)
{
	const unsigned char *e;
	int k = scan_any((const unsigned char *)s, &e, out, padded);
	if (k < 0)
		return -1;
	/* strtod stops where the syntax does: a decimal number cannot go on
	 * with the character that stopped it */
	*end = (const char *)e;
	return k == 0 ? fallback(s, *end, out) : 0;
}

int bt_numio_scan(const char *s, const char **end, double *out)
{
	return scan_decided(s, end, out, 0);
}

/* ---- writing ---------------------------------------------------------------- */

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* ⌊e·log10 2⌋, exact for |e| ≤ 1200 (78913/2^18 is log10 2 − 8·10^−7,
 * and e·log10 2 comes no nearer an integer than 4.5·10^−4 there); were it
 * one off, bt_numio_format_fast would only take another turn. */
static int floor_log10_pow2(int e)
{
	/* 78913 / 2^18 = log10 2 − 8·10^−7 */
	return e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + 262143) >> 18);
}

#define E16 UINT64_C(10000000000000000)
#define E17 UINT64_C(100000000000000000)

#define E8 100000000u

/* Eight digits of x < 10^8 into dig, pair by pair from the fixed-point
 * fraction y = x/10^6 with 56 bits after the point (James Anhalt's "jeaiii"
 * method): its integer part is the first pair; the fraction times 100 gives
 * the next, and so on. y is x·⌈2^56/10^6⌉, too big by less than x < 2^27;
 * the three multiplications by 100 make that < 10^8·10^6 < 2^47, far below
 * the 2^56 that would change a pair (and a check of all 10^8 values of x
 * agrees). One multiplication per pair, where the four pairs by x/10^4,
 * x%10^4, /100, %100 take two each (docs/speed.md). */
static inline void digits8(char *dig, uint32_t x)
{
	const uint64_t C = UINT64_C(72057594038), M = (UINT64_C(1) << 56) - 1;
	uint64_t y = x * C;
	memcpy(dig, digit_pairs + 2 * (y >> 56), 2);
	y = (y & M) * 100;
	memcpy(dig + 2, digit_pairs + 2 * (y >> 56), 2);
	y = (y & M) * 100;
	memcpy(dig + 4, digit_pairs + 2 * (y >> 56), 2);
	y = (y & M) * 100;
	memcpy(dig + 6, digit_pairs + 2 * (y >> 56), 2);
}

/* The 17 digits of D (10^16 ≤ D < 10^17) into dig: split by 10^8 with
 * one 64-bit product, the rest in 32 bits. */
static inline void digits17(char *dig, uint64_t D)
{
	uint64_t hi = D / E8;
	uint32_t lo = (uint32_t)(D - hi * E8), first = (uint32_t)hi / E8;
	dig[0] = (char)('0' + first);
	digits8(dig + 1, (uint32_t)hi - first * E8);
	digits8(dig + 9, lo);
}

/* The 17 significant digits of m·2^e (m's top bit set): D = round(m·2^e ·
 * 10^q) in [10^16, 10^17) and the decimal exponent *k = 16 − q. Returns 0
 * when the table ends or the rounding is undecided (snprintf's then). */
static ALWAYS_INLINE int digits_of(uint64_t m, int e, uint64_t *D_out, int *k_out)
{
	/* k is ⌊e2·log10 2⌋ (m·2^e in [2^e2, 2^(e2+1))) or one more: then a
	 * second turn */
	int k = floor_log10_pow2(e + 63);
	int q = 16 - k;
	uint64_t P[3], D = 0;
	int u = 0, tries = 0;
	for (;;) {
		if (q < BT_POW5_MIN || q > BT_POW5_MAX || ++tries > 4)
			return 0;
		const bt_pow5 *t = &bt_numio_pow5[q - BT_POW5_MIN];
		mul_192(m, t, P);
		/* x·10^q = m·T·2^(b + e + q) = P·2^(−128−u) */
		u = -(t->b + e + q) - 128;
		if (u < 1) {
			q--;
			continue;
		}
		if (u > 63) {
			q++;
			continue;
		}
		D = P[2] >> u;
		if (D >= E17)
			q--;
		else if (D < E16)
			q++;
		else
			break;
	}
	int up = round_up(P, u, q >= 0 && q <= 55, (int)(D & 1));
	if (up < 0)
		return 0;
	D += (uint64_t)up;
	k = 16 - q;
	if (D == E17) {
		D = E16;
		k++;
	}
	*D_out = D;
	*k_out = k;
	return 1;
}

/* The 17 digits D, decimal exponent k, laid out at o as %g lays them out,
 * trailing zeros dropped: fixed notation when −4 ≤ k < 17, else
 * d.ddde±XX. The digits go straight to o, moved by fixed sizes (the buffer
 * has room to spare). Returns the end. */
static ALWAYS_INLINE char *layout(char *o, uint64_t D, int k)
{
	/* nz significant digits once trailing zeros are dropped */
	int nz = 17;
	for (uint64_t t = D; t % 10 == 0; t /= 10)
		nz--;
	if (k >= 0 && k < 17) {
		digits17(o, D);
		if (nz > k + 1) {
			memmove(o + k + 2, o + k + 1, 16);
			o[k + 1] = '.';
			o += nz + 1;
		} else {
			o += k + 1;
		}
	} else if (k < 0 && k >= -4) {
		memcpy(o, "0.000000", 8);
		o += 1 - k;
		digits17(o, D);
		o += nz;
	} else {
		digits17(o + 1, D);
		o[0] = o[1];
		o[1] = '.';
		o += nz > 1 ? nz + 1 : 1;
		*o++ = 'e';
		*o++ = k < 0 ? '-' : '+';
		int a = k < 0 ? -k : k;
		if (a >= 100) {
			*o++ = (char)('0' + a / 100);
			a %= 100;
		}
		memcpy(o, digit_pairs + 2 * a, 2);
		o += 2;
	}
	return o;
}

/* printf("%.17g")'s bytes of x into buf, NUL-terminated; returns their
 * count, or 0 for what it leaves to snprintf (inf, NaN, an undecided
 * rounding). */
static inline size_t format_fast(char *buf, double x)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	char *o = buf;
	/* no branch on the sign: a random one would mispredict half the
	 * time */
	*o = '-';
	o += bits >> 63;
	int E = (int)(bits >> 52 & 0x7ff);
	uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
	if (E == 0x7ff)
		return 0;
	if (E == 0 && m == 0) {
		*o++ = '0';
		*o = '\0';
		return (size_t)(o - buf);
	}
	int e = E ? E - 1075 : -1074;
	if (E)
		m |= UINT64_C(1) << 52;
	/* x = m·2^e = (m << lz)·2^(e − lz) */
	int lz = clz64(m);
	uint64_t D;
	int k;
	if (!digits_of(m << lz, e - lz, &D, &k))
		return 0;
	o = layout(o, D, k);
	*o = '\0';
	return (size_t)(o - buf);
}

size_t bt_numio_format_fast(char *buf, double x)
{
	return format_fast(buf, x);
}

size_t bt_numio_format(char *buf, double x)
{
	size_t n = format_fast(buf, x);
	if (n == 0)
		n = (size_t)snprintf(buf, BT_NUMIO_BUF, "%.17g", x);
	return n;
}

size_t bt_numio_scan_row(const char **sp, double *dst, size_t n)
{
	const char *s = *sp;
	size_t j = 0;
	for (; j < n; j++) {
		const char *f = s, *end;
		double v;
		while (*f == ' ' || *f == '\t')
			f++;
		if (scan_decided(f, &end, &v, 1) != 0 ||
		    (*end != ' ' && *end != '\t' && *end != '\0') || !isfinite(v))
			break;
		dst[j] = v;
		s = end;
	}
	*sp = s;
	return j;
}
