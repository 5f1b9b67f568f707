#include <math.h>

#include "nn_internal.h"

/* Shared by quantize and dequantize (all paths). */
nn_status nn_quant_f32_check(const nn_quant_f32 *quant, const nn_dims *input_dims,
                             const void *input, const nn_dims *output_dims, const void *output) {
    if (!quant || !input || !output || !(quant->scale > 0.0f) || !isfinite(quant->scale) ||
        !nn_zp_ok(quant->zero_point))
        return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims) || !nn_dims_equal(input_dims, output_dims))
        return NN_ERR_SHAPE;
    return NN_OK;
}

nn_status nn_quantize_f32_s8_ref_impl(NN_QUANT_ARGS(float, int8_t)) {
    (void)ctx;
    (void)output_dims;
    const int32_t n = nn_dims_count(input_dims);
    const float zp = (float)quant->zero_point;
    for (int32_t i = 0; i < n; i++) {
        float v = rintf(input[i] / quant->scale) + zp;
        if (isnan(v)) v = zp;
        v = v < -128.0f ? -128.0f : (v > 127.0f ? 127.0f : v);
        output[i] = (int8_t)(int32_t)v;
    }
    return NN_OK;
}

nn_status nn_quantize_f32_s8_ref(NN_QUANT_ARGS(float, int8_t)) {
    nn_status st = nn_quant_f32_check(quant, input_dims, input, output_dims, output);
    return st != NN_OK ? st : nn_quantize_f32_s8_ref_impl(NN_QUANT_PASS);
}
