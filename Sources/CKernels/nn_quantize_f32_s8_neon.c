/* float -> int8, NEON: IEEE division, round-half-even (vrndnq), float add/clamp. */
#include "nn_internal.h"
#if NN_HAVE_NEON
#include <arm_neon.h>

static inline int32x4_t quantize4(float32x4_t x, float32x4_t scale, float32x4_t zp) {
    float32x4_t v = vaddq_f32(vrndnq_f32(vdivq_f32(x, scale)), zp);
    v = vbslq_f32(vceqq_f32(v, v), v, zp); /* NaN -> zero point */
    v = vminq_f32(vmaxq_f32(v, vdupq_n_f32(-128.0f)), vdupq_n_f32(127.0f));
    return vcvtq_s32_f32(v);
}

nn_status nn_quantize_f32_s8_neon(NN_QUANT_ARGS(float, int8_t)) {
    (void)ctx;
    (void)output_dims;
    const int32_t n = nn_dims_count(input_dims);
    const float32x4_t scale = vdupq_n_f32(quant->scale), zp = vdupq_n_f32((float)quant->zero_point);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int32x4_t a = quantize4(vld1q_f32(input + i), scale, zp);
        int32x4_t b = quantize4(vld1q_f32(input + i + 4), scale, zp);
        vst1_s8(output + i, vmovn_s16(vcombine_s16(vmovn_s32(a), vmovn_s32(b))));
    }
    if (i < n) {
        nn_dims tail = {1, 1, n - i};
        nn_quantize_f32_s8_ref_impl(ctx, quant, &tail, input + i, &tail, output + i);
    }
    return NN_OK;
}
#endif
