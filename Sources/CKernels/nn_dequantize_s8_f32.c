#include "nn_internal.h"

nn_status nn_dequantize_s8_f32(NN_QUANT_ARGS(int8_t, float)) {
    nn_status st = nn_quant_f32_check(quant, input_dims, input, output_dims, output);
    if (st != NN_OK) return st;
    switch (nn_path(ctx)) {
#if NN_HAVE_AVX2
    case NN_ISA_AVX2:
        return nn_dequantize_s8_f32_avx2(NN_QUANT_PASS);
#endif
#if NN_HAVE_NEON
    case NN_ISA_NEON:
        return nn_dequantize_s8_f32_neon(NN_QUANT_PASS);
#endif
    default:
        return nn_dequantize_s8_f32_ref_impl(NN_QUANT_PASS);
    }
}
