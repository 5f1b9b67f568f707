#include "nn_internal.h"

int32_t nn_pool_output_length(int32_t length, int32_t kernel, int32_t stride, int32_t pad_left,
                              int32_t pad_right) {
    return nn_conv1d_output_length(length, kernel, stride, 1, pad_left, pad_right);
}
