/* The GRU layer loop shared by every path: per step, the two matrix-vector products (plain C
 * loops, or the ISA kit's exact dot products), then the gate math of docs/quantization.md (the
 * scalar definition below, or the kit's vector version where it has one). */
#include "nn_internal.h"

static inline int16_t gate_pre(int64_t sum, const int32_t *bias, int32_t j, int32_t m, int32_t s) {
    return nn_sat16(nn_rq(nn_sat32(sum + (bias ? bias[j] : 0)), m, s));
}

static void matvec(const nn_gru_quant *q, int32_t zp, int32_t d, int32_t h, const int8_t *x,
                   const int8_t *w_ih, const int8_t *w_hh, const int32_t *b_ih, const int32_t *b_hh,
                   const int16_t *state, int16_t *gi, int16_t *gh, const nn_simd_kit *kit) {
    const int32_t rows = 3 * h;
    int32_t j = 0;
    if (kit && d <= NN_MAX_DOT) { /* longer inputs take the plain loops below (64-bit sums) */
        int32_t ai[NN_FINISH_BLOCK], ah[NN_FINISH_BLOCK];
        for (; j + 4 <= rows; j += NN_FINISH_BLOCK) {
            const int32_t nb = (rows - j < NN_FINISH_BLOCK ? rows - j : NN_FINISH_BLOCK) & ~3;
            for (int32_t r = 0; r < nb; r += 4) {
                kit->dot4_s8zp_s8(x, zp, w_ih + (int64_t)(j + r) * d, d, d, ai + r);
                kit->dot4_s16_s8(state, w_hh + (int64_t)(j + r) * h, h, h, ah + r);
            }
            kit->finish_s32_s16(ai, b_ih ? b_ih + j : NULL, q->input_multiplier + j, q->input_shift + j, nb, gi + j);
            kit->finish_s32_s16(ah, b_hh ? b_hh + j : NULL, q->hidden_multiplier + j, q->hidden_shift + j, nb, gh + j);
            if (nb < NN_FINISH_BLOCK) {
                j += nb;
                break;
            }
        }
    }
    for (; j < rows; j++) {
        const int8_t *wi = w_ih + (int64_t)j * d, *wh = w_hh + (int64_t)j * h;
        int64_t ai = 0;
        int32_t ah = 0;
        for (int32_t i = 0; i < d; i++) ai += ((int32_t)x[i] - zp) * wi[i];
        for (int32_t k = 0; k < h; k++) ah += (int32_t)state[k] * wh[k];
        gi[j] = gate_pre(ai, b_ih, j, q->input_multiplier[j], q->input_shift[j]);
        gh[j] = gate_pre(ah, b_hh, j, q->hidden_multiplier[j], q->hidden_shift[j]);
    }
}

void nn_gru_gates_scalar(const nn_gru_params *p, int32_t h, int32_t j0, const int16_t *gi,
                         const int16_t *gh, int16_t *state, int8_t *out) {
    for (int32_t j = j0; j < h; j++) {
        int32_t r = nn_table_lookup(NN_SIGMOID_TABLE, nn_sat16((int32_t)gi[j] + gh[j]));
        int32_t z = nn_table_lookup(NN_SIGMOID_TABLE, nn_sat16((int32_t)gi[h + j] + gh[h + j]));
        int32_t rn = (r * gh[2 * h + j] + (1 << 14)) >> 15;
        int32_t n = nn_table_lookup(NN_TANH_TABLE, nn_sat16((int32_t)gi[2 * h + j] + rn));
        int32_t hv = n + ((z * ((int32_t)state[j] - n) + (1 << 14)) >> 15);
        hv = nn_clamp(hv, -32767, 32767);
        state[j] = (int16_t)hv;
        int32_t o = nn_rq(hv, p->output.multiplier, p->output.shift);
        out[j] = (int8_t)nn_add_zp_clamp(o, p->output_zero_point, -128, 127);
    }
}

nn_status nn_gru_s8_s16_run(NN_GRU_ARGS, const nn_simd_kit *kit) {
    (void)input_weight_dims;
    (void)output_dims;
    const int32_t h = hidden_weight_dims->in_ch, d = input_dims->c;
    const int32_t steps = input_dims->t * input_dims->l;
    int16_t *gi = (int16_t *)ctx->buf, *gh = gi + 3 * h;
    for (int32_t s = 0; s < steps; s++) {
        matvec(quant, params->input_zero_point, d, h, input + (int64_t)s * d, input_weights,
               hidden_weights, input_bias, hidden_bias, state, gi, gh, kit);
        if (kit && kit->gru_gates)
            kit->gru_gates(params, h, gi, gh, state, output + (int64_t)s * h);
        else
            nn_gru_gates_scalar(params, h, 0, gi, gh, state, output + (int64_t)s * h);
    }
    return NN_OK;
}
