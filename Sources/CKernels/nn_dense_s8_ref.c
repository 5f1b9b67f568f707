#include "nn_internal.h"

nn_status nn_dense_s8_check(NN_DENSE_ARGS) {
    (void)ctx;
    if (!params || !quant || !input || !filter || !output || !filter_dims) return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims)) return NN_ERR_SHAPE;
    if (!nn_zp_ok(params->input_zero_point) || !nn_zp_ok(params->output_zero_point) ||
        !nn_act_ok(params->act_min, params->act_max))
        return NN_ERR_ARGUMENT;
    const nn_filter_dims *f = filter_dims;
    if (f->out_ch < 1 || f->kernel != 1 || f->in_ch != input_dims->c ||
        (int64_t)f->out_ch * f->in_ch > NN_MAX_ELEMENTS || output_dims->t != input_dims->t ||
        output_dims->l != input_dims->l || output_dims->c != f->out_ch)
        return NN_ERR_SHAPE;
    if (!nn_per_channel_ok(quant, f->out_ch)) return NN_ERR_ARGUMENT;
    return NN_OK;
}

nn_status nn_dense_s8_ref_impl(NN_DENSE_ARGS) {
    (void)ctx;
    const int32_t rows = input_dims->t * input_dims->l, cin = input_dims->c;
    const int32_t cout = filter_dims->out_ch, zp = params->input_zero_point;
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = input + (int64_t)r * cin;
        for (int32_t o = 0; o < cout; o++) {
            const int8_t *w = filter + (int64_t)o * cin;
            int64_t sum = 0; /* c_in may exceed NN_MAX_DOT: the exact sum can leave int32 */
            for (int32_t i = 0; i < cin; i++) sum += ((int32_t)x[i] - zp) * w[i];
            int32_t acc = nn_sat32(sum + (bias ? bias[o] : 0));
            int32_t v = nn_rq(acc, quant->multiplier[o], quant->shift[o]);
            output[(int64_t)r * cout + o] = (int8_t)nn_add_zp_clamp(v, params->output_zero_point, params->act_min, params->act_max);
        }
    }
    return NN_OK;
}

nn_status nn_dense_s8_ref(NN_DENSE_ARGS) {
    nn_status st = nn_dense_s8_check(NN_DENSE_PASS);
    return st != NN_OK ? st : nn_dense_s8_ref_impl(NN_DENSE_PASS);
}
