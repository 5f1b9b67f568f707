#include "nn_internal.h"

nn_status nn_avgpool1d_s8_ref_impl(NN_POOL_ARGS) {
    (void)ctx;
    const int32_t len = input_dims->l, ch = input_dims->c, l_out = output_dims->l;
    for (int32_t t = 0; t < input_dims->t; t++) {
        for (int32_t x = 0; x < l_out; x++) {
            int32_t start = x * params->stride - params->pad_left;
            for (int32_t c = 0; c < ch; c++) {
                int32_t sum = 0, count = 0;
                for (int32_t k = 0; k < params->kernel; k++) {
                    int32_t pos = start + k;
                    if (pos < 0 || pos >= len) continue;
                    sum += input[((int64_t)t * len + pos) * ch + c];
                    count++;
                }
                output[((int64_t)t * l_out + x) * ch + c] =
                    (int8_t)nn_clamp(nn_div_round(sum, count), params->act_min, params->act_max);
            }
        }
    }
    return NN_OK;
}

nn_status nn_avgpool1d_s8_ref(NN_POOL_ARGS) {
    nn_status st = nn_pool_check(NN_POOL_PASS);
    return st != NN_OK ? st : nn_avgpool1d_s8_ref_impl(NN_POOL_PASS);
}
