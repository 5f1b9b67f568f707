/* float -> int8, AVX2: IEEE division, round-half-even, float add/clamp (as the scalar rule). */
#include "nn_internal.h"
#if NN_HAVE_AVX2
#include <immintrin.h>
#include <string.h>

NN_TARGET_AVX2 nn_status nn_quantize_f32_s8_avx2(NN_QUANT_ARGS(float, int8_t)) {
    (void)ctx;
    (void)output_dims;
    const int32_t n = nn_dims_count(input_dims);
    const __m256 scale = _mm256_set1_ps(quant->scale), zp = _mm256_set1_ps((float)quant->zero_point);
    const __m256 lo = _mm256_set1_ps(-128.0f), hi = _mm256_set1_ps(127.0f);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_div_ps(_mm256_loadu_ps(input + i), scale);
        v = _mm256_add_ps(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
        v = _mm256_blendv_ps(v, zp, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        __m256i q = _mm256_cvtps_epi32(v);
        __m256i w = _mm256_packs_epi32(q, q);
        w = _mm256_packs_epi16(w, w);
        int32_t a = _mm_cvtsi128_si32(_mm256_castsi256_si128(w));
        int32_t b = _mm_cvtsi128_si32(_mm256_extracti128_si256(w, 1));
        memcpy(output + i, &a, 4);
        memcpy(output + i + 4, &b, 4);
    }
    if (i < n) {
        nn_dims tail = {1, 1, n - i};
        nn_quantize_f32_s8_ref_impl(ctx, quant, &tail, input + i, &tail, output + i);
    }
    return NN_OK;
}
#endif
