#include "nn_internal.h"

nn_status nn_add_s8(NN_ADD_ARGS) {
    nn_status st = nn_add_s8_check(NN_ADD_PASS);
    if (st != NN_OK) return st;
    switch (nn_path(ctx)) {
#if NN_HAVE_AVX2
    case NN_ISA_AVX2:
        return nn_add_s8_avx2(NN_ADD_PASS);
#endif
#if NN_HAVE_NEON
    case NN_ISA_NEON:
        return nn_add_s8_neon(NN_ADD_PASS);
#endif
    default:
        return nn_add_s8_ref_impl(NN_ADD_PASS);
    }
}
