#include "nn_internal.h"

nn_status nn_dequantize_s8_f32_ref_impl(NN_QUANT_ARGS(int8_t, float)) {
    (void)ctx;
    (void)output_dims;
    const int32_t n = nn_dims_count(input_dims);
    for (int32_t i = 0; i < n; i++) output[i] = (float)((int32_t)input[i] - quant->zero_point) * quant->scale;
    return NN_OK;
}

nn_status nn_dequantize_s8_f32_ref(NN_QUANT_ARGS(int8_t, float)) {
    nn_status st = nn_quant_f32_check(quant, input_dims, input, output_dims, output);
    return st != NN_OK ? st : nn_dequantize_s8_f32_ref_impl(NN_QUANT_PASS);
}
