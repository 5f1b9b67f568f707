#include "nn_internal.h"

nn_status nn_gru_s8_s16_check(NN_GRU_ARGS) {
    if (!params || !quant || !quant->input_multiplier || !quant->input_shift ||
        !quant->hidden_multiplier || !quant->hidden_shift || !input || !input_weights ||
        !hidden_weights || !state || !output || !input_weight_dims || !hidden_weight_dims)
        return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims)) return NN_ERR_SHAPE;
    const int32_t h = hidden_weight_dims->in_ch, d = input_dims->c;
    if (h < 1 || h > NN_MAX_GRU_HIDDEN || hidden_weight_dims->out_ch != 3 * h ||
        hidden_weight_dims->kernel != 1 || input_weight_dims->out_ch != 3 * h ||
        input_weight_dims->kernel != 1 || input_weight_dims->in_ch != d ||
        (int64_t)3 * h * d > NN_MAX_ELEMENTS || output_dims->t != input_dims->t ||
        output_dims->l != input_dims->l || output_dims->c != h)
        return NN_ERR_SHAPE;
    if (!nn_zp_ok(params->input_zero_point) || !nn_zp_ok(params->output_zero_point) ||
        !nn_requant_ok(params->output.multiplier, params->output.shift))
        return NN_ERR_ARGUMENT;
    for (int32_t j = 0; j < 3 * h; j++)
        if (!nn_requant_ok(quant->input_multiplier[j], quant->input_shift[j]) ||
            !nn_requant_ok(quant->hidden_multiplier[j], quant->hidden_shift[j]))
            return NN_ERR_ARGUMENT;
    if (!nn_scratch_ok(ctx, nn_gru_s8_s16_get_buffer_size(hidden_weight_dims))) return NN_ERR_BUFFER;
    return NN_OK;
}

nn_status nn_gru_s8_s16_ref(NN_GRU_ARGS) {
    nn_status st = nn_gru_s8_s16_check(NN_GRU_PASS);
    return st != NN_OK ? st : nn_gru_s8_s16_run(NN_GRU_PASS, 0);
}
