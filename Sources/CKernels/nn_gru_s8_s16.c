#include "nn_internal.h"

int32_t nn_gru_s8_s16_get_buffer_size(const nn_filter_dims *hidden_weight_dims) {
    if (!hidden_weight_dims || hidden_weight_dims->in_ch < 1 ||
        hidden_weight_dims->in_ch > NN_MAX_GRU_HIDDEN)
        return 0;
    return nn_align16(6 * hidden_weight_dims->in_ch * (int32_t)sizeof(int16_t));
}

nn_status nn_gru_s8_s16(NN_GRU_ARGS) {
    nn_status st = nn_gru_s8_s16_check(NN_GRU_PASS);
    return st != NN_OK ? st : nn_gru_s8_s16_run(NN_GRU_PASS, nn_kit(nn_path(ctx)));
}
