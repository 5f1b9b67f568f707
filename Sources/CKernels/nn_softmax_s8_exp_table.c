#include <math.h>

#include "nn_internal.h"

nn_status nn_softmax_s8_exp_table(double input_scale, int32_t table[256]) {
    if (!table || !(input_scale > 0.0) || !isfinite(input_scale)) return NN_ERR_ARGUMENT;
    for (int d = 0; d < 256; d++)
        table[d] = (int32_t)floor(1048576.0 * exp(-(double)d * input_scale) + 0.5);
    return NN_OK;
}
