#include "nn_internal.h"

int32_t nn_conv1d_output_length(int32_t length, int32_t kernel, int32_t stride, int32_t dilation,
                                int32_t pad_left, int32_t pad_right) {
    if (length < 1 || kernel < 1 || stride < 1 || dilation < 1 || pad_left < 0 || pad_right < 0)
        return 0;
    int64_t span = (int64_t)dilation * (kernel - 1) + 1;
    int64_t padded = (int64_t)length + pad_left + pad_right;
    if (padded < span) return 0;
    int64_t n = (padded - span) / stride + 1;
    return n > INT32_MAX ? 0 : (int32_t)n;
}
