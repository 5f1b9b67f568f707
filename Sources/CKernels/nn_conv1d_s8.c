#include "nn_internal.h"

int32_t nn_conv1d_s8_get_buffer_size(const nn_dims *input_dims, const nn_filter_dims *filter_dims) {
    (void)input_dims;
    if (!filter_dims || filter_dims->kernel < 1 || filter_dims->in_ch < 1 || filter_dims->out_ch < 1 ||
        (int64_t)filter_dims->kernel * filter_dims->in_ch > NN_MAX_DOT)
        return 0;
    /* An int16 patch (input minus zero point, zero-padded to a multiple of 16), plus the weights
     * repacked as int16 rows of the same padded length when they fit NN_CONV_PACKED_MAX bytes. */
    int32_t n16 = nn_align16(filter_dims->kernel * filter_dims->in_ch);
    int64_t packed = (int64_t)filter_dims->out_ch * n16 * 2;
    return nn_align16(n16 * 2 + 32) + (packed <= NN_CONV_PACKED_MAX ? (int32_t)packed : 0);
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
