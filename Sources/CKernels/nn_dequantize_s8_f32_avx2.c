/* int8 -> float, AVX2: exact int->float conversion and one IEEE multiply per element. */
#include "nn_internal.h"
#if NN_HAVE_AVX2
#include <immintrin.h>

NN_TARGET_AVX2 nn_status nn_dequantize_s8_f32_avx2(NN_QUANT_ARGS(int8_t, float)) {
    (void)ctx;
    (void)output_dims;
    const int32_t n = nn_dims_count(input_dims);
    const __m256i zp = _mm256_set1_epi32(quant->zero_point);
    const __m256 scale = _mm256_set1_ps(quant->scale);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i q = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(input + i))), zp);
        _mm256_storeu_ps(output + i, _mm256_mul_ps(_mm256_cvtepi32_ps(q), scale));
    }
    if (i < n) {
        nn_dims tail = {1, 1, n - i};
        nn_dequantize_s8_f32_ref_impl(ctx, quant, &tail, input + i, &tail, output + i);
    }
    return NN_OK;
}
#endif
