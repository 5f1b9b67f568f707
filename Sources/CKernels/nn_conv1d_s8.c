#include "nn_internal.h"

int32_t nn_conv1d_s8_get_buffer_size(const nn_dims *input_dims, const nn_filter_dims *filter_dims) {
    (void)input_dims;
    if (!filter_dims || filter_dims->kernel < 1 || filter_dims->in_ch < 1 ||
        (int64_t)filter_dims->kernel * filter_dims->in_ch > NN_MAX_DOT)
        return 0;
    /* One int16 patch of kernel*in_ch (input minus zero point), padded for 16-lane loads. */
    return nn_align16(filter_dims->kernel * filter_dims->in_ch * 2 + 32);
}

nn_status nn_conv1d_s8(NN_CONV_ARGS) {
    nn_status st = nn_conv1d_s8_check(NN_CONV_PASS);
    if (st != NN_OK) return st;
    const nn_simd_kit *kit = nn_kit(nn_path(ctx));
    if (!kit) return nn_conv1d_s8_ref_impl(NN_CONV_PASS);
    if (!nn_scratch_ok(ctx, nn_conv1d_s8_get_buffer_size(input_dims, filter_dims)))
        return NN_ERR_BUFFER;
    return nn_conv1d_s8_simd(NN_CONV_PASS, kit);
}
