#include "nn_internal.h"

nn_status nn_softmax_s8_f32(NN_SOFTMAX_ARGS(float)) {
    nn_status st = nn_softmax_check(exp_table, input_dims, input, output_dims, output);
    if (st != NN_OK) return st;
    nn_softmax_s8_f32_rows(NN_SOFTMAX_PASS, nn_kit(nn_path(ctx)));
    return NN_OK;
}
