/* AVX2 building blocks (x86-64 only; compiled with target attributes, chosen at run time). */
#include "nn_simd_requant.h"
#if NN_HAVE_AVX2
#include <string.h>

NN_TARGET_AVX2 static inline int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

NN_TARGET_AVX2 static inline __m256i load_s8_as_s16(const int8_t *p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p));
}

NN_TARGET_AVX2 static int32_t dot_s16_s8(const int16_t *a, const int8_t *w, int32_t n) {
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i a0 = _mm256_loadu_si256((const __m256i *)(a + i));
        __m256i a1 = _mm256_loadu_si256((const __m256i *)(a + i + 16));
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, load_s8_as_s16(w + i)));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(a1, load_s8_as_s16(w + i + 16)));
    }
    for (; i + 16 <= n; i += 16) {
        __m256i a0 = _mm256_loadu_si256((const __m256i *)(a + i));
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, load_s8_as_s16(w + i)));
    }
    int32_t s = hsum_epi32(_mm256_add_epi32(acc0, acc1));
    for (; i < n; i++) s += (int32_t)a[i] * w[i];
    return s;
}

NN_TARGET_AVX2 static void dot4_s16_s8(const int16_t *a, const int8_t *w, int32_t stride, int32_t n,
                                       int32_t out[4]) {
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
    const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i va = _mm256_loadu_si256((const __m256i *)(a + i));
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(va, load_s8_as_s16(w0 + i)));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(va, load_s8_as_s16(w1 + i)));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(va, load_s8_as_s16(w2 + i)));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(va, load_s8_as_s16(w3 + i)));
    }
    int32_t s0 = hsum_epi32(c0), s1 = hsum_epi32(c1), s2 = hsum_epi32(c2), s3 = hsum_epi32(c3);
    for (; i < n; i++) {
        s0 += (int32_t)a[i] * w0[i];
        s1 += (int32_t)a[i] * w1[i];
        s2 += (int32_t)a[i] * w2[i];
        s3 += (int32_t)a[i] * w3[i];
    }
    out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

NN_TARGET_AVX2 static int32_t dot_s8zp_s8(const int8_t *x, int32_t zp, const int8_t *w, int32_t n) {
    const __m256i vzp = _mm256_set1_epi16((int16_t)zp);
    __m256i acc = _mm256_setzero_si256();
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i vx = _mm256_sub_epi16(load_s8_as_s16(x + i), vzp);
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(vx, load_s8_as_s16(w + i)));
    }
    int32_t s = hsum_epi32(acc);
    for (; i < n; i++) s += ((int32_t)x[i] - zp) * w[i];
    return s;
}

NN_TARGET_AVX2 static void dot4_s8zp_s8(const int8_t *x, int32_t zp, const int8_t *w, int32_t stride,
                                        int32_t n, int32_t out[4]) {
    const __m256i vzp = _mm256_set1_epi16((int16_t)zp);
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
    const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i vx = _mm256_sub_epi16(load_s8_as_s16(x + i), vzp);
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(vx, load_s8_as_s16(w0 + i)));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(vx, load_s8_as_s16(w1 + i)));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(vx, load_s8_as_s16(w2 + i)));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(vx, load_s8_as_s16(w3 + i)));
    }
    int32_t s0 = hsum_epi32(c0), s1 = hsum_epi32(c1), s2 = hsum_epi32(c2), s3 = hsum_epi32(c3);
    for (; i < n; i++) {
        int32_t v = (int32_t)x[i] - zp;
        s0 += v * w0[i];
        s1 += v * w1[i];
        s2 += v * w2[i];
        s3 += v * w3[i];
    }
    out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

NN_TARGET_AVX2 static void dot4_s16_s16(const int16_t *a, const int16_t *w, int32_t stride, int32_t n,
                                        int32_t out[4]) {
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
    for (int32_t i = 0; i < n; i += 16) {
        __m256i va = _mm256_loadu_si256((const __m256i *)(a + i));
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(w + i))));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(w + stride + i))));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(w + 2 * stride + i))));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(w + 3 * stride + i))));
    }
    __m256i d = _mm256_hadd_epi32(_mm256_hadd_epi32(c0, c1), _mm256_hadd_epi32(c2, c3));
    _mm_storeu_si128((__m128i *)out, _mm_add_epi32(_mm256_castsi256_si128(d), _mm256_extracti128_si256(d, 1)));
}

/* 8 lanes of nn_rq(sat32(a + bias), mult, shift), a the accumulators in a register. */
NN_TARGET_AVX2 static inline __m256i bias_requant8_reg(__m256i a, const int32_t *bias, const int32_t *mult,
                                                      const int32_t *shift) {
    const __m256i zero = _mm256_setzero_si256();
    if (bias) { /* saturating a + b: overflow iff the sum's sign differs from both operands' */
        __m256i b = _mm256_loadu_si256((const __m256i *)bias);
        __m256i s = _mm256_add_epi32(a, b);
        __m256i ovf = _mm256_srai_epi32(_mm256_and_si256(_mm256_xor_si256(s, a), _mm256_xor_si256(s, b)), 31);
        a = _mm256_blendv_epi8(s, _mm256_xor_si256(_mm256_srai_epi32(a, 31), _mm256_set1_epi32(INT32_MAX)), ovf);
    }
    __m256i sh = _mm256_loadu_si256((const __m256i *)shift);
    __m256i left = _mm256_max_epi32(sh, zero), right = _mm256_max_epi32(_mm256_sub_epi32(zero, sh), zero);
    return nn_requant_avx2(a, _mm256_loadu_si256((const __m256i *)mult), left, right);
}

/* 8 lanes of nn_rq(sat32(acc + bias), mult, shift). */
NN_TARGET_AVX2 static inline __m256i bias_requant8(const int32_t *acc, const int32_t *bias, const int32_t *mult,
                                                  const int32_t *shift) {
    return bias_requant8_reg(_mm256_loadu_si256((const __m256i *)acc), bias, mult, shift);
}

/* out[0..7] = nn_finish of the 8 accumulators in `a` (bias/mult/shift: 8 entries). */
NN_TARGET_AVX2 static inline void finish8_s8(__m256i a, const int32_t *bias, const int32_t *mult,
                                            const int32_t *shift, int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    /* clamp(r + zp, lo, hi) == clamp(r, lo - zp, hi - zp) + zp, which cannot overflow */
    __m256i v = bias_requant8_reg(a, bias, mult, shift);
    v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(lo - zp)), _mm256_set1_epi32(hi - zp)),
                         _mm256_set1_epi32(zp));
    __m256i w = _mm256_packs_epi32(v, v);
    w = _mm256_packs_epi16(w, w);
    int32_t w0 = _mm_cvtsi128_si32(_mm256_castsi256_si128(w)), w1 = _mm_cvtsi128_si32(_mm256_extracti128_si256(w, 1));
    memcpy(out, &w0, 4);
    memcpy(out + 4, &w1, 4);
}

NN_TARGET_AVX2 static void finish_s32_s16(const int32_t *acc, const int32_t *bias, const int32_t *mult,
                                          const int32_t *shift, int32_t n, int16_t *out) {
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = bias_requant8(acc + i, bias ? bias + i : NULL, mult + i, shift + i);
        __m256i w = _mm256_packs_epi32(v, v); /* saturates to int16 */
        _mm_storel_epi64((__m128i *)(out + i), _mm256_castsi256_si128(w));
        _mm_storel_epi64((__m128i *)(out + i + 4), _mm256_extracti128_si256(w, 1));
    }
    for (; i < n; i++) out[i] = nn_sat16(nn_rq(nn_sat32((int64_t)acc[i] + (bias ? bias[i] : 0)), mult[i], shift[i]));
}

NN_TARGET_AVX2 static void finish_s32_s8(const int32_t *acc, const int32_t *bias, const int32_t *mult,
                                         const int32_t *shift, int32_t n, int32_t zp, int32_t lo, int32_t hi,
                                         int8_t *out) {
    int32_t i = 0;
    for (; i + 8 <= n; i += 8)
        finish8_s8(_mm256_loadu_si256((const __m256i *)(acc + i)), bias ? bias + i : NULL, mult + i, shift + i, zp,
                   lo, hi, out + i);
    for (; i < n; i++) out[i] = nn_finish(acc[i], bias ? bias[i] : 0, mult[i], shift[i], zp, lo, hi);
}

NN_TARGET_AVX2 static inline void dot8_finish_s16_s16(const int16_t *a, const int16_t *w, int32_t stride, int32_t n,
                                               const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                               int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (int32_t i = 0; i < n; i += 16) {
        __m256i va = _mm256_loadu_si256((const __m256i *)(a + i));
        const int16_t *r = w + i;
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)r)));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + stride))));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + 2 * stride))));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + 3 * stride))));
        c4 = _mm256_add_epi32(c4, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + 4 * stride))));
        c5 = _mm256_add_epi32(c5, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + 5 * stride))));
        c6 = _mm256_add_epi32(c6, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + 6 * stride))));
        c7 = _mm256_add_epi32(c7, _mm256_madd_epi16(va, _mm256_loadu_si256((const __m256i *)(r + 7 * stride))));
    }
    /* lanes of h0123: rows 0..3 (low half) and rows 0..3 (high half); likewise h4567 */
    __m256i h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(c0, c1), _mm256_hadd_epi32(c2, c3));
    __m256i h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(c4, c5), _mm256_hadd_epi32(c6, c7));
    __m256i sums = _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20),
                                    _mm256_permute2x128_si256(h0123, h4567, 0x31));
    finish8_s8(sums, bias, mult, shift, zp, lo, hi, out);
}

NN_TARGET_AVX2 static void conv_row_s16_s16(const int16_t *a, int32_t step, int32_t l_out, const int16_t *w,
                                            int32_t n16, int32_t cout, const int32_t *bias, const int32_t *mult,
                                            const int32_t *shift, int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    for (int32_t x = 0; x < l_out; x++, a += step, out += cout)
        for (int32_t o = 0; o < cout; o += 8)
            dot8_finish_s16_s16(a, w + (int64_t)o * n16, n16, n16, bias ? bias + o : NULL, mult + o, shift + o, zp, lo,
                                hi, out + o);
}

NN_TARGET_AVX2 static inline __m256i load_s16_as_s32(const int16_t *p) {
    return _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)p));
}
NN_TARGET_AVX2 static inline __m256i sat16_epi32(__m256i v) {
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(INT16_MIN)), _mm256_set1_epi32(INT16_MAX));
}
/* Table lookup with interpolation; one 32-bit gather at byte offset 2*i fetches T[i] and T[i+1]. */
NN_TARGET_AVX2 static inline __m256i table_lookup8(const int16_t *table, __m256i x) {
    __m256i u = _mm256_add_epi32(x, _mm256_set1_epi32(32768));
    __m256i i = _mm256_srli_epi32(u, 7), f = _mm256_and_si256(u, _mm256_set1_epi32(127));
    __m256i g = _mm256_i32gather_epi32((const int *)(const void *)table, i, 2);
    __m256i a = _mm256_srai_epi32(_mm256_slli_epi32(g, 16), 16), b = _mm256_srai_epi32(g, 16);
    __m256i d = _mm256_mullo_epi32(_mm256_sub_epi32(b, a), f);
    return _mm256_add_epi32(a, _mm256_srai_epi32(_mm256_add_epi32(d, _mm256_set1_epi32(64)), 7));
}

NN_TARGET_AVX2 static void gru_gates(const nn_gru_params *p, int32_t h, const int16_t *gi, const int16_t *gh,
                                     int16_t *state, int8_t *out) {
    const __m256i half = _mm256_set1_epi32(1 << 14), lim = _mm256_set1_epi32(32767);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i mo = _mm256_set1_epi32(p->output.multiplier);
    const __m256i left = _mm256_set1_epi32(p->output.shift > 0 ? p->output.shift : 0);
    const __m256i right = _mm256_set1_epi32(p->output.shift > 0 ? 0 : -p->output.shift);
    const __m256i vlo = _mm256_set1_epi32(-128 - p->output_zero_point);
    const __m256i vhi = _mm256_set1_epi32(127 - p->output_zero_point);
    const __m256i vzp = _mm256_set1_epi32(p->output_zero_point);
    int32_t j = 0;
    for (; j + 8 <= h; j += 8) {
        __m256i r = table_lookup8(NN_SIGMOID_TABLE,
                                  sat16_epi32(_mm256_add_epi32(load_s16_as_s32(gi + j), load_s16_as_s32(gh + j))));
        __m256i z = table_lookup8(NN_SIGMOID_TABLE, sat16_epi32(_mm256_add_epi32(load_s16_as_s32(gi + h + j),
                                                                                 load_s16_as_s32(gh + h + j))));
        __m256i rn = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(r, load_s16_as_s32(gh + 2 * h + j)), half), 15);
        __m256i n = table_lookup8(NN_TANH_TABLE, sat16_epi32(_mm256_add_epi32(load_s16_as_s32(gi + 2 * h + j), rn)));
        __m256i diff = _mm256_sub_epi32(load_s16_as_s32(state + j), n);
        __m256i hv = _mm256_add_epi32(n, _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(z, diff), half), 15));
        hv = _mm256_min_epi32(_mm256_max_epi32(hv, _mm256_sub_epi32(zero, lim)), lim);
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(hv, hv), 0x08);
        _mm_storeu_si128((__m128i *)(state + j), _mm256_castsi256_si128(packed));
        __m256i o = nn_requant_avx2(hv, mo, left, right);
        o = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(o, vlo), vhi), vzp);
        __m256i w = _mm256_packs_epi16(_mm256_packs_epi32(o, o), _mm256_packs_epi32(o, o));
        int32_t w0 = _mm_cvtsi128_si32(_mm256_castsi256_si128(w)), w1 = _mm_cvtsi128_si32(_mm256_extracti128_si256(w, 1));
        memcpy(out + j, &w0, 4);
        memcpy(out + j + 4, &w1, 4);
    }
    if (j < h) nn_gru_gates_scalar(p, h, j, gi, gh, state, out);
}

NN_TARGET_AVX2 static void max_s8(int8_t *acc, const int8_t *x, int32_t n) {
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(acc + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(x + i));
        _mm256_storeu_si256((__m256i *)(acc + i), _mm256_max_epi8(a, b));
    }
    for (; i < n; i++) acc[i] = acc[i] > x[i] ? acc[i] : x[i];
}

NN_TARGET_AVX2 static void acc_s8_s32(int32_t *acc, const int8_t *x, int32_t n) {
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(x + i)));
        __m256i a = _mm256_loadu_si256((const __m256i *)(acc + i));
        _mm256_storeu_si256((__m256i *)(acc + i), _mm256_add_epi32(a, v));
    }
    for (; i < n; i++) acc[i] += x[i];
}

NN_TARGET_AVX2 static int32_t max_row_s8(const int8_t *x, int32_t n) {
    int32_t i = 0, m = -128;
    if (n >= 32) {
        __m256i vm = _mm256_loadu_si256((const __m256i *)x);
        for (i = 32; i + 32 <= n; i += 32) vm = _mm256_max_epi8(vm, _mm256_loadu_si256((const __m256i *)(x + i)));
        __m128i v = _mm_max_epi8(_mm256_castsi256_si128(vm), _mm256_extracti128_si256(vm, 1));
        v = _mm_max_epi8(v, _mm_srli_si128(v, 8));
        v = _mm_max_epi8(v, _mm_srli_si128(v, 4));
        v = _mm_max_epi8(v, _mm_srli_si128(v, 2));
        v = _mm_max_epi8(v, _mm_srli_si128(v, 1));
        m = (int8_t)_mm_cvtsi128_si32(v);
    }
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

NN_TARGET_AVX2 static int64_t sum_table_s8(const int32_t *table, const int8_t *x, int32_t n, int32_t m) {
    __m256i acc = _mm256_setzero_si256();
    const __m256i vm = _mm256_set1_epi32(m);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) { /* each lane sums <= 512 entries of <= 2^20: no overflow */
        __m256i idx = _mm256_sub_epi32(vm, _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(x + i))));
        acc = _mm256_add_epi32(acc, _mm256_i32gather_epi32((const int *)table, idx, 4));
    }
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, acc);
    int64_t s = 0;
    for (int32_t k = 0; k < 8; k++) s += lanes[k];
    for (; i < n; i++) s += table[m - x[i]];
    return s;
}

const nn_simd_kit NN_SIMD_AVX2 = {
    .dot_s16_s8 = dot_s16_s8,
    .dot4_s16_s8 = dot4_s16_s8,
    .dot_s8zp_s8 = dot_s8zp_s8,
    .dot4_s8zp_s8 = dot4_s8zp_s8,
    .dot4_s16_s16 = dot4_s16_s16,
    .finish_s32_s8 = finish_s32_s8,
    .dot8_finish_s16_s16 = dot8_finish_s16_s16,
    .conv_row_s16_s16 = conv_row_s16_s16,
    .finish_s32_s16 = finish_s32_s16,
    .gru_gates = gru_gates,
    .max_s8 = max_s8,
    .acc_s8_s32 = acc_s8_s32,
    .max_row_s8 = max_row_s8,
    .sum_table_s8 = sum_table_s8,
};
#endif
