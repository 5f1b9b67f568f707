#include "nn_internal.h"

nn_status nn_conv1d_s8_check(NN_CONV_ARGS) {
    (void)ctx;
    if (!params || !quant || !input || !filter || !output || !filter_dims) return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims)) return NN_ERR_SHAPE;
    const nn_conv_params *p = params;
    if (!nn_zp_ok(p->input_zero_point) || !nn_zp_ok(p->output_zero_point) ||
        !nn_act_ok(p->act_min, p->act_max) || p->stride < 1 || p->stride > 65536 ||
        p->dilation < 1 || p->dilation > 65536)
        return NN_ERR_ARGUMENT;
    const nn_filter_dims *f = filter_dims;
    if (f->out_ch < 1 || f->kernel < 1 || f->kernel > NN_MAX_KERNEL || f->in_ch != input_dims->c ||
        (int64_t)f->kernel * f->in_ch > NN_MAX_DOT || (int64_t)f->out_ch * f->kernel * f->in_ch > NN_MAX_ELEMENTS)
        return NN_ERR_SHAPE;
    int64_t span = (int64_t)p->dilation * (f->kernel - 1);
    if (p->pad_left < 0 || p->pad_right < 0 || p->pad_left > span || p->pad_right > span)
        return NN_ERR_ARGUMENT;
    int32_t l_out = nn_conv1d_output_length(input_dims->l, f->kernel, p->stride, p->dilation,
                                            p->pad_left, p->pad_right);
    if (l_out < 1 || output_dims->t != input_dims->t || output_dims->l != l_out ||
        output_dims->c != f->out_ch)
        return NN_ERR_SHAPE;
    if (!nn_per_channel_ok(quant, f->out_ch)) return NN_ERR_ARGUMENT;
    return NN_OK;
}

nn_status nn_conv1d_s8_ref_impl(NN_CONV_ARGS) {
    (void)ctx;
    const int32_t len = input_dims->l, cin = input_dims->c;
    const int32_t cout = filter_dims->out_ch, kernel = filter_dims->kernel;
    const int32_t l_out = output_dims->l;
    const int32_t zp = params->input_zero_point;
    for (int32_t t = 0; t < input_dims->t; t++) {
        const int8_t *in_t = input + (int64_t)t * len * cin;
        int8_t *out_t = output + (int64_t)t * l_out * cout;
        for (int32_t x = 0; x < l_out; x++) {
            for (int32_t o = 0; o < cout; o++) {
                int32_t acc = 0;
                for (int32_t k = 0; k < kernel; k++) {
                    int32_t pos = x * params->stride - params->pad_left + k * params->dilation;
                    if (pos < 0 || pos >= len) continue;
                    const int8_t *xi = in_t + (int64_t)pos * cin;
                    const int8_t *wk = filter + ((int64_t)o * kernel + k) * cin;
                    for (int32_t i = 0; i < cin; i++) acc += ((int32_t)xi[i] - zp) * wk[i];
                }
                acc = nn_sat32((int64_t)acc + (bias ? bias[o] : 0));
                int32_t v = nn_rq(acc, quant->multiplier[o], quant->shift[o]);
                out_t[(int64_t)x * cout + o] = (int8_t)nn_add_zp_clamp(v, params->output_zero_point, params->act_min, params->act_max);
            }
        }
    }
    return NN_OK;
}

nn_status nn_conv1d_s8_ref(NN_CONV_ARGS) {
    nn_status st = nn_conv1d_s8_check(NN_CONV_PASS);
    return st != NN_OK ? st : nn_conv1d_s8_ref_impl(NN_CONV_PASS);
}
