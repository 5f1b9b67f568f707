/* dense on a SIMD kit: four output channels share each input load. */
#include "nn_internal.h"

nn_status nn_dense_s8_simd(NN_DENSE_ARGS, const nn_simd_kit *kit) {
    (void)ctx;
    const int32_t rows = input_dims->t * input_dims->l, cin = input_dims->c;
    const int32_t cout = filter_dims->out_ch, zp = params->input_zero_point;
    const int32_t *mult = quant->multiplier, *shift = quant->shift;
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = input + (int64_t)r * cin;
        int8_t *out = output + (int64_t)r * cout;
        int32_t acc[NN_FINISH_BLOCK];
        if (cin > NN_MAX_DOT) { /* long rows: exact int64 sums of int32-exact chunks, then sat32 */
            for (int32_t o0 = 0; o0 < cout; o0 += NN_FINISH_BLOCK) {
                const int32_t nb = cout - o0 < NN_FINISH_BLOCK ? cout - o0 : NN_FINISH_BLOCK;
                for (int32_t o = 0; o < nb; o++) {
                    const int8_t *w = filter + (int64_t)(o0 + o) * cin;
                    int64_t sum = bias ? bias[o0 + o] : 0;
                    for (int32_t c0 = 0; c0 < cin; c0 += NN_MAX_DOT) {
                        int32_t len = cin - c0 < NN_MAX_DOT ? cin - c0 : NN_MAX_DOT;
                        sum += kit->dot_s8zp_s8(x + c0, zp, w + c0, len);
                    }
                    acc[o] = nn_sat32(sum);
                }
                kit->finish_s32_s8(acc, NULL, mult + o0, shift + o0, nb, params->output_zero_point,
                                   params->act_min, params->act_max, out + o0);
            }
            continue;
        }
        for (int32_t o0 = 0; o0 < cout; o0 += NN_FINISH_BLOCK) {
            const int32_t nb = cout - o0 < NN_FINISH_BLOCK ? cout - o0 : NN_FINISH_BLOCK;
            int32_t o = 0;
            for (; o + 4 <= nb; o += 4) kit->dot4_s8zp_s8(x, zp, filter + (int64_t)(o0 + o) * cin, cin, cin, acc + o);
            for (; o < nb; o++) acc[o] = kit->dot_s8zp_s8(x, zp, filter + (int64_t)(o0 + o) * cin, cin);
            kit->finish_s32_s8(acc, bias ? bias + o0 : NULL, mult + o0, shift + o0, nb, params->output_zero_point,
                               params->act_min, params->act_max, out + o0);
        }
    }
    return NN_OK;
}
