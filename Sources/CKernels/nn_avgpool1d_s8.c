#include "nn_internal.h"

nn_status nn_avgpool1d_s8(NN_POOL_ARGS) {
    nn_status st = nn_pool_check(NN_POOL_PASS);
    if (st != NN_OK) return st;
    const nn_simd_kit *kit = nn_kit(nn_path(ctx));
    return kit ? nn_avgpool1d_s8_simd(NN_POOL_PASS, kit) : nn_avgpool1d_s8_ref_impl(NN_POOL_PASS);
}
