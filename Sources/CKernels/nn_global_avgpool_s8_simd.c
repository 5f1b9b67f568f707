/* Global average pool on a SIMD kit: int32 sums of whole rows in channel blocks. */
#include "nn_internal.h"

#define NN_GAP_BLOCK 256

nn_status nn_global_avgpool_s8_simd(NN_GAP_ARGS, const nn_simd_kit *kit) {
    (void)ctx;
    (void)output_dims;
    const int32_t len = input_dims->l, ch = input_dims->c;
    int32_t sums[NN_GAP_BLOCK];
    for (int32_t t = 0; t < input_dims->t; t++) {
        const int8_t *in_t = input + (int64_t)t * len * ch;
        for (int32_t c0 = 0; c0 < ch; c0 += NN_GAP_BLOCK) {
            int32_t nb = ch - c0 < NN_GAP_BLOCK ? ch - c0 : NN_GAP_BLOCK;
            for (int32_t c = 0; c < nb; c++) sums[c] = 0;
            for (int32_t l = 0; l < len; l++) kit->acc_s8_s32(sums, in_t + (int64_t)l * ch + c0, nb);
            for (int32_t c = 0; c < nb; c++) output[(int64_t)t * ch + c0 + c] = (int8_t)nn_div_round(sums[c], len);
        }
    }
    return NN_OK;
}
