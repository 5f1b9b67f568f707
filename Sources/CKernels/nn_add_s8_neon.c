/* Element-wise add, NEON: 8 elements per iteration (two 4-lane requantizations); scalar tail. */
#include "nn_simd_requant.h"
#if NN_HAVE_NEON

static inline int32x4_t add_lanes(int32x4_t x1, int32x4_t x2, const nn_add_params *p) {
    const int32x4_t zero = vdupq_n_s32(0), ls = vdupq_n_s32(p->left_shift);
    int32x4_t a1 = nn_requant_neon(vshlq_s32(x1, ls), vdupq_n_s32(p->input1.multiplier), zero,
                                   vdupq_n_s32(-p->input1.shift));
    int32x4_t a2 = nn_requant_neon(vshlq_s32(x2, ls), vdupq_n_s32(p->input2.multiplier), zero,
                                   vdupq_n_s32(-p->input2.shift));
    int32x4_t left = vdupq_n_s32(p->output.shift > 0 ? p->output.shift : 0);
    int32x4_t right = vdupq_n_s32(p->output.shift > 0 ? 0 : -p->output.shift);
    int32x4_t v = nn_requant_neon(vaddq_s32(a1, a2), vdupq_n_s32(p->output.multiplier), left, right);
    /* clamp(r + zp, lo, hi) == clamp(r, lo - zp, hi - zp) + zp, and the latter cannot overflow */
    int32x4_t lo = vdupq_n_s32(p->act_min - p->output_zero_point);
    int32x4_t hi = vdupq_n_s32(p->act_max - p->output_zero_point);
    return vaddq_s32(vminq_s32(vmaxq_s32(v, lo), hi), vdupq_n_s32(p->output_zero_point));
}

nn_status nn_add_s8_neon(NN_ADD_ARGS) {
    (void)ctx;
    (void)input2_dims;
    (void)output_dims;
    const nn_add_params *p = params;
    const int32_t n = nn_dims_count(input1_dims);
    const int16x8_t zp1 = vdupq_n_s16((int16_t)p->input1_zero_point);
    const int16x8_t zp2 = vdupq_n_s16((int16_t)p->input2_zero_point);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t x1 = vsubq_s16(vmovl_s8(vld1_s8(input1 + i)), zp1);
        int16x8_t x2 = vsubq_s16(vmovl_s8(vld1_s8(input2 + i)), zp2);
        int32x4_t lo = add_lanes(vmovl_s16(vget_low_s16(x1)), vmovl_s16(vget_low_s16(x2)), p);
        int32x4_t hi = add_lanes(vmovl_high_s16(x1), vmovl_high_s16(x2), p);
        vst1_s8(output + i, vqmovn_s16(vcombine_s16(vqmovn_s32(lo), vqmovn_s32(hi))));
    }
    for (; i < n; i++) output[i] = nn_add_element(p, input1[i], input2[i]);
    return NN_OK;
}
#endif
