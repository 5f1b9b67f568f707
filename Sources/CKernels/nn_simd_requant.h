/* Vector forms of nn_requant (8 lanes AVX2, 4 lanes NEON), lane for lane equal to the scalar rule:
 * saturating left shift, SRDHM (round half up of a*m/2^31, INT32_MIN^2 -> INT32_MAX), RDBPOT. */
#ifndef CASCADIA_NN_SIMD_REQUANT_H
#define CASCADIA_NN_SIMD_REQUANT_H
#include "nn_internal.h"

#if NN_HAVE_AVX2
#include <immintrin.h>
/* SRDHM(a, m) then RDBPOT by `right`, 8 lanes. */
NN_TARGET_AVX2 static inline __m256i nn_requant_srdhm_rdbpot_avx2(__m256i a, __m256i m, __m256i right) {
    /* SRDHM: even and odd lanes as 64-bit products, + 2^30, bits 31..62 */
    const __m256i nudge = _mm256_set1_epi64x((int64_t)1 << 30);
    __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(a, m), nudge);
    __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32)), nudge);
    __m256i he = _mm256_srli_epi64(pe, 31);                  /* low 32 bits = result, even lanes */
    __m256i ho = _mm256_slli_epi64(_mm256_srli_epi64(po, 31), 32); /* odd lanes into high half */
    __m256i b = _mm256_blend_epi32(he, ho, 0xAA);
    const __m256i vmin = _mm256_set1_epi32(INT32_MIN);
    __m256i both_min = _mm256_and_si256(_mm256_cmpeq_epi32(a, vmin), _mm256_cmpeq_epi32(m, vmin));
    b = _mm256_blendv_epi8(b, _mm256_set1_epi32(INT32_MAX), both_min);
    /* RDBPOT */
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
    __m256i rem = _mm256_and_si256(b, mask);
    __m256i thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), b));
    __m256i q = _mm256_srav_epi32(b, right);
    return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

/* left, right: per-lane shift counts in [0, 31] (one of them 0). */
NN_TARGET_AVX2 static inline __m256i nn_requant_avx2(__m256i x, __m256i m, __m256i left, __m256i right) {
    /* saturating x << left: overflow iff shifting back does not restore x (nothing to do when every
     * lane's left shift is 0, the usual case of multipliers below 1) */
    if (_mm256_testz_si256(left, left)) return nn_requant_srdhm_rdbpot_avx2(x, m, right);
    __m256i shifted = _mm256_sllv_epi32(x, left);
    __m256i lost = _mm256_xor_si256(_mm256_srav_epi32(shifted, left), x);
    __m256i ovf = _mm256_cmpgt_epi32(_mm256_and_si256(lost, lost), _mm256_setzero_si256());
    ovf = _mm256_or_si256(ovf, _mm256_cmpgt_epi32(_mm256_setzero_si256(), lost));
    __m256i neg = _mm256_cmpgt_epi32(_mm256_setzero_si256(), x);
    __m256i sat = _mm256_xor_si256(_mm256_set1_epi32(INT32_MAX), neg); /* MAX or MIN */
    return nn_requant_srdhm_rdbpot_avx2(_mm256_blendv_epi8(shifted, sat, ovf), m, right);
}
#endif

#if NN_HAVE_NEON
#include <arm_neon.h>
/* left, right: per-lane shift counts in [0, 31] (one of them 0). vqrdmulh is SRDHM exactly. */
static inline int32x4_t nn_requant_neon(int32x4_t x, int32x4_t m, int32x4_t left, int32x4_t right) {
    int32x4_t a = vqshlq_s32(x, left);
    int32x4_t b = vqrdmulhq_s32(a, m);
    int32x4_t mask = vsubq_s32(vshlq_s32(vdupq_n_s32(1), right), vdupq_n_s32(1));
    int32x4_t rem = vandq_s32(b, mask);
    int32x4_t thr = vsubq_s32(vshrq_n_s32(mask, 1), vreinterpretq_s32_u32(vcltzq_s32(b)));
    int32x4_t q = vshlq_s32(b, vnegq_s32(right));
    return vsubq_s32(q, vreinterpretq_s32_u32(vcgtq_s32(rem, thr)));
}
#endif
#endif
