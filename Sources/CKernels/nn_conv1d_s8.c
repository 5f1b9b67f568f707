#include "nn_internal.h"

/* Scratch the SIMD path cannot do without: an int16 patch (input minus zero point, zero-padded to a
 * multiple of 16), plus the weights repacked as int16 rows of the same padded length when they fit
 * NN_CONV_PACKED_MAX bytes. 0 for arguments the kernel rejects. */
int32_t nn_conv1d_s8_min_buffer_size(const nn_filter_dims *filter_dims) {
    if (!filter_dims || filter_dims->kernel < 1 || filter_dims->in_ch < 1 || filter_dims->out_ch < 1 ||
        (int64_t)filter_dims->kernel * filter_dims->in_ch > NN_MAX_DOT)
        return 0;
    int32_t n16 = nn_align16(filter_dims->kernel * filter_dims->in_ch);
    int64_t packed = (int64_t)filter_dims->out_ch * n16 * 2;
    return nn_align16(n16 * 2 + 32) + (packed <= NN_CONV_PACKED_MAX ? (int32_t)packed : 0);
}

int32_t nn_conv1d_s8_get_buffer_size(const nn_dims *input_dims, const nn_filter_dims *filter_dims) {
    int32_t base = nn_conv1d_s8_min_buffer_size(filter_dims);
    if (base == 0 || !input_dims || input_dims->l < 1) return base;
    /* Plus one int16 row per time step (input minus zero point with room for padding up to
     * 2·kernel positions and a 16-element zero tail), so that with dilation 1 every patch is a
     * window of that row instead of a copy (NN_CONV_ROW_BYTES). */
    int64_t total = (int64_t)base + NN_CONV_ROW_BYTES(input_dims->l + 2 * filter_dims->kernel, filter_dims->in_ch);
    return total <= INT32_MAX ? (int32_t)total : base;
}

nn_status nn_conv1d_s8(NN_CONV_ARGS) {
    nn_status st = nn_conv1d_s8_check(NN_CONV_PASS);
    if (st != NN_OK) return st;
    const nn_simd_kit *kit = nn_kit(nn_path(ctx));
    if (!kit) return nn_conv1d_s8_ref_impl(NN_CONV_PASS);
    if (!nn_scratch_ok(ctx, nn_conv1d_s8_min_buffer_size(filter_dims)))
        return NN_ERR_BUFFER;
    return nn_conv1d_s8_simd(NN_CONV_PASS, kit);
}
