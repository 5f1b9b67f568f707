#include "nn_internal.h"

nn_status nn_global_avgpool_s8_check(NN_GAP_ARGS) {
    (void)ctx;
    if (!input || !output) return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims)) return NN_ERR_SHAPE;
    if (output_dims->t != input_dims->t || output_dims->l != 1 || output_dims->c != input_dims->c)
        return NN_ERR_SHAPE;
    return NN_OK;
}

nn_status nn_global_avgpool_s8_ref_impl(NN_GAP_ARGS) {
    (void)ctx;
    (void)output_dims;
    const int32_t len = input_dims->l, ch = input_dims->c;
    for (int32_t t = 0; t < input_dims->t; t++) {
        for (int32_t c = 0; c < ch; c++) {
            int32_t sum = 0;
            for (int32_t l = 0; l < len; l++) sum += input[((int64_t)t * len + l) * ch + c];
            output[(int64_t)t * ch + c] = (int8_t)nn_div_round(sum, len);
        }
    }
    return NN_OK;
}

nn_status nn_global_avgpool_s8_ref(NN_GAP_ARGS) {
    nn_status st = nn_global_avgpool_s8_check(NN_GAP_PASS);
    return st != NN_OK ? st : nn_global_avgpool_s8_ref_impl(NN_GAP_PASS);
}
