/* Argument checking: bad inputs return the documented status and leave the output untouched. */
#include <string.h>

#include "check.h"

void test_errors(test_tally *t, nn_isa isa) {
    static int8_t x[64], w[64], out[64];
    static int32_t mult[8] = {1 << 30, 1 << 30, 1 << 30, 1 << 30}, shift[8];
    static _Alignas(16) unsigned char scratch[4096];
    nn_context ctx = {isa, scratch, sizeof scratch}, tiny = {isa, scratch, 2};
    nn_per_channel_quant q = {mult, shift};
    nn_conv_params cp = {0, 0, 1, 1, 0, 0, -128, 127};
    nn_dims in = {1, 8, 2}, od = {1, 6, 4};
    nn_filter_dims fd = {4, 3, 2};
    memset(out, 0x33, sizeof out);

    CHECK(t, nn_conv1d_s8(&ctx, &cp, &q, &in, x, &fd, w, NULL, &od, out) == NN_OK, "valid conv1d");
    memset(out, 0x33, sizeof out);
    nn_dims bad_out = {1, 7, 4};
    CHECK(t, nn_conv1d_s8(&ctx, &cp, &q, &in, x, &fd, w, NULL, &bad_out, out) == NN_ERR_SHAPE, "wrong l_out");
    nn_filter_dims bad_f = {4, 3, 3};
    CHECK(t, nn_conv1d_s8_ref(&ctx, &cp, &q, &in, x, &bad_f, w, NULL, &od, out) == NN_ERR_SHAPE, "in_ch mismatch");
    nn_conv_params bad_p = cp;
    bad_p.stride = 0;
    CHECK(t, nn_conv1d_s8(&ctx, &bad_p, &q, &in, x, &fd, w, NULL, &od, out) == NN_ERR_ARGUMENT, "stride 0");
    bad_p = cp, bad_p.input_zero_point = 128;
    CHECK(t, nn_conv1d_s8(&ctx, &bad_p, &q, &in, x, &fd, w, NULL, &od, out) == NN_ERR_ARGUMENT, "zp 128");
    bad_p = cp, bad_p.act_min = 10, bad_p.act_max = 5;
    CHECK(t, nn_conv1d_s8(&ctx, &bad_p, &q, &in, x, &fd, w, NULL, &od, out) == NN_ERR_ARGUMENT, "act_min > act_max");
    shift[1] = 31;
    CHECK(t, nn_conv1d_s8(&ctx, &cp, &q, &in, x, &fd, w, NULL, &od, out) == NN_ERR_ARGUMENT, "shift 31");
    shift[1] = 0;
    CHECK(t, nn_conv1d_s8(&ctx, &cp, &q, &in, NULL, &fd, w, NULL, &od, out) == NN_ERR_ARGUMENT, "NULL input");
    nn_dims zero = {1, 0, 2};
    CHECK(t, nn_conv1d_s8(&ctx, &cp, &q, &zero, x, &fd, w, NULL, &od, out) == NN_ERR_SHAPE, "zero length");
    nn_filter_dims big_k = {4, 65, 1};
    nn_dims in1 = {1, 80, 1}, od1 = {1, 16, 4};
    CHECK(t, nn_conv1d_s8(&ctx, &cp, &q, &in1, x, &big_k, w, NULL, &od1, out) == NN_ERR_SHAPE, "kernel 65");
    if (isa != NN_ISA_REF)
        CHECK(t, nn_conv1d_s8(&tiny, &cp, &q, &in, x, &fd, w, NULL, &od, out) == NN_ERR_BUFFER, "small scratch");
    int untouched = 1;
    for (int i = 0; i < 64; i++) untouched &= out[i] == 0x33;
    CHECK(t, untouched, "rejected calls wrote the output");

    nn_gru_params gp = {0, 0, {1 << 30, 0}};
    int32_t gm[24], gs[24] = {0};
    for (int i = 0; i < 24; i++) gm[i] = 1 << 30;
    nn_gru_quant gq = {gm, gs, gm, gs};
    int16_t state[8] = {0};
    nn_dims gin = {2, 1, 4}, gout = {2, 1, 8};
    nn_filter_dims wi = {24, 1, 4}, wh = {24, 1, 8};
    static int8_t gw[256];
    CHECK(t, nn_gru_s8_s16(NULL, &gp, &gq, &gin, x, &wi, gw, &wh, gw, NULL, NULL, state, &gout, out) == NN_ERR_BUFFER,
          "GRU without scratch");
    CHECK(t, nn_gru_s8_s16(&ctx, &gp, &gq, &gin, x, &wi, gw, &wh, gw, NULL, NULL, state, &gout, out) == NN_OK,
          "GRU valid");
    nn_filter_dims wh_bad = {21, 1, 7};
    CHECK(t, nn_gru_s8_s16_ref(&ctx, &gp, &gq, &gin, x, &wi, gw, &wh_bad, gw, NULL, NULL, state, &gout, out) == NN_ERR_SHAPE,
          "GRU hidden mismatch");

    int32_t table[256];
    CHECK(t, nn_softmax_s8_exp_table(0.0, table) == NN_ERR_ARGUMENT, "softmax scale 0");
    CHECK(t, nn_softmax_s8_exp_table(0.1, table) == NN_OK && table[0] == 1 << 20, "softmax table[0] = 2^20");
    table[5] = table[4] + 1;
    nn_dims sd = {1, 1, 4};
    CHECK(t, nn_softmax_s8(&ctx, table, &sd, x, &sd, out) == NN_ERR_ARGUMENT, "non-monotonic exp table");

    nn_quant_f32 qf = {0.0f, 0};
    float f[4] = {0};
    CHECK(t, nn_quantize_f32_s8(&ctx, &qf, &sd, f, &sd, out) == NN_ERR_ARGUMENT, "quantize scale 0");
    int32_t m, s;
    CHECK(t, nn_quantize_multiplier(1e-20, &m, &s) == NN_ERR_ARGUMENT, "multiplier out of range");
    CHECK(t, nn_quantize_multiplier(0.75, &m, &s) == NN_OK && m == 1610612736 && s == 0, "0.75 -> 3*2^29, 0");
    CHECK(t, nn_requantize(100, 1 << 30, 0) == 50 && nn_requantize(-3, 1 << 30, 0) == -1 &&
             nn_requantize(3, 1 << 30, 0) == 2 && nn_requantize(INT32_MAX, INT32_MAX, 1) == 2147483646,
          "hand requantize values (0.5 x: 100->50, -1.5->-1, 1.5->2; saturating left shift)");
    CHECK(t, strcmp(nn_status_string(NN_ERR_SHAPE), "shape mismatch") == 0, "status string");

    /* dense rows longer than NN_MAX_DOT: exact 64-bit sums, hand-checked on both paths */
    enum { LONG = 100000 };
    static int8_t lx[LONG], lw[2 * LONG];
    int8_t lout[2] = {0, 0}, lref[2] = {0, 0};
    for (int i = 0; i < LONG; i++) lx[i] = -128;
    /* row 0: every term (-128-127)*(-128) = 32640, exact sum 3.264e9 > INT32_MAX: saturates;
     * row 1: 32640 for the first 65536 terms, (-255)*127 = -32385 for the other 34464:
     *        sum = 2139095040 - 1116116640 = 1022978400 */
    for (int i = 0; i < LONG; i++) lw[i] = -128, lw[LONG + i] = i < 65536 ? -128 : 127;
    int32_t lm[2] = {1 << 30, 1 << 30}, ls[2] = {-24, -24};
    nn_per_channel_quant lq = {lm, ls};
    nn_dense_params dp = {127, 0, -128, 127};
    nn_dims ldims = {1, 1, LONG}, lodims = {1, 1, 2};
    nn_filter_dims lfd = {2, 1, LONG};
    nn_status s1 = nn_dense_s8(&ctx, &dp, &lq, &ldims, lx, &lfd, lw, NULL, &lodims, lout);
    nn_status s2 = nn_dense_s8_ref(&ctx, &dp, &lq, &ldims, lx, &lfd, lw, NULL, &lodims, lref);
    /* factor 2^30 * 2^(-24-31) = 2^-25: INT32_MAX -> 63.99999997 -> 64; 1022978400 -> 30.487 -> 30 */
    CHECK(t, s1 == NN_OK && s2 == NN_OK && lout[0] == 64 && lref[0] == 64 && lout[1] == 30 && lref[1] == 30,
          "long dense rows: got %d/%d and %d/%d, want 64 and 30", lout[0], lref[0], lout[1], lref[1]);
}
