#include "nn_internal.h"

nn_status nn_global_avgpool_s8(NN_GAP_ARGS) {
    nn_status st = nn_global_avgpool_s8_check(NN_GAP_PASS);
    if (st != NN_OK) return st;
    const nn_simd_kit *kit = nn_kit(nn_path(ctx));
    return kit ? nn_global_avgpool_s8_simd(NN_GAP_PASS, kit) : nn_global_avgpool_s8_ref_impl(NN_GAP_PASS);
}
