/* Lane vectors of TW_W doubles, and exp / log on them, for the soft-DTW kernels.
 *
 * Included by _soft_lanes.h in soft_simd.c, which sets TW_W (lanes) and TW_FUSED for the
 * instruction set of its build. TW_W == 1 is plain scalar C, for compilers without GNU vector
 * extensions.
 *
 * tswarp_soft_exp(x) for x <= 0 (-inf included; NaN gives 0) and tswarp_soft_log(s) for
 * 1 <= s <= 3 are within one ulp of the correctly rounded result: Cody-Waite reduction,
 * polynomials fitted here (near-minimax, Chebyshev nodes, in 60-digit arithmetic), and
 * exponent bits set directly.
 * No branches, no tables, so they vectorise; libm's exp would also take a slow path on
 * underflow, which small gammas hit constantly. In scalar code (TW_W == 1) libm's own
 * table-driven functions take fewer instructions, so that width calls them instead, with
 * the underflowing arguments kept away from exp.
 *
 * Every operation is the IEEE operation of each lane, in the same order for every width. The
 * build passes -ffp-contract=off; fused multiply-adds are explicit (madd), in the polynomials
 * only, on the widths that have them (TW_FUSED). Widths 4 and 8 thus give bit-identical
 * results, and differ from 2 (and from libm at width 1) by ulps of exp and log.
 */

#define TW_F TW_INLINE

#if TW_W == 1
typedef double V;
typedef float F;
typedef int64_t M;
typedef uint64_t U;
#define TW_MASK(cond) (-(int64_t)(cond))
#define TW_LANE(v, k) (v)
#else
typedef double V __attribute__((vector_size(8 * TW_W)));
typedef float F __attribute__((vector_size(4 * TW_W)));
typedef int64_t M __attribute__((vector_size(8 * TW_W)));
typedef uint64_t U __attribute__((vector_size(8 * TW_W)));
#define TW_MASK(cond) (cond) /* comparisons of vectors give lane masks of 0 or -1 */
#define TW_LANE(v, k) ((v)[k])
#endif

TW_F V v_splat(double x) {
#if TW_W == 1
    return x;
#else
    return (V){0} + x;
#endif
}
TW_F M v_bits(V x) { M m; memcpy(&m, &x, sizeof m); return m; }
TW_F V v_from_bits(M m) { V x; memcpy(&x, &m, sizeof x); return x; }
/* mask ? a : b, lane by lane; bit operations, so an infinite unselected lane is harmless. */
TW_F V v_select(M mask, V a, V b) {
    return v_from_bits((v_bits(a) & mask) | (v_bits(b) & ~mask));
}
TW_F V v_min(V a, V b) { return v_select(TW_MASK(a < b), a, b); }
TW_F V v_abs(V a) { return v_from_bits(v_bits(a) & (v_bits(v_splat(0.0)) + INT64_MAX)); }
/* a * b + c: one fused rounding where the width has FMA (TW_FUSED), else two. */
TW_F V madd(V a, V b, V c) {
#if TW_FUSED && TW_W == 8
    return (V)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif TW_FUSED && TW_W == 4
    return (V)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#else
    return a * b + c;
#endif
}
TW_F V v_load(const double* p) { V x; memcpy(&x, p, sizeof x); return x; }
TW_F void v_store(double* p, V x) { memcpy(p, &x, sizeof x); }
/* TW_W floats, widened to doubles or rounded from them. */
#if TW_W == 1
TW_F V v_load_single(const float* p) { return *p; }
TW_F void v_store_single(float* p, V x) { *p = (float)x; }
#else
TW_F V v_load_single(const float* p) { F x; memcpy(&x, p, sizeof x); return __builtin_convertvector(x, V); }
TW_F void v_store_single(float* p, V x) { F y = __builtin_convertvector(x, F); memcpy(p, &y, sizeof y); }
#endif

/* Lane k gets lane k - 1 of v, lane 0 the last lane of carry: one row down in a strip. */
TW_F V v_shift_in(V v, V carry) {
#if TW_W == 1
    (void)v;
    return carry;
#elif defined(__clang__)
#if TW_W == 2
    return __builtin_shufflevector(v, carry, 3, 0);
#elif TW_W == 4
    return __builtin_shufflevector(v, carry, 7, 0, 1, 2);
#else
    return __builtin_shufflevector(v, carry, 15, 0, 1, 2, 3, 4, 5, 6);
#endif
#else
#if TW_W == 2
    return __builtin_shuffle(v, carry, (M){3, 0});
#elif TW_W == 4
    return __builtin_shuffle(v, carry, (M){7, 0, 1, 2});
#else
    return __builtin_shuffle(v, carry, (M){15, 0, 1, 2, 3, 4, 5, 6});
#endif
#endif
}

/* Lane k gets lane k + 1 of v, the last lane lane 0 of carry: one row up in a strip. */
TW_F V v_shift_out(V v, V carry) {
#if TW_W == 1
    (void)v;
    return carry;
#elif defined(__clang__)
#if TW_W == 2
    return __builtin_shufflevector(v, carry, 1, 2);
#elif TW_W == 4
    return __builtin_shufflevector(v, carry, 1, 2, 3, 4);
#else
    return __builtin_shufflevector(v, carry, 1, 2, 3, 4, 5, 6, 7, 8);
#endif
#else
#if TW_W == 2
    return __builtin_shuffle(v, carry, (M){1, 2});
#elif TW_W == 4
    return __builtin_shuffle(v, carry, (M){1, 2, 3, 4});
#else
    return __builtin_shuffle(v, carry, (M){1, 2, 3, 4, 5, 6, 7, 8});
#endif
#endif
}

#if TW_W == 1
/* 0 below, and for NaN */
TW_F V tswarp_soft_exp(V x) { return x > -0x1.74910d52d3052p9 ? exp(x) : 0.0; }
TW_F V tswarp_soft_log(V s) { return log(s); }
TW_F V tswarp_gak_local_finite(V cost, double c) {
    const double e = exp2(-(cost * c));
    return e / (2.0 - e);
}
TW_F V tswarp_gak_local(V cost, double c) {
    return cost == cost ? tswarp_gak_local_finite(cost, c) : 0.0;
}
#else
/* exp(x) for x <= 0. */
TW_F V tswarp_soft_exp(V x) {
    const double shift = 0x1.8p52; /* adding it rounds to an integer, kept in the low bits */
    /* exp(x) rounds to 0 below this: return 0 without an underflowing multiply (a slow
     * microcode assist); NaN lands here too. */
    M zero = ~TW_MASK(x > -0x1.74910d52d3052p9);
    x = v_select(zero, v_splat(0.0), x);
    V t = madd(x, v_splat(0x1.71547652b82fep0), v_splat(shift)); /* x / log(2) */
    V k = t - shift;
    /* r = x - k log(2), exactly: k * TW_LN2_HI has no rounding error for |k| < 2^11. */
    V r = madd(-k, v_splat(0x1.a39ef35793c76p-33), madd(-k, v_splat(0x1.62e42fee00000p-1), x));
    V r2 = r * r, r4 = r2 * r2;
    /* (exp(r) - 1 - r) / r^2 on |r| <= log(2) / 2, degree 9, evaluated in pairs for ILP. */
    V q01 = madd(r, v_splat(0x1.5555555555556p-3), v_splat(0x1.0000000000001p-1));
    V q23 = madd(r, v_splat(0x1.11111111109b5p-7), v_splat(0x1.5555555553d68p-5));
    V q45 = madd(r, v_splat(0x1.a01a01a7c2f2ep-13), v_splat(0x1.6c16c17889f40p-10));
    V q67 = madd(r, v_splat(0x1.71de0db2eafc6p-19), v_splat(0x1.a019b9148739fp-16));
    V q89 = madd(r, v_splat(0x1.af389eeb9e5e9p-26), v_splat(0x1.28917ca046b86p-22));
    V q = madd(r4, madd(r4, q89, madd(r2, q67, q45)), madd(r2, q23, q01));
    V p = 1.0 + madd(r2, q, r);
    /* 2^(k + 54) from the integer in t's low bits (normal for k >= -1076), then 2^-54: the
     * one rounding of a subnormal result happens in that last product. */
    U bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits << 52) + ((uint64_t)(1023 + 54) << 52);
    V scale;
    memcpy(&scale, &bits, sizeof scale);
    return v_select(zero, v_splat(0.0), p * scale * 0x1p-54);
}

/* log(s) for 1 <= s <= 3 (correct on [sqrt(2)/2, 4 sqrt(2)) ). */
TW_F V tswarp_soft_log(V s) {
    const double sqrt2 = 0x1.6a09e667f3bcdp0;
    /* s = 2^e * u with e in {0, 1, 2} and sqrt(2)/2 <= u < sqrt(2), exactly. */
    M above2 = TW_MASK(s >= 2 * sqrt2), above1 = TW_MASK(s >= sqrt2);
    V e = v_select(above2, v_splat(2.0), v_select(above1, v_splat(1.0), v_splat(0.0)));
    V f = s * v_select(above2, v_splat(0.25), v_select(above1, v_splat(0.5), v_splat(1.0)));
    f = f - 1.0;
    /* log(1 + f) = 2 atanh(h) with h = f / (2 + f), |h| <= 0.1716; written as
     * f - (f^2/2 - h (f^2/2 + R)) so that the leading term f is exact. */
    V h = f / (2.0 + f);
    V z = h * h, w = z * z;
    V poly = madd(w,
        madd(w, madd(z, madd(z, v_splat(0x1.2b584e53437ccp-3), v_splat(0x1.39fe6019cb90bp-3)),
                     v_splat(0x1.7462b4ad742c4p-3)),
             madd(z, v_splat(0x1.c71c62e5780fep-3), v_splat(0x1.2492492df14f1p-2))),
        madd(z, v_splat(0x1.99999999952e2p-2), v_splat(0x1.5555555555558p-1)));
    V half_f2 = 0.5 * f * f;
    return madd(e, v_splat(0x1.62e42fee00000p-1),
                f - (half_f2 - madd(h, madd(z, poly, half_f2), e * 0x1.a39ef35793c76p-33)));
}

/* GAK's local kernel e / (2 - e), e = 2^-z, z = cost * c, for 0 <= z <= 1010 (e is then a
 * normal number). Within 4 ulps (the tests compare it with long double).
 *
 * Fewer operations than tswarp_soft_exp followed by the division, as the linear-space GAK
 * kernel computes one a cell: -z = n + f with n = round(-z), |f| <= 1/2, both from the
 * product cost * c in fused multiply-adds where the width has them (f then has an absolute
 * error below 2^-54; otherwise z is rounded first, and f is exact by Sterbenz' lemma), and
 * 2^f = exp(w), w = f log(2), from its (6, 6) Padé approximant P(w) / P(-w) (relative error
 * below 3e-19 for |w| <= log(2) / 2). Its even and odd parts E and w O, both of positive
 * terms, are evaluated in g = -f, times 2 (the coefficients doubled, exactly), so
 * 2A = 2P(w) = 2E - 2gO and 2B = 2P(-w) = 2E + 2gO, with A and B in [0.8, 1.25]. Then
 * k = 2^n A / (2B - 2^n A): 2^n A = 2^(n-1) 2A by adding n - 1 to the exponent of 2A (it
 * stays normal), and no cancellation in the denominator, which lies in [B, 2B]. No result
 * is ever subnormal. */
TW_F V tswarp_gak_local_finite(V cost, double c) {
    /* Adding it rounds to an integer, which its low bits hold minus 1: shifted up to the
     * exponent field, they add n - 1 (modulo 2^64, as wanted for n <= 0). */
    const double shift = 0x1.8p52 - 1.0;
    V t = madd(cost, v_splat(-c), v_splat(shift)); /* -z rounded to the integer n */
    V g = madd(cost, v_splat(c), t - shift); /* -f, in [-1/2, 1/2] */
    V h = g * g;
    V even = madd(madd(madd(v_splat(0x1.65fef9515eb88p-22), h, v_splat(0x1.319dc8b5f53d8p-11)),
                       h, v_splat(0x1.bf42116d3f96ap-4)),
                  h, v_splat(2.0));
    V odd = madd(madd(v_splat(0x1.52f07aa38a220p-16), h, v_splat(0x1.4aaef28035da3p-7)), h,
                 v_splat(0x1.62e42fefa39efp-1));
    V a2 = madd(-g, odd, even), b2 = madd(g, odd, even);
    V scaled = v_from_bits(v_bits(a2) + (M)((U)v_bits(t) << 52)); /* 2^(n-1) 2A */
    return scaled / (b2 - scaled);
}

/* The same, and 0 for NaN costs. */
TW_F V tswarp_gak_local(V cost, double c) {
    return v_select(TW_MASK(cost == cost), tswarp_gak_local_finite(cost, c), v_splat(0.0));
}
#endif
