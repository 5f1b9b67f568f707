#include "nn_internal.h"

int32_t nn_dense_s8_get_buffer_size(const nn_dims *input_dims, const nn_filter_dims *filter_dims) {
    (void)input_dims;
    (void)filter_dims;
    return 0;
}

nn_status nn_dense_s8(NN_DENSE_ARGS) {
    nn_status st = nn_dense_s8_check(NN_DENSE_PASS);
    if (st != NN_OK) return st;
    const nn_simd_kit *kit = nn_kit(nn_path(ctx));
    return kit ? nn_dense_s8_simd(NN_DENSE_PASS, kit) : nn_dense_s8_ref_impl(NN_DENSE_PASS);
}
