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
        int32_t o = 0;
        for (; o + 4 <= cout; o += 4) {
            int32_t acc[4];
            kit->dot4_s8zp_s8(x, zp, filter + (int64_t)o * cin, cin, cin, acc);
            for (int32_t j = 0; j < 4; j++)
                out[o + j] = nn_finish(acc[j], bias ? bias[o + j] : 0, mult[o + j], shift[o + j],
                                       params->output_zero_point, params->act_min, params->act_max);
        }
        for (; o < cout; o++) {
            int32_t acc = kit->dot_s8zp_s8(x, zp, filter + (int64_t)o * cin, cin);
            out[o] = nn_finish(acc, bias ? bias[o] : 0, mult[o], shift[o], params->output_zero_point,
                               params->act_min, params->act_max);
        }
    }
    return NN_OK;
}
