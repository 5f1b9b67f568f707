/* Max pool on a SIMD kit: element-wise max of whole channel rows. */
#include <string.h>

#include "nn_internal.h"

nn_status nn_maxpool1d_s8_simd(NN_POOL_ARGS, const nn_simd_kit *kit) {
    (void)ctx;
    const int32_t len = input_dims->l, ch = input_dims->c, l_out = output_dims->l;
    for (int32_t t = 0; t < input_dims->t; t++) {
        const int8_t *in_t = input + (int64_t)t * len * ch;
        for (int32_t x = 0; x < l_out; x++) {
            int8_t *out = output + ((int64_t)t * l_out + x) * ch;
            int32_t start = x * params->stride - params->pad_left;
            int32_t lo = start < 0 ? 0 : start;
            int32_t hi = start + params->kernel > len ? len : start + params->kernel;
            memcpy(out, in_t + (int64_t)lo * ch, (size_t)ch);
            for (int32_t pos = lo + 1; pos < hi; pos++) kit->max_s8(out, in_t + (int64_t)pos * ch, ch);
            if (params->act_min > -128 || params->act_max < 127)
                for (int32_t c = 0; c < ch; c++)
                    out[c] = (int8_t)nn_clamp(out[c], params->act_min, params->act_max);
        }
    }
    return NN_OK;
}
