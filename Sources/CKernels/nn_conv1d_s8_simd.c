/* conv1d on a SIMD kit: per output position, gather the receptive field into an int16 patch
 * (input minus zero point; 0 for padding), then exact dot products with the filter rows. When
 * the weights are small enough (NN_CONV_PACKED_MAX) they are first repacked as int16 rows padded
 * to a multiple of 16 (zeros), so every dot product is whole SIMD vectors without tails. With
 * dilation 1 and room in the scratch (nn_conv1d_s8_get_buffer_size counts it), the input of each
 * time step is converted once into a zero-padded int16 row and the patch of position x is the
 * window of that row starting at x·stride: the same values in the same order as build_patch, and
 * the elements a padded read takes beyond n meet zero weights (or are not read), so the sums are
 * identical. */
#include "nn_internal.h"

static void build_patch(NN_CONV_ARGS, const int8_t *in_t, int32_t x, int16_t *patch) {
    const int32_t len = input_dims->l, cin = input_dims->c, zp = params->input_zero_point;
    for (int32_t k = 0; k < filter_dims->kernel; k++) {
        int32_t pos = x * params->stride - params->pad_left + k * params->dilation;
        int16_t *dst = patch + k * cin;
        if (pos < 0 || pos >= len) {
            for (int32_t i = 0; i < cin; i++) dst[i] = 0;
        } else {
            const int8_t *src = in_t + (int64_t)pos * cin;
            for (int32_t i = 0; i < cin; i++) dst[i] = (int16_t)(src[i] - zp);
        }
    }
}

nn_status nn_conv1d_s8_simd(NN_CONV_ARGS, const nn_simd_kit *kit) {
    const int32_t len = input_dims->l, cin = input_dims->c;
    const int32_t cout = filter_dims->out_ch, kernel = filter_dims->kernel;
    const int32_t l_out = output_dims->l, n = kernel * cin, n16 = nn_align16(n);
    int16_t *patch = (int16_t *)ctx->buf;
    int16_t *packed = patch + nn_align16(n16 * 2 + 32) / 2;
    const int use_packed = (int64_t)cout * n16 * 2 <= NN_CONV_PACKED_MAX;
    const int32_t *mult = quant->multiplier, *shift = quant->shift;
    const int32_t ozp = params->output_zero_point, lo = params->act_min, hi = params->act_max;
    for (int32_t i = n; i < n16; i++) patch[i] = 0;
    int16_t *row = packed + (use_packed ? (int64_t)cout * n16 : 0);
    const int32_t pl = params->pad_left, padded = len + pl + params->pad_right;
    const int64_t used = (int64_t)((char *)row - (char *)ctx->buf);
    const int use_row = params->dilation == 1 && pl >= 0 && params->pad_right >= 0 &&
                        used + NN_CONV_ROW_BYTES(padded, cin) <= ctx->size;
    const int32_t zp = params->input_zero_point;
    if (use_packed)
        for (int32_t o = 0; o < cout; o++) {
            const int8_t *src = filter + (int64_t)o * n;
            int16_t *dst = packed + (int64_t)o * n16;
            for (int32_t i = 0; i < n; i++) dst[i] = src[i];
            for (int32_t i = n; i < n16; i++) dst[i] = 0;
        }
    for (int32_t t = 0; t < input_dims->t; t++) {
        const int8_t *in_t = input + (int64_t)t * len * cin;
        int8_t *out_t = output + (int64_t)t * l_out * cout;
        if (use_row) {
            int16_t *r = row;
            for (int64_t i = 0; i < (int64_t)pl * cin; i++) *r++ = 0;
            for (int64_t i = 0; i < (int64_t)len * cin; i++) *r++ = (int16_t)(in_t[i] - zp);
            for (int64_t i = 0; i < (int64_t)params->pad_right * cin + 16; i++) *r++ = 0;
        }
        if (use_row && use_packed && kit->conv_row_s16_s16 && cout % 8 == 0) {
            kit->conv_row_s16_s16(row, params->stride * cin, l_out, packed, n16, cout, bias, mult, shift, ozp, lo, hi,
                                  out_t);
            continue;
        }
        for (int32_t x = 0; x < l_out; x++) {
            const int16_t *pt = patch;
            if (use_row)
                pt = row + (int64_t)x * params->stride * cin;
            else
                build_patch(NN_CONV_PASS, in_t, x, patch);
            int8_t *out = out_t + (int64_t)x * cout;
            int32_t acc[NN_FINISH_BLOCK];
            for (int32_t o0 = 0; o0 < cout; o0 += NN_FINISH_BLOCK) {
                const int32_t nb = cout - o0 < NN_FINISH_BLOCK ? cout - o0 : NN_FINISH_BLOCK;
                int32_t o = 0;
                if (use_packed && kit->dot8_finish_s16_s16)
                    for (; o + 8 <= nb; o += 8)
                        kit->dot8_finish_s16_s16(pt, packed + (int64_t)(o0 + o) * n16, n16, n16,
                                                 bias ? bias + o0 + o : NULL, mult + o0 + o, shift + o0 + o, ozp,
                                                 lo, hi, out + o0 + o);
                const int32_t f = o; /* channels before o0 + f are finished */
                for (; o + 4 <= nb; o += 4) {
                    if (use_packed)
                        kit->dot4_s16_s16(pt, packed + (int64_t)(o0 + o) * n16, n16, n16, acc + o);
                    else
                        kit->dot4_s16_s8(pt, filter + (int64_t)(o0 + o) * n, n, n, acc + o);
                }
                for (; o < nb; o++) acc[o] = kit->dot_s16_s8(pt, filter + (int64_t)(o0 + o) * n, n);
                if (f < nb)
                    kit->finish_s32_s8(acc + f, bias ? bias + o0 + f : NULL, mult + o0 + f, shift + o0 + f, nb - f,
                                       ozp, lo, hi, out + o0 + f);
            }
        }
    }
    return NN_OK;
}
