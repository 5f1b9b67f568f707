/* AVX2 building blocks (x86-64 only; compiled with target attributes, chosen at run time). */
#include "nn_internal.h"
#if NN_HAVE_AVX2
#include <immintrin.h>

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

const nn_simd_kit NN_SIMD_AVX2 = {dot_s16_s8, dot4_s16_s8, dot_s8zp_s8, dot4_s8zp_s8,
                                  max_s8, acc_s8_s32, max_row_s8, sum_table_s8};
#endif
