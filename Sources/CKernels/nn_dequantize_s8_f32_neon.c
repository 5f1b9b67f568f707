/* int8 -> float, NEON: exact int->float conversion and one IEEE multiply per element. */
#include "nn_internal.h"
#if NN_HAVE_NEON
#include <arm_neon.h>

nn_status nn_dequantize_s8_f32_neon(NN_QUANT_ARGS(int8_t, float)) {
    (void)ctx;
    (void)output_dims;
    const int32_t n = nn_dims_count(input_dims);
    const int16x8_t zp = vdupq_n_s16((int16_t)quant->zero_point);
    const float32x4_t scale = vdupq_n_f32(quant->scale);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t q = vsubq_s16(vmovl_s8(vld1_s8(input + i)), zp);
        vst1q_f32(output + i, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(q))), scale));
        vst1q_f32(output + i + 4, vmulq_f32(vcvtq_f32_s32(vmovl_high_s16(q)), scale));
    }
    if (i < n) {
        nn_dims tail = {1, 1, n - i};
        nn_dequantize_s8_f32_ref_impl(ctx, quant, &tail, input + i, &tail, output + i);
    }
    return NN_OK;
}
#endif
