/* Average pool on a SIMD kit: int32 row sums in blocks of NN_POOL_BLOCK channels (on the stack),
 * then the rounded division. */
#include "nn_internal.h"

#define NN_POOL_BLOCK 256

nn_status nn_avgpool1d_s8_simd(NN_POOL_ARGS, const nn_simd_kit *kit) {
    (void)ctx;
    const int32_t len = input_dims->l, ch = input_dims->c, l_out = output_dims->l;
    int32_t sums[NN_POOL_BLOCK];
    for (int32_t t = 0; t < input_dims->t; t++) {
        const int8_t *in_t = input + (int64_t)t * len * ch;
        for (int32_t x = 0; x < l_out; x++) {
            int8_t *out = output + ((int64_t)t * l_out + x) * ch;
            int32_t start = x * params->stride - params->pad_left;
            int32_t lo = start < 0 ? 0 : start;
            int32_t hi = start + params->kernel > len ? len : start + params->kernel;
            for (int32_t c0 = 0; c0 < ch; c0 += NN_POOL_BLOCK) {
                int32_t nb = ch - c0 < NN_POOL_BLOCK ? ch - c0 : NN_POOL_BLOCK;
                for (int32_t c = 0; c < nb; c++) sums[c] = 0;
                for (int32_t pos = lo; pos < hi; pos++)
                    kit->acc_s8_s32(sums, in_t + (int64_t)pos * ch + c0, nb);
                for (int32_t c = 0; c < nb; c++)
                    out[c0 + c] = (int8_t)nn_clamp(nn_div_round(sums[c], hi - lo), params->act_min,
                                                   params->act_max);
            }
        }
    }
    return NN_OK;
}
