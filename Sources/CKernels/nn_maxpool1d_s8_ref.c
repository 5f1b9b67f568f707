#include <string.h>

#include "nn_internal.h"

/* Shared by max and average pooling (both kinds and both paths). */
nn_status nn_pool_check(NN_POOL_ARGS) {
    (void)ctx;
    if (!params || !input || !output) return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims)) return NN_ERR_SHAPE;
    const nn_pool_params *p = params;
    if (p->kernel < 1 || p->kernel > 65536 || p->stride < 1 || p->stride > 65536 ||
        p->pad_left < 0 || p->pad_left >= p->kernel || p->pad_right < 0 ||
        p->pad_right >= p->kernel || !nn_act_ok(p->act_min, p->act_max))
        return NN_ERR_ARGUMENT;
    int32_t l_out = nn_pool_output_length(input_dims->l, p->kernel, p->stride, p->pad_left, p->pad_right);
    if (l_out < 1 || output_dims->t != input_dims->t || output_dims->l != l_out ||
        output_dims->c != input_dims->c)
        return NN_ERR_SHAPE;
    return NN_OK;
}

nn_status nn_maxpool1d_s8_ref_impl(NN_POOL_ARGS) {
    (void)ctx;
    const int32_t len = input_dims->l, ch = input_dims->c, l_out = output_dims->l;
    for (int32_t t = 0; t < input_dims->t; t++) {
        for (int32_t x = 0; x < l_out; x++) {
            int32_t start = x * params->stride - params->pad_left;
            for (int32_t c = 0; c < ch; c++) {
                int32_t m = INT32_MIN;
                for (int32_t k = 0; k < params->kernel; k++) {
                    int32_t pos = start + k;
                    if (pos < 0 || pos >= len) continue;
                    int32_t v = input[((int64_t)t * len + pos) * ch + c];
                    if (v > m) m = v;
                }
                output[((int64_t)t * l_out + x) * ch + c] =
                    (int8_t)nn_clamp(m, params->act_min, params->act_max);
            }
        }
    }
    return NN_OK;
}

nn_status nn_maxpool1d_s8_ref(NN_POOL_ARGS) {
    nn_status st = nn_pool_check(NN_POOL_PASS);
    return st != NN_OK ? st : nn_maxpool1d_s8_ref_impl(NN_POOL_PASS);
}
