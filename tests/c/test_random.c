/* Optimized path vs _ref, bit for bit, on randomized shapes (odd sizes, SIMD tails, padding,
 * stride, dilation, extreme quantization parameters), with guard bytes after every output. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define GUARD 64
#define BIG (1 << 20)

typedef struct {
    int8_t *x, *x2, *w, *w2, *out, *ref;
    int16_t *st, *st_ref;
    int32_t *mult, *shift, *bias, *mult2, *shift2, *bias2, *table;
    float *f, *fo, *fr;
    void *scratch;
} pool;

static void fill_i8(test_rng *r, int8_t *p, int32_t n, int lo, int hi) {
    for (int32_t i = 0; i < n; i++) p[i] = (int8_t)rng_int(r, lo, hi);
}
static void requant_params(test_rng *r, int32_t *m, int32_t *s, int32_t n, int lo, int hi) {
    for (int32_t i = 0; i < n; i++) {
        int kind = rng_int(r, 0, 19);
        m[i] = kind == 0 ? 0 : kind == 1 ? INT32_MAX : rng_int(r, 1 << 30, INT32_MAX);
        s[i] = kind == 2 ? -31 : kind == 3 ? rng_int(r, 0, 30) : rng_int(r, lo, hi);
    }
}
/* Both outputs equal over n bytes and guards intact. */
static int same_i8(const int8_t *a, const int8_t *b, int32_t n) {
    if (memcmp(a, b, (size_t)n) != 0) return 0;
    for (int g = 0; g < GUARD; g++)
        if (a[n + g] != 0x5A || b[n + g] != 0x5A) return 0;
    return 1;
}
static void arm(int8_t *a, int8_t *b, int32_t n) {
    memset(a, 0x11, (size_t)n + GUARD), memset(b, 0x22, (size_t)n + GUARD);
    memset(a + n, 0x5A, GUARD), memset(b + n, 0x5A, GUARD);
}

static void random_conv(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        int32_t k = rng_int(r, 1, it % 10 == 0 ? 64 : 9), dil = rng_int(r, 1, 3), st = rng_int(r, 1, 4);
        int32_t cin = rng_int(r, 1, it % 3 == 0 ? 70 : 20), cout = rng_int(r, 1, 37);
        int32_t span = dil * (k - 1);
        int32_t l = rng_int(r, span + 1 > 1 ? 1 : 1, 90) + (rng_int(r, 0, 1) ? span : 0);
        int32_t pl = rng_int(r, 0, span), pr = rng_int(r, 0, span);
        int32_t lo = nn_conv1d_output_length(l, k, st, dil, pl, pr);
        if (lo < 1) continue;
        nn_dims in = {rng_int(r, 1, 4), l, cin}, out = {in.t, lo, cout};
        nn_filter_dims fd = {cout, k, cin};
        int32_t zo = rng_int(r, -128, 127);
        nn_conv_params prm = {rng_int(r, -128, 127), zo, st, dil, pl, pr, rng_int(r, 0, 1) ? zo : -128, 127};
        if (it % 7 == 0) prm.act_min = -50, prm.act_max = 60;
        fill_i8(r, p->x, in.t * l * cin, -128, 127);
        fill_i8(r, p->w, cout * k * cin, -128, 127);
        for (int32_t o = 0; o < cout; o++) p->bias[o] = it % 11 == 0 ? (int32_t)rng_next(r) : rng_int(r, -40000, 40000);
        requant_params(r, p->mult, p->shift, cout, -16, -4);
        nn_per_channel_quant q = {p->mult, p->shift};
        int32_t n = out.t * out.l * out.c;
        arm(p->out, p->ref, n);
        nn_status a = nn_conv1d_s8(ctx, &prm, &q, &in, p->x, &fd, p->w, it % 5 ? p->bias : NULL, &out, p->out);
        nn_status b = nn_conv1d_s8_ref(ctx, &prm, &q, &in, p->x, &fd, p->w, it % 5 ? p->bias : NULL, &out, p->ref);
        if (a != NN_OK || b != NN_OK || !same_i8(p->out, p->ref, n)) {
            if (fails++ < 3)
                printf("conv1d mismatch: t=%d l=%d cin=%d cout=%d k=%d st=%d dil=%d pad=%d,%d (status %d %d)\n",
                       in.t, l, cin, cout, k, st, dil, pl, pr, a, b);
        }
    }
    CHECK(t, fails == 0, "conv1d: %d of %d random cases differ from _ref", fails, iters);
}

static void random_dense(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        int32_t cin = rng_int(r, 1, it % 4 == 0 ? 3000 : 100), cout = rng_int(r, 1, 40);
        if (it % 50 == 0) cin = rng_int(r, 65537, 100000), cout = rng_int(r, 1, 8); /* 64-bit row sums */
        nn_dims in = {rng_int(r, 1, 3), rng_int(r, 1, 3), cin}, out = {in.t, in.l, cout};
        nn_filter_dims fd = {cout, 1, cin};
        int32_t zo = rng_int(r, -128, 127);
        nn_dense_params prm = {rng_int(r, -128, 127), zo, rng_int(r, 0, 1) ? zo : -128, 127};
        fill_i8(r, p->x, in.t * in.l * cin, -128, 127);
        fill_i8(r, p->w, cout * cin, -128, 127);
        for (int32_t o = 0; o < cout; o++) p->bias[o] = rng_int(r, -100000, 100000);
        requant_params(r, p->mult, p->shift, cout, -20, -6);
        nn_per_channel_quant q = {p->mult, p->shift};
        int32_t n = out.t * out.l * out.c;
        arm(p->out, p->ref, n);
        nn_status a = nn_dense_s8(ctx, &prm, &q, &in, p->x, &fd, p->w, p->bias, &out, p->out);
        nn_status b = nn_dense_s8_ref(ctx, &prm, &q, &in, p->x, &fd, p->w, p->bias, &out, p->ref);
        if (a || b || !same_i8(p->out, p->ref, n)) {
            if (fails++ < 3) printf("dense mismatch: cin=%d cout=%d (status %d %d)\n", cin, cout, a, b);
        }
    }
    CHECK(t, fails == 0, "dense: %d of %d random cases differ from _ref", fails, iters);
}

typedef nn_status (*pool_fn)(const nn_context *, const nn_pool_params *, const nn_dims *,
                             const int8_t *, const nn_dims *, int8_t *);

static void random_pool(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters,
                        const char *name, pool_fn opt, pool_fn ref) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        int32_t k = rng_int(r, 1, 8), st = rng_int(r, 1, 4);
        int32_t pl = rng_int(r, 0, k - 1), pr = rng_int(r, 0, k - 1);
        nn_dims in = {rng_int(r, 1, 4), rng_int(r, 1, 60), rng_int(r, 1, it % 5 ? 70 : 600)};
        int32_t lo = nn_pool_output_length(in.l, k, st, pl, pr);
        if (lo < 1) continue;
        nn_dims out = {in.t, lo, in.c};
        nn_pool_params prm = {k, st, pl, pr, rng_int(r, -128, 0), rng_int(r, 0, 127)};
        fill_i8(r, p->x, in.t * in.l * in.c, -128, 127);
        int32_t n = out.t * out.l * out.c;
        arm(p->out, p->ref, n);
        nn_status a = opt(ctx, &prm, &in, p->x, &out, p->out);
        nn_status b = ref(ctx, &prm, &in, p->x, &out, p->ref);
        if (a || b || !same_i8(p->out, p->ref, n)) {
            if (fails++ < 3) printf("%s mismatch: l=%d c=%d k=%d (status %d %d)\n", name, in.l, in.c, k, a, b);
        }
    }
    CHECK(t, fails == 0, "%s: %d of %d random cases differ from _ref", name, fails, iters);
}

static void random_gap(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        nn_dims in = {rng_int(r, 1, 5), rng_int(r, 1, 200), rng_int(r, 1, 300)}, out = {in.t, 1, in.c};
        fill_i8(r, p->x, in.t * in.l * in.c, it % 4 ? -128 : 127, 127);
        int32_t n = out.t * out.c;
        arm(p->out, p->ref, n);
        nn_status a = nn_global_avgpool_s8(ctx, &in, p->x, &out, p->out);
        nn_status b = nn_global_avgpool_s8_ref(ctx, &in, p->x, &out, p->ref);
        if (a || b || !same_i8(p->out, p->ref, n)) fails++;
    }
    CHECK(t, fails == 0, "global_avgpool: %d of %d random cases differ from _ref", fails, iters);
}

static void random_add(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        nn_dims d = {rng_int(r, 1, 3), rng_int(r, 1, 40), rng_int(r, 1, 33)};
        int32_t m[3], s[3];
        requant_params(r, m, s, 3, -31, 0);
        if (s[0] > 0) s[0] = -s[0];
        if (s[1] > 0) s[1] = -s[1];
        if (it % 3 == 0) s[2] = rng_int(r, -31, 30);
        nn_add_params prm = {rng_int(r, -128, 127), rng_int(r, -128, 127), rng_int(r, -128, 127),
                             rng_int(r, 0, 20), {m[0], s[0]}, {m[1], s[1]}, {m[2], s[2]},
                             rng_int(r, -128, 0), rng_int(r, 0, 127)};
        int32_t n = d.t * d.l * d.c;
        fill_i8(r, p->x, n, -128, 127);
        fill_i8(r, p->x2, n, -128, 127);
        arm(p->out, p->ref, n);
        nn_status a = nn_add_s8(ctx, &prm, &d, p->x, &d, p->x2, &d, p->out);
        nn_status b = nn_add_s8_ref(ctx, &prm, &d, p->x, &d, p->x2, &d, p->ref);
        if (a || b || !same_i8(p->out, p->ref, n)) {
            if (fails++ < 3) printf("add mismatch: n=%d shifts %d %d %d ls %d\n", n, s[0], s[1], s[2], prm.left_shift);
        }
    }
    CHECK(t, fails == 0, "add: %d of %d random cases differ from _ref", fails, iters);
}

static void random_gru(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        int32_t h = rng_int(r, 1, it % 6 == 0 ? 512 : 70), dd = rng_int(r, 1, it % 4 == 0 ? 600 : 40);
        nn_dims in = {rng_int(r, 1, 6), rng_int(r, 1, 2), dd}, out = {in.t, in.l, h};
        nn_filter_dims wi = {3 * h, 1, dd}, wh = {3 * h, 1, h};
        nn_gru_params prm = {rng_int(r, -128, 127), rng_int(r, -128, 127), {0, 0}};
        requant_params(r, &prm.output.multiplier, &prm.output.shift, 1, -10, -6);
        requant_params(r, p->mult, p->shift, 3 * h, -14, -2);
        requant_params(r, p->mult2, p->shift2, 3 * h, -14, -2);
        for (int32_t j = 0; j < 3 * h; j++) {
            p->bias[j] = rng_int(r, -200000, 200000);
            p->bias2[j] = rng_int(r, -2000000, 2000000);
        }
        for (int32_t j = 0; j < h; j++) p->st[j] = p->st_ref[j] = (int16_t)rng_int(r, -32767, 32767);
        fill_i8(r, p->x, in.t * in.l * dd, -128, 127);
        fill_i8(r, p->w, 3 * h * dd, -127, 127);
        fill_i8(r, p->w2, 3 * h * h, -127, 127);
        nn_gru_quant q = {p->mult, p->shift, p->mult2, p->shift2};
        int32_t n = out.t * out.l * h;
        arm(p->out, p->ref, n);
        nn_status a = nn_gru_s8_s16(ctx, &prm, &q, &in, p->x, &wi, p->w, &wh, p->w2, p->bias,
                                    it % 7 ? p->bias2 : NULL, p->st, &out, p->out);
        nn_status b = nn_gru_s8_s16_ref(ctx, &prm, &q, &in, p->x, &wi, p->w, &wh, p->w2, p->bias,
                                        it % 7 ? p->bias2 : NULL, p->st_ref, &out, p->ref);
        if (a || b || !same_i8(p->out, p->ref, n) || memcmp(p->st, p->st_ref, (size_t)h * 2)) {
            if (fails++ < 3) printf("gru mismatch: h=%d d=%d (status %d %d)\n", h, dd, a, b);
        }
    }
    CHECK(t, fails == 0, "gru: %d of %d random cases differ from _ref", fails, iters);
}

static void random_softmax(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        nn_dims d = {rng_int(r, 1, 3), rng_int(r, 1, 3), rng_int(r, 1, it % 5 ? 40 : 4096)};
        double scale = 0.001 * rng_int(r, 1, 2000);
        nn_softmax_s8_exp_table(scale, p->table);
        int32_t n = d.t * d.l * d.c;
        fill_i8(r, p->x, n, it % 3 ? -128 : 120, 127);
        arm(p->out, p->ref, n);
        nn_status a = nn_softmax_s8(ctx, p->table, &d, p->x, &d, p->out);
        nn_status b = nn_softmax_s8_ref(ctx, p->table, &d, p->x, &d, p->ref);
        nn_status c = nn_softmax_s8_f32(ctx, p->table, &d, p->x, &d, p->fo);
        nn_status e = nn_softmax_s8_f32_ref(ctx, p->table, &d, p->x, &d, p->fr);
        if (a || b || c || e || !same_i8(p->out, p->ref, n) || memcmp(p->fo, p->fr, (size_t)n * 4)) fails++;
    }
    CHECK(t, fails == 0, "softmax: %d of %d random cases differ from _ref", fails, iters);
}

static void random_quantize(test_tally *t, test_rng *r, nn_context *ctx, pool *p, int iters) {
    int fails = 0;
    for (int it = 0; it < iters; it++) {
        nn_dims d = {1, rng_int(r, 1, 50), rng_int(r, 1, 40)};
        int32_t n = d.t * d.l * d.c;
        nn_quant_f32 q = {(float)(0.0001 * rng_int(r, 1, 100000)), rng_int(r, -128, 127)};
        for (int32_t i = 0; i < n; i++) {
            int kind = rng_int(r, 0, 9);
            /* exact halves of the scale exercise round-half-even */
            p->f[i] = kind == 0 ? q.scale * (0.5f + (float)rng_int(r, -200, 200)) :
                      kind == 1 ? (float)rng_int(r, -1000000, 1000000) :
                      q.scale * (float)((int32_t)rng_next(r) % 30000) / 100.0f;
        }
        arm(p->out, p->ref, n);
        nn_status a = nn_quantize_f32_s8(ctx, &q, &d, p->f, &d, p->out);
        nn_status b = nn_quantize_f32_s8_ref(ctx, &q, &d, p->f, &d, p->ref);
        nn_status c = nn_dequantize_s8_f32(ctx, &q, &d, p->out, &d, p->fo);
        nn_status e = nn_dequantize_s8_f32_ref(ctx, &q, &d, p->out, &d, p->fr);
        if (a || b || c || e || !same_i8(p->out, p->ref, n) || memcmp(p->fo, p->fr, (size_t)n * 4)) fails++;
    }
    CHECK(t, fails == 0, "quantize/dequantize: %d of %d random cases differ from _ref", fails, iters);
}

void test_random(test_tally *t, nn_isa isa) {
    pool p;
    p.x = malloc(BIG), p.x2 = malloc(BIG), p.w = malloc(BIG), p.w2 = malloc(BIG);
    p.out = malloc(BIG + GUARD), p.ref = malloc(BIG + GUARD);
    p.st = malloc(4096), p.st_ref = malloc(4096);
    p.mult = malloc(BIG), p.shift = malloc(BIG), p.bias = malloc(BIG);
    p.mult2 = malloc(BIG), p.shift2 = malloc(BIG), p.bias2 = malloc(BIG), p.table = malloc(1024);
    p.f = malloc(BIG * 4), p.fo = malloc(BIG * 4), p.fr = malloc(BIG * 4);
    p.scratch = aligned_alloc(64, 1 << 20);
    nn_context ctx = {isa, p.scratch, 1 << 20};
    test_rng r = {0x9E3779B97F4A7C15ULL};
    random_conv(t, &r, &ctx, &p, 400);
    random_dense(t, &r, &ctx, &p, 300);
    random_pool(t, &r, &ctx, &p, 300, "maxpool1d", nn_maxpool1d_s8, nn_maxpool1d_s8_ref);
    random_pool(t, &r, &ctx, &p, 300, "avgpool1d", nn_avgpool1d_s8, nn_avgpool1d_s8_ref);
    random_gap(t, &r, &ctx, &p, 200);
    random_add(t, &r, &ctx, &p, 400);
    random_gru(t, &r, &ctx, &p, 120);
    random_softmax(t, &r, &ctx, &p, 200);
    random_quantize(t, &r, &ctx, &p, 200);
    free(p.x), free(p.x2), free(p.w), free(p.w2), free(p.out), free(p.ref), free(p.st), free(p.st_ref);
    free(p.mult), free(p.shift), free(p.bias), free(p.mult2), free(p.shift2), free(p.bias2);
    free(p.table), free(p.f), free(p.fo), free(p.fr), free(p.scratch);
}
