/* Every kernel, on both paths, against the golden vectors of the numpy reference (qref.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "golden.h"

#define MAXN (1 << 20)

static nn_dims dims_of(const golden_case *c, const char *key) {
    int32_t n;
    const int64_t *v = golden_get(c, key, &n);
    nn_dims d = {0, 0, 0};
    if (v && n == 3) d = (nn_dims){(int32_t)v[0], (int32_t)v[1], (int32_t)v[2]};
    return d;
}

/* Compare n int8 outputs with a golden key. */
static void expect_i8(test_tally *t, const golden_case *c, const char *key, const int8_t *got,
                      int32_t n, const char *path) {
    int32_t cnt;
    const int64_t *v = golden_get(c, key, &cnt);
    int bad = -1;
    if (!v || cnt != n) {
        CHECK(t, 0, "%s %s/%s: key %s has %d values, expected %d", path, c->op, c->name, key, cnt, n);
        return;
    }
    for (int32_t i = 0; i < n && bad < 0; i++)
        if (got[i] != v[i]) bad = i;
    CHECK(t, bad < 0, "%s %s/%s: %s[%d] = %d, golden %lld", path, c->op, c->name, key, bad,
          bad < 0 ? 0 : got[bad], bad < 0 ? 0LL : (long long)v[bad]);
}

static void expect_bits(test_tally *t, const golden_case *c, const char *key, const float *got,
                        int32_t n, const char *path) {
    int32_t cnt;
    const int64_t *v = golden_get(c, key, &cnt);
    int bad = -1;
    for (int32_t i = 0; v && cnt == n && i < n && bad < 0; i++) {
        uint32_t b;
        memcpy(&b, &got[i], 4);
        if (b != (uint32_t)v[i]) bad = i;
    }
    CHECK(t, v && cnt == n && bad < 0, "%s %s/%s: %s differs at %d", path, c->op, c->name, key, bad);
}

typedef struct {
    int8_t *i8a, *i8b, *i8c, *out, *out_ref;
    int16_t *state, *state_ref;
    int32_t *i32a, *i32b, *i32c, *i32d, *i32e;
    float *fa, *fb, *fc;
    void *scratch;
} bufs;

/* multiplier/shift/bias/input/filter of a conv1d or dense case into the buffers. */
static nn_per_channel_quant load_weighted(const golden_case *c, bufs *b) {
    golden_i32(c, "multiplier", b->i32a, MAXN);
    golden_i32(c, "shift", b->i32b, MAXN);
    golden_i32(c, "bias", b->i32c, MAXN);
    golden_i8(c, "input", b->i8a, MAXN);
    golden_i8(c, "filter", b->i8b, MAXN);
    return (nn_per_channel_quant){b->i32a, b->i32b};
}

static void run_conv(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b) {
    nn_dims in = dims_of(c, "dims"), out = dims_of(c, "output_dims");
    nn_dims fd3 = dims_of(c, "filter_dims");
    nn_filter_dims fd = {fd3.t, fd3.l, fd3.c};
    int32_t p[8];
    golden_i32(c, "params", p, 8);
    nn_conv_params params = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]};
    nn_per_channel_quant q = load_weighted(c, b);
    nn_status s1 = nn_conv1d_s8(ctx, &params, &q, &in, b->i8a, &fd, b->i8b, b->i32c, &out, b->out);
    nn_status s2 = nn_conv1d_s8_ref(ctx, &params, &q, &in, b->i8a, &fd, b->i8b, b->i32c, &out, b->out_ref);
    CHECK(t, s1 == NN_OK && s2 == NN_OK, "conv1d/%s status %d %d", c->name, s1, s2);
    expect_i8(t, c, "output", b->out, out.t * out.l * out.c, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, out.t * out.l * out.c, "ref");
}

static void run_dense(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b) {
    nn_dims in = dims_of(c, "dims"), out = dims_of(c, "output_dims");
    nn_dims fd3 = dims_of(c, "filter_dims");
    nn_filter_dims fd = {fd3.t, fd3.l, fd3.c};
    int32_t p[4];
    golden_i32(c, "params", p, 4);
    nn_dense_params params = {p[0], p[1], p[2], p[3]};
    nn_per_channel_quant q = load_weighted(c, b);
    nn_status s1 = nn_dense_s8(ctx, &params, &q, &in, b->i8a, &fd, b->i8b, b->i32c, &out, b->out);
    nn_status s2 = nn_dense_s8_ref(ctx, &params, &q, &in, b->i8a, &fd, b->i8b, b->i32c, &out, b->out_ref);
    CHECK(t, s1 == NN_OK && s2 == NN_OK, "dense/%s status %d %d", c->name, s1, s2);
    expect_i8(t, c, "output", b->out, out.t * out.l * out.c, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, out.t * out.l * out.c, "ref");
}

typedef nn_status (*pool_fn)(const nn_context *, const nn_pool_params *, const nn_dims *,
                             const int8_t *, const nn_dims *, int8_t *);

static void run_pool(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b, pool_fn opt,
                     pool_fn ref) {
    nn_dims in = dims_of(c, "dims"), out = dims_of(c, "output_dims");
    int32_t p[6];
    golden_i32(c, "params", p, 6);
    nn_pool_params params = {p[0], p[1], p[2], p[3], p[4], p[5]};
    golden_i8(c, "input", b->i8a, MAXN);
    nn_status s1 = opt(ctx, &params, &in, b->i8a, &out, b->out);
    nn_status s2 = ref(ctx, &params, &in, b->i8a, &out, b->out_ref);
    CHECK(t, s1 == NN_OK && s2 == NN_OK, "%s/%s status %d %d", c->op, c->name, s1, s2);
    expect_i8(t, c, "output", b->out, out.t * out.l * out.c, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, out.t * out.l * out.c, "ref");
}

static void run_gap(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b) {
    nn_dims in = dims_of(c, "dims"), out = dims_of(c, "output_dims");
    golden_i8(c, "input", b->i8a, MAXN);
    nn_status s1 = nn_global_avgpool_s8(ctx, &in, b->i8a, &out, b->out);
    nn_status s2 = nn_global_avgpool_s8_ref(ctx, &in, b->i8a, &out, b->out_ref);
    CHECK(t, s1 == NN_OK && s2 == NN_OK, "global_avgpool/%s status %d %d", c->name, s1, s2);
    expect_i8(t, c, "output", b->out, out.t * out.c, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, out.t * out.c, "ref");
}

static void run_add(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b) {
    nn_dims d = dims_of(c, "dims");
    int32_t p[12];
    golden_i32(c, "params", p, 12);
    nn_add_params params = {p[0], p[1], p[2], p[3], {p[4], p[5]}, {p[6], p[7]}, {p[8], p[9]}, p[10], p[11]};
    golden_i8(c, "input1", b->i8a, MAXN);
    golden_i8(c, "input2", b->i8b, MAXN);
    nn_status s1 = nn_add_s8(ctx, &params, &d, b->i8a, &d, b->i8b, &d, b->out);
    nn_status s2 = nn_add_s8_ref(ctx, &params, &d, b->i8a, &d, b->i8b, &d, b->out_ref);
    CHECK(t, s1 == NN_OK && s2 == NN_OK, "add/%s status %d %d", c->name, s1, s2);
    expect_i8(t, c, "output", b->out, d.t * d.l * d.c, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, d.t * d.l * d.c, "ref");
}

static void run_gru(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b) {
    nn_dims in = dims_of(c, "dims");
    int32_t h, p[4];
    golden_i32(c, "hidden", &h, 1);
    golden_i32(c, "params", p, 4);
    nn_gru_params params = {p[0], p[1], {p[2], p[3]}};
    golden_i32(c, "input_multiplier", b->i32a, MAXN);
    golden_i32(c, "input_shift", b->i32b, MAXN);
    golden_i32(c, "hidden_multiplier", b->i32c, MAXN);
    golden_i32(c, "hidden_shift", b->i32d, MAXN);
    nn_gru_quant q = {b->i32a, b->i32b, b->i32c, b->i32d};
    golden_i8(c, "input", b->i8a, MAXN);
    golden_i8(c, "weight_ih", b->i8b, MAXN);
    golden_i8(c, "weight_hh", b->i8c, MAXN);
    int32_t *bih = b->i32e, *bhh = b->i32e + 4096;
    golden_i32(c, "bias_ih", bih, 4096);
    golden_i32(c, "bias_hh", bhh, 4096);
    golden_i16(c, "state", b->state, MAXN);
    golden_i16(c, "state", b->state_ref, MAXN);
    nn_filter_dims wi = {3 * h, 1, in.c}, wh = {3 * h, 1, h};
    nn_dims out = {in.t, in.l, h};
    nn_status s1 = nn_gru_s8_s16(ctx, &params, &q, &in, b->i8a, &wi, b->i8b, &wh, b->i8c, bih, bhh,
                                 b->state, &out, b->out);
    nn_status s2 = nn_gru_s8_s16_ref(ctx, &params, &q, &in, b->i8a, &wi, b->i8b, &wh, b->i8c, bih,
                                     bhh, b->state_ref, &out, b->out_ref);
    CHECK(t, s1 == NN_OK && s2 == NN_OK, "gru/%s status %d %d", c->name, s1, s2);
    expect_i8(t, c, "output", b->out, out.t * out.l * h, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, out.t * out.l * h, "ref");
    int32_t n;
    const int64_t *fin = golden_get(c, "final_state", &n);
    int ok = fin && n == h;
    for (int32_t j = 0; ok && j < h; j++) ok = b->state[j] == fin[j] && b->state_ref[j] == fin[j];
    CHECK(t, ok, "gru/%s final state differs", c->name);
}

static void run_softmax(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b) {
    nn_dims d = dims_of(c, "dims");
    int32_t n = d.t * d.l * d.c;
    golden_i32(c, "table", b->i32a, 256);
    golden_i8(c, "input", b->i8a, MAXN);
    nn_status s1 = nn_softmax_s8(ctx, b->i32a, &d, b->i8a, &d, b->out);
    nn_status s2 = nn_softmax_s8_ref(ctx, b->i32a, &d, b->i8a, &d, b->out_ref);
    nn_status s3 = nn_softmax_s8_f32(ctx, b->i32a, &d, b->i8a, &d, b->fa);
    nn_status s4 = nn_softmax_s8_f32_ref(ctx, b->i32a, &d, b->i8a, &d, b->fb);
    CHECK(t, !s1 && !s2 && !s3 && !s4, "softmax/%s status %d %d %d %d", c->name, s1, s2, s3, s4);
    expect_i8(t, c, "output", b->out, n, nn_isa_name(ctx->isa));
    expect_i8(t, c, "output", b->out_ref, n, "ref");
    expect_bits(t, c, "output_f32_bits", b->fa, n, nn_isa_name(ctx->isa));
    expect_bits(t, c, "output_f32_bits", b->fb, n, "ref");
}

static void run_quantize(test_tally *t, const golden_case *c, nn_context *ctx, bufs *b, int de) {
    nn_dims d = dims_of(c, "dims");
    int32_t n = d.t * d.l * d.c, zp;
    float scale;
    golden_f32(c, "scale_bits", &scale, 1);
    golden_i32(c, "zero_point", &zp, 1);
    nn_quant_f32 q = {scale, zp};
    if (!de) {
        golden_f32(c, "input_bits", b->fa, MAXN);
        nn_status s1 = nn_quantize_f32_s8(ctx, &q, &d, b->fa, &d, b->out);
        nn_status s2 = nn_quantize_f32_s8_ref(ctx, &q, &d, b->fa, &d, b->out_ref);
        CHECK(t, !s1 && !s2, "quantize/%s status %d %d", c->name, s1, s2);
        expect_i8(t, c, "output", b->out, n, nn_isa_name(ctx->isa));
        expect_i8(t, c, "output", b->out_ref, n, "ref");
    } else {
        golden_i8(c, "input", b->i8a, MAXN);
        nn_status s1 = nn_dequantize_s8_f32(ctx, &q, &d, b->i8a, &d, b->fa);
        nn_status s2 = nn_dequantize_s8_f32_ref(ctx, &q, &d, b->i8a, &d, b->fb);
        CHECK(t, !s1 && !s2, "dequantize/%s status %d %d", c->name, s1, s2);
        expect_bits(t, c, "output_bits", b->fa, n, nn_isa_name(ctx->isa));
        expect_bits(t, c, "output_bits", b->fb, n, "ref");
    }
}

static void run_scalar(test_tally *t, const golden_case *c) {
    int32_t n;
    if (strcmp(c->op, "requantize") == 0) {
        const int64_t *x = golden_get(c, "x", &n), *m = golden_get(c, "multiplier", NULL);
        const int64_t *s = golden_get(c, "shift", NULL), *y = golden_get(c, "y", NULL);
        int bad = -1;
        for (int32_t i = 0; i < n && bad < 0; i++)
            if (nn_requantize((int32_t)x[i], (int32_t)m[i], (int32_t)s[i]) != y[i]) bad = i;
        CHECK(t, n > 0 && bad < 0, "requantize case %d: x=%lld m=%lld s=%lld", bad,
              bad < 0 ? 0LL : (long long)x[bad], bad < 0 ? 0LL : (long long)m[bad],
              bad < 0 ? 0LL : (long long)s[bad]);
    } else if (strcmp(c->op, "quantize_multiplier") == 0) {
        const int64_t *r = golden_get(c, "real_bits", &n), *e = golden_get(c, "error", NULL);
        const int64_t *m = golden_get(c, "multiplier", NULL), *s = golden_get(c, "shift", NULL);
        for (int32_t i = 0; i < n; i++) {
            double real;
            memcpy(&real, &r[i], 8);
            int32_t mm = -1, ss = -1;
            nn_status st = nn_quantize_multiplier(real, &mm, &ss);
            CHECK(t, e[i] ? st != NN_OK : (st == NN_OK && mm == m[i] && ss == s[i]),
                  "quantize_multiplier(%.17g) = %d (%d, %d)", real, st, mm, ss);
        }
    } else if (strcmp(c->op, "gru_tables") == 0) {
        const int64_t *sg = golden_get(c, "sigmoid", &n), *th = golden_get(c, "tanh", NULL);
        int ok = n == 513;
        for (int i = 0; ok && i < 513; i++) ok = NN_SIGMOID_TABLE[i] == sg[i] && NN_TANH_TABLE[i] == th[i];
        CHECK(t, ok, "GRU tables differ from the formula tables of qref.py");
    } else if (strcmp(c->op, "softmax_exp_table") == 0) {
        const int64_t *sb = golden_get(c, "scale_bits", NULL), *tab = golden_get(c, "table", &n);
        double scale;
        memcpy(&scale, sb, 8);
        int32_t table[256];
        nn_status st = nn_softmax_s8_exp_table(scale, table);
        int ok = st == NN_OK && n == 256;
        for (int i = 0; ok && i < 256; i++) ok = table[i] == tab[i];
        CHECK(t, ok, "softmax exp table for scale %g differs", scale);
    }
}

void test_golden(test_tally *t, const char *dir, nn_isa isa) {
    static const char *ops[] = {"requantize", "quantize_multiplier", "conv1d", "dense", "maxpool1d",
                                "avgpool1d", "global_avgpool", "add", "gru_tables", "gru",
                                "softmax_exp_table", "softmax", "quantize", "dequantize"};
    bufs b;
    b.i8a = malloc(MAXN), b.i8b = malloc(MAXN), b.i8c = malloc(MAXN);
    b.out = malloc(MAXN), b.out_ref = malloc(MAXN);
    b.state = malloc(MAXN * 2), b.state_ref = malloc(MAXN * 2);
    b.i32a = malloc(MAXN * 4), b.i32b = malloc(MAXN * 4), b.i32c = malloc(MAXN * 4);
    b.i32d = malloc(MAXN * 4), b.i32e = malloc(MAXN * 4);
    b.fa = malloc(MAXN * 4), b.fb = malloc(MAXN * 4), b.fc = malloc(MAXN * 4);
    b.scratch = aligned_alloc(64, 1 << 20);
    nn_context ctx = {isa, b.scratch, 1 << 20};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        golden_file g;
        if (golden_load(&g, dir, ops[o]) != 0) {
            t->failed++;
            continue;
        }
        for (int i = 0; i < g.ncases; i++) {
            const golden_case *c = &g.cases[i];
            if (!strcmp(c->op, "conv1d")) run_conv(t, c, &ctx, &b);
            else if (!strcmp(c->op, "dense")) run_dense(t, c, &ctx, &b);
            else if (!strcmp(c->op, "maxpool1d")) run_pool(t, c, &ctx, &b, nn_maxpool1d_s8, nn_maxpool1d_s8_ref);
            else if (!strcmp(c->op, "avgpool1d")) run_pool(t, c, &ctx, &b, nn_avgpool1d_s8, nn_avgpool1d_s8_ref);
            else if (!strcmp(c->op, "global_avgpool")) run_gap(t, c, &ctx, &b);
            else if (!strcmp(c->op, "add")) run_add(t, c, &ctx, &b);
            else if (!strcmp(c->op, "gru")) run_gru(t, c, &ctx, &b);
            else if (!strcmp(c->op, "softmax")) run_softmax(t, c, &ctx, &b);
            else if (!strcmp(c->op, "quantize")) run_quantize(t, c, &ctx, &b, 0);
            else if (!strcmp(c->op, "dequantize")) run_quantize(t, c, &ctx, &b, 1);
            else run_scalar(t, c);
        }
        golden_free(&g);
    }
    free(b.i8a), free(b.i8b), free(b.i8c), free(b.out), free(b.out_ref), free(b.state);
    free(b.state_ref), free(b.i32a), free(b.i32b), free(b.i32c), free(b.i32d), free(b.i32e);
    free(b.fa), free(b.fb), free(b.fc), free(b.scratch);
}
