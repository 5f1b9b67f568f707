#include "nn_internal.h"

nn_status nn_add_s8_check(NN_ADD_ARGS) {
    (void)ctx;
    if (!params || !input1 || !input2 || !output) return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input1_dims) || !nn_dims_ok(input2_dims) || !nn_dims_ok(output_dims) ||
        !nn_dims_equal(input1_dims, input2_dims) || !nn_dims_equal(input1_dims, output_dims))
        return NN_ERR_SHAPE;
    const nn_add_params *p = params;
    if (!nn_zp_ok(p->input1_zero_point) || !nn_zp_ok(p->input2_zero_point) ||
        !nn_zp_ok(p->output_zero_point) || p->left_shift < 0 || p->left_shift > 20 ||
        !nn_requant_ok(p->input1.multiplier, p->input1.shift) || p->input1.shift > 0 ||
        !nn_requant_ok(p->input2.multiplier, p->input2.shift) || p->input2.shift > 0 ||
        !nn_requant_ok(p->output.multiplier, p->output.shift) || !nn_act_ok(p->act_min, p->act_max))
        return NN_ERR_ARGUMENT;
    return NN_OK;
}

nn_status nn_add_s8_ref_impl(NN_ADD_ARGS) {
    (void)ctx;
    (void)input2_dims;
    (void)output_dims;
    const nn_add_params *p = params;
    const int32_t n = nn_dims_count(input1_dims);
    for (int32_t i = 0; i < n; i++) output[i] = nn_add_element(p, input1[i], input2[i]);
    return NN_OK;
}

nn_status nn_add_s8_ref(NN_ADD_ARGS) {
    nn_status st = nn_add_s8_check(NN_ADD_PASS);
    return st != NN_OK ? st : nn_add_s8_ref_impl(NN_ADD_PASS);
}
