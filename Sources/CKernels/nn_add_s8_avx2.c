/* Element-wise add, AVX2: 8 lanes of the three requantizations at once; scalar tail. */
#include "nn_simd_requant.h"
#if NN_HAVE_AVX2
#include <string.h>

NN_TARGET_AVX2 nn_status nn_add_s8_avx2(NN_ADD_ARGS) {
    (void)ctx;
    (void)input2_dims;
    (void)output_dims;
    const nn_add_params *p = params;
    const int32_t n = nn_dims_count(input1_dims);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i zp1 = _mm256_set1_epi32(p->input1_zero_point);
    const __m256i zp2 = _mm256_set1_epi32(p->input2_zero_point);
    const __m256i zpo = _mm256_set1_epi32(p->output_zero_point);
    const __m256i m1 = _mm256_set1_epi32(p->input1.multiplier), r1 = _mm256_set1_epi32(-p->input1.shift);
    const __m256i m2 = _mm256_set1_epi32(p->input2.multiplier), r2 = _mm256_set1_epi32(-p->input2.shift);
    const __m256i mo = _mm256_set1_epi32(p->output.multiplier);
    const __m256i lo_sh = _mm256_set1_epi32(p->output.shift > 0 ? p->output.shift : 0);
    const __m256i ro_sh = _mm256_set1_epi32(p->output.shift > 0 ? 0 : -p->output.shift);
    /* clamp(r + zp, lo, hi) == clamp(r, lo - zp, hi - zp) + zp, and the latter cannot overflow */
    const __m256i amin = _mm256_set1_epi32(p->act_min - p->output_zero_point);
    const __m256i amax = _mm256_set1_epi32(p->act_max - p->output_zero_point);
    const __m128i ls = _mm_cvtsi32_si128(p->left_shift);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i x1 = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(input1 + i)));
        __m256i x2 = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(input2 + i)));
        x1 = _mm256_sll_epi32(_mm256_sub_epi32(x1, zp1), ls);
        x2 = _mm256_sll_epi32(_mm256_sub_epi32(x2, zp2), ls);
        __m256i a1 = nn_requant_avx2(x1, m1, zero, r1);
        __m256i a2 = nn_requant_avx2(x2, m2, zero, r2);
        __m256i v = nn_requant_avx2(_mm256_add_epi32(a1, a2), mo, lo_sh, ro_sh);
        v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, amin), amax), zpo);
        __m256i w = _mm256_packs_epi32(v, v);
        w = _mm256_packs_epi16(w, w);
        int32_t lo = _mm_cvtsi128_si32(_mm256_castsi256_si128(w));
        int32_t hi = _mm_cvtsi128_si32(_mm256_extracti128_si256(w, 1));
        memcpy(output + i, &lo, 4);
        memcpy(output + i + 4, &hi, 4);
    }
    for (; i < n; i++) output[i] = nn_add_element(p, input1[i], input2[i]);
    return NN_OK;
}
#endif
