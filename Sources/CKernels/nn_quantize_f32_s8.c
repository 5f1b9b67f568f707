#include "nn_internal.h"

nn_status nn_quantize_f32_s8(NN_QUANT_ARGS(float, int8_t)) {
    nn_status st = nn_quant_f32_check(quant, input_dims, input, output_dims, output);
    if (st != NN_OK) return st;
    switch (nn_path(ctx)) {
#if NN_HAVE_AVX2
    case NN_ISA_AVX2:
        return nn_quantize_f32_s8_avx2(NN_QUANT_PASS);
#endif
#if NN_HAVE_NEON
    case NN_ISA_NEON:
        return nn_quantize_f32_s8_neon(NN_QUANT_PASS);
#endif
    default:
        return nn_quantize_f32_s8_ref_impl(NN_QUANT_PASS);
    }
}
