/* conv1d on a SIMD kit: per output position, gather the receptive field into an int16 patch
 * (input minus zero point; 0 for padding), then one exact dot product per output channel. */
#include "nn_internal.h"

nn_status nn_conv1d_s8_simd(NN_CONV_ARGS, const nn_simd_kit *kit) {
    const int32_t len = input_dims->l, cin = input_dims->c;
    const int32_t cout = filter_dims->out_ch, kernel = filter_dims->kernel;
    const int32_t l_out = output_dims->l, n = kernel * cin;
    const int32_t zp = params->input_zero_point;
    int16_t *patch = (int16_t *)ctx->buf;
    const int32_t *mult = quant->multiplier, *shift = quant->shift;
    for (int32_t t = 0; t < input_dims->t; t++) {
        const int8_t *in_t = input + (int64_t)t * len * cin;
        int8_t *out_t = output + (int64_t)t * l_out * cout;
        for (int32_t x = 0; x < l_out; x++) {
            for (int32_t k = 0; k < kernel; k++) {
                int32_t pos = x * params->stride - params->pad_left + k * params->dilation;
                int16_t *dst = patch + k * cin;
                if (pos < 0 || pos >= len) {
                    for (int32_t i = 0; i < cin; i++) dst[i] = 0;
                } else {
                    const int8_t *src = in_t + (int64_t)pos * cin;
                    for (int32_t i = 0; i < cin; i++) dst[i] = (int16_t)(src[i] - zp);
                }
            }
            int8_t *out = out_t + (int64_t)x * cout;
            int32_t o = 0;
            for (; o + 4 <= cout; o += 4) {
                int32_t acc[4];
                kit->dot4_s16_s8(patch, filter + (int64_t)o * n, n, n, acc);
                for (int32_t r = 0; r < 4; r++)
                    out[o + r] = nn_finish(acc[r], bias ? bias[o + r] : 0, mult[o + r], shift[o + r],
                                           params->output_zero_point, params->act_min, params->act_max);
            }
            for (; o < cout; o++) {
                int32_t acc = kit->dot_s16_s8(patch, filter + (int64_t)o * n, n);
                out[o] = nn_finish(acc, bias ? bias[o] : 0, mult[o], shift[o],
                                   params->output_zero_point, params->act_min, params->act_max);
            }
        }
    }
    return NN_OK;
}
