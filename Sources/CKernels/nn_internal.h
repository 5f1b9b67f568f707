/* CKernels internal helpers: saturation, the scalar requantization rule, argument checks, and the
 * declarations of the per-ISA implementations. Not part of the public headers. */
#ifndef CASCADIA_NN_INTERNAL_H
#define CASCADIA_NN_INTERNAL_H
#include "cascadia_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define NN_HAVE_AVX2 1
#define NN_TARGET_AVX2 __attribute__((target("avx2")))
#else
#define NN_HAVE_AVX2 0
#endif
#if defined(__aarch64__)
#define NN_HAVE_NEON 1
#else
#define NN_HAVE_NEON 0
#endif

#define NN_MAX_ELEMENTS (1 << 24)
#define NN_MAX_KERNEL 64
/* output channels finished per vector requantization block (stack array) */
#define NN_FINISH_BLOCK 64
/* conv1d repacks its weights as int16 in scratch when they take at most this many bytes */
#define NN_CONV_PACKED_MAX (64 * 1024)
/* Bytes of conv1d's per-time-step int16 input row for `positions` padded positions of `cin`
 * channels plus a zero tail of 16 (a patch read of n16 elements never leaves the row). */
#define NN_CONV_ROW_BYTES(positions, cin) (((int64_t)(positions) * (cin) + 16) * 2 + 32)
int32_t nn_conv1d_s8_min_buffer_size(const nn_filter_dims *filter_dims);

static inline int32_t nn_sat32(int64_t v) {
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}
static inline int16_t nn_sat16(int32_t v) {
    return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}
static inline int32_t nn_clamp(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}
/* clamp(v + zp) without int32 overflow (a requantized value may be near INT32_MAX). */
static inline int32_t nn_add_zp_clamp(int32_t v, int32_t zp, int32_t lo, int32_t hi) {
    int64_t s = (int64_t)v + zp;
    return (int32_t)(s < lo ? lo : (s > hi ? hi : s));
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward +infinity
 * (identical to trunc((ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31)). */
static inline int32_t nn_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero, e in [0, 31]. */
static inline int32_t nn_rdbpot(int32_t x, int32_t e) {
    int32_t mask = (int32_t)((1u << e) - 1u);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

static inline int32_t nn_rq(int32_t x, int32_t multiplier, int32_t shift) {
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int32_t a = left ? nn_sat32((int64_t)x * ((int64_t)1 << left)) : x;
    return nn_rdbpot(nn_srdhm(a, multiplier), right);
}

/* round_half_away(sum / n) for n > 0. */
static inline int32_t nn_div_round(int32_t sum, int32_t n) {
    int64_t s = sum, h = n / 2;
    return (int32_t)(s >= 0 ? (s + h) / n : -((-s + h) / n));
}

/* Table lookup with linear interpolation of a Q3.12 value (tables in nn_gru_tables.c). */
static inline int16_t nn_table_lookup(const int16_t *table, int16_t x) {
    int32_t u = (int32_t)x + 32768;
    int32_t i = u >> 7, f = u & 127;
    int32_t a = table[i], b = table[i + 1];
    return (int16_t)(a + (((b - a) * f + 64) >> 7));
}

static inline int nn_dims_ok(const nn_dims *d) {
    if (!d || d->t < 1 || d->l < 1 || d->c < 1) return 0;
    int64_t n = (int64_t)d->t * d->l * d->c;
    return n <= NN_MAX_ELEMENTS;
}
static inline int nn_dims_equal(const nn_dims *a, const nn_dims *b) {
    return a->t == b->t && a->l == b->l && a->c == b->c;
}
static inline int32_t nn_dims_count(const nn_dims *d) { return d->t * d->l * d->c; }
static inline int nn_zp_ok(int32_t zp) { return zp >= -128 && zp <= 127; }
static inline int nn_act_ok(int32_t lo, int32_t hi) { return lo >= -128 && lo <= hi && hi <= 127; }
static inline int nn_requant_ok(int32_t m, int32_t s) { return m >= 0 && s >= -31 && s <= 30; }
static inline int nn_per_channel_ok(const nn_per_channel_quant *q, int32_t n) {
    if (!q || !q->multiplier || !q->shift) return 0;
    for (int32_t i = 0; i < n; i++)
        if (!nn_requant_ok(q->multiplier[i], q->shift[i])) return 0;
    return 1;
}
static inline int nn_scratch_ok(const nn_context *ctx, int32_t need) {
    return need == 0 || (ctx && ctx->buf && ctx->size >= need);
}
static inline int32_t nn_align16(int32_t n) { return (n + 15) & ~15; }

/* The path a call takes: ctx->isa when this build has it, else REF. */
static inline nn_isa nn_path(const nn_context *ctx) {
    if (!ctx) return NN_ISA_REF;
#if NN_HAVE_AVX2
    if (ctx->isa == NN_ISA_AVX2) return NN_ISA_AVX2;
#endif
#if NN_HAVE_NEON
    if (ctx->isa == NN_ISA_NEON) return NN_ISA_NEON;
#endif
    return NN_ISA_REF;
}

/* acc (exact dot) -> int8: bias with saturation, requantize, zero point, clamp. */
static inline int8_t nn_finish(int32_t acc, int32_t bias, int32_t m, int32_t s, int32_t zp,
                               int32_t lo, int32_t hi) {
    return (int8_t)nn_add_zp_clamp(nn_rq(nn_sat32((int64_t)acc + bias), m, s), zp, lo, hi);
}

/* One element of nn_add_s8 (the scalar definition; SIMD paths use it for tails). */
static inline int8_t nn_add_element(const nn_add_params *p, int8_t x1, int8_t x2) {
    int32_t a1 = ((int32_t)x1 - p->input1_zero_point) * (1 << p->left_shift);
    int32_t a2 = ((int32_t)x2 - p->input2_zero_point) * (1 << p->left_shift);
    a1 = nn_rq(a1, p->input1.multiplier, p->input1.shift);
    a2 = nn_rq(a2, p->input2.multiplier, p->input2.shift);
    int32_t v = nn_rq(a1 + a2, p->output.multiplier, p->output.shift);
    return (int8_t)nn_add_zp_clamp(v, p->output_zero_point, p->act_min, p->act_max);
}

/* SIMD building blocks of one ISA (nn_simd_avx2.c, nn_simd_neon.c). All results are exact
 * integers, so they equal the scalar loops whatever the summation order. */
typedef struct {
    /* sum a[i]*w[i] */
    int32_t (*dot_s16_s8)(const int16_t *a, const int8_t *w, int32_t n);
    /* out[r] = sum a[i]*w[r*stride + i], r = 0..3 */
    void (*dot4_s16_s8)(const int16_t *a, const int8_t *w, int32_t stride, int32_t n, int32_t out[4]);
    /* sum (x[i]-zp)*w[i] */
    int32_t (*dot_s8zp_s8)(const int8_t *x, int32_t zp, const int8_t *w, int32_t n);
    /* out[r] = sum (x[i]-zp)*w[r*stride + i], r = 0..3 */
    void (*dot4_s8zp_s8)(const int8_t *x, int32_t zp, const int8_t *w, int32_t stride, int32_t n,
                         int32_t out[4]);
    /* acc[i] = max(acc[i], x[i]) */
    void (*max_s8)(int8_t *acc, const int8_t *x, int32_t n);
    /* acc[i] += x[i] */
    void (*acc_s8_s32)(int32_t *acc, const int8_t *x, int32_t n);
    /* out[r] = sum a[i]*w[r*stride + i], r = 0..3, n a multiple of 16 (int16 weights) */
    void (*dot4_s16_s16)(const int16_t *a, const int16_t *w, int32_t stride, int32_t n, int32_t out[4]);
    /* out[i] = nn_finish(acc[i], bias ? bias[i] : 0, mult[i], shift[i], zp, lo, hi), i < n */
    void (*finish_s32_s8)(const int32_t *acc, const int32_t *bias, const int32_t *mult,
                          const int32_t *shift, int32_t n, int32_t zp, int32_t lo, int32_t hi,
                          int8_t *out);
    /* conv1d output row from an int16 input row: for x < l_out and channel c < cout (a multiple
     * of 8), out[x*cout + c] = nn_finish(sum_{i<n16} a[x*step + i]*w[c*n16 + i], bias[c], mult[c],
     * shift[c], zp, lo, hi); NULL: per-position calls */
    void (*conv_row_s16_s16)(const int16_t *a, int32_t step, int32_t l_out, const int16_t *w, int32_t n16,
                             int32_t cout, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                             int32_t zp, int32_t lo, int32_t hi, int8_t *out);
    /* dot4_s16_s16 for rows r = 0..7 fused with finish_s32_s8 of those 8 sums into out[0..7]
     * (sums reduced in registers, no call per 4 rows); NULL: dot4_s16_s16 + finish_s32_s8 */
    void (*dot8_finish_s16_s16)(const int16_t *a, const int16_t *w, int32_t stride, int32_t n,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t zp,
                                int32_t lo, int32_t hi, int8_t *out);
    /* out[i] = sat16(nn_rq(sat32(acc[i] + (bias ? bias[i] : 0)), mult[i], shift[i])), i < n */
    void (*finish_s32_s16)(const int32_t *acc, const int32_t *bias, const int32_t *mult,
                           const int32_t *shift, int32_t n, int16_t *out);
    /* one GRU step's gate math (docs/quantization.md) for H units; NULL: the shared scalar code */
    void (*gru_gates)(const nn_gru_params *p, int32_t h, const int16_t *gi, const int16_t *gh,
                      int16_t *state, int8_t *out);
    /* max_i x[i], n >= 1 */
    int32_t (*max_row_s8)(const int8_t *x, int32_t n);
    /* sum_i table[m - x[i]] with m >= every x[i], n <= NN_MAX_SOFTMAX */
    int64_t (*sum_table_s8)(const int32_t *table, const int8_t *x, int32_t n, int32_t m);
} nn_simd_kit;
extern const nn_simd_kit NN_SIMD_AVX2;
extern const nn_simd_kit NN_SIMD_NEON;
static inline const nn_simd_kit *nn_kit(nn_isa path) {
#if NN_HAVE_AVX2
    if (path == NN_ISA_AVX2) return &NN_SIMD_AVX2;
#endif
#if NN_HAVE_NEON
    if (path == NN_ISA_NEON) return &NN_SIMD_NEON;
#endif
    (void)path;
    return 0;
}

/* ---- per-kernel argument checks (in nn_<op>_ref.c), the plain C implementations, and the
 * SIMD implementations (taking an ISA kit, or ISA-specific files for element-wise kernels) ---- */
#define NN_CONV_ARGS                                                                          \
    const nn_context *ctx, const nn_conv_params *params, const nn_per_channel_quant *quant,    \
        const nn_dims *input_dims, const int8_t *input, const nn_filter_dims *filter_dims,    \
        const int8_t *filter, const int32_t *bias, const nn_dims *output_dims, int8_t *output
#define NN_CONV_PASS ctx, params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output
nn_status nn_conv1d_s8_check(NN_CONV_ARGS);
nn_status nn_conv1d_s8_ref_impl(NN_CONV_ARGS);
nn_status nn_conv1d_s8_simd(NN_CONV_ARGS, const nn_simd_kit *kit);

#define NN_DENSE_ARGS                                                                         \
    const nn_context *ctx, const nn_dense_params *params, const nn_per_channel_quant *quant,   \
        const nn_dims *input_dims, const int8_t *input, const nn_filter_dims *filter_dims,    \
        const int8_t *filter, const int32_t *bias, const nn_dims *output_dims, int8_t *output
#define NN_DENSE_PASS ctx, params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output
nn_status nn_dense_s8_check(NN_DENSE_ARGS);
nn_status nn_dense_s8_ref_impl(NN_DENSE_ARGS);
nn_status nn_dense_s8_simd(NN_DENSE_ARGS, const nn_simd_kit *kit);

#define NN_POOL_ARGS                                                                          \
    const nn_context *ctx, const nn_pool_params *params, const nn_dims *input_dims,           \
        const int8_t *input, const nn_dims *output_dims, int8_t *output
#define NN_POOL_PASS ctx, params, input_dims, input, output_dims, output
nn_status nn_pool_check(NN_POOL_ARGS);
nn_status nn_maxpool1d_s8_ref_impl(NN_POOL_ARGS);
nn_status nn_maxpool1d_s8_simd(NN_POOL_ARGS, const nn_simd_kit *kit);
nn_status nn_avgpool1d_s8_ref_impl(NN_POOL_ARGS);
nn_status nn_avgpool1d_s8_simd(NN_POOL_ARGS, const nn_simd_kit *kit);

#define NN_GAP_ARGS                                                                           \
    const nn_context *ctx, const nn_dims *input_dims, const int8_t *input,                    \
        const nn_dims *output_dims, int8_t *output
#define NN_GAP_PASS ctx, input_dims, input, output_dims, output
nn_status nn_global_avgpool_s8_check(NN_GAP_ARGS);
nn_status nn_global_avgpool_s8_ref_impl(NN_GAP_ARGS);
nn_status nn_global_avgpool_s8_simd(NN_GAP_ARGS, const nn_simd_kit *kit);

#define NN_ADD_ARGS                                                                           \
    const nn_context *ctx, const nn_add_params *params, const nn_dims *input1_dims,           \
        const int8_t *input1, const nn_dims *input2_dims, const int8_t *input2,               \
        const nn_dims *output_dims, int8_t *output
#define NN_ADD_PASS ctx, params, input1_dims, input1, input2_dims, input2, output_dims, output
nn_status nn_add_s8_check(NN_ADD_ARGS);
nn_status nn_add_s8_ref_impl(NN_ADD_ARGS);
nn_status nn_add_s8_avx2(NN_ADD_ARGS);
nn_status nn_add_s8_neon(NN_ADD_ARGS);

#define NN_GRU_ARGS                                                                           \
    const nn_context *ctx, const nn_gru_params *params, const nn_gru_quant *quant,             \
        const nn_dims *input_dims, const int8_t *input, const nn_filter_dims *input_weight_dims, \
        const int8_t *input_weights, const nn_filter_dims *hidden_weight_dims,                \
        const int8_t *hidden_weights, const int32_t *input_bias, const int32_t *hidden_bias,  \
        int16_t *state, const nn_dims *output_dims, int8_t *output
#define NN_GRU_PASS                                                                           \
    ctx, params, quant, input_dims, input, input_weight_dims, input_weights,                  \
        hidden_weight_dims, hidden_weights, input_bias, hidden_bias, state, output_dims, output
nn_status nn_gru_s8_s16_check(NN_GRU_ARGS);
/* Gate math of units j0..h-1 of one step (the scalar definition; nn_gru_s8_s16_run.c). */
void nn_gru_gates_scalar(const nn_gru_params *p, int32_t h, int32_t j0, const int16_t *gi,
                         const int16_t *gh, int16_t *state, int8_t *out);
/* Runs the layer; kit NULL = plain C loops. */
nn_status nn_gru_s8_s16_run(NN_GRU_ARGS, const nn_simd_kit *kit);

#define NN_SOFTMAX_ARGS(OUT_T)                                                                \
    const nn_context *ctx, const int32_t exp_table[256], const nn_dims *input_dims,            \
        const int8_t *input, const nn_dims *output_dims, OUT_T *output
#define NN_SOFTMAX_PASS ctx, exp_table, input_dims, input, output_dims, output
nn_status nn_softmax_check(const int32_t *exp_table, const nn_dims *input_dims,
                           const int8_t *input, const nn_dims *output_dims, const void *output);
/* Softmax rows; kit NULL = plain C for the row max and the table sum. */
void nn_softmax_s8_rows(NN_SOFTMAX_ARGS(int8_t), const nn_simd_kit *kit);
void nn_softmax_s8_f32_rows(NN_SOFTMAX_ARGS(float), const nn_simd_kit *kit);

#define NN_QUANT_ARGS(IN_T, OUT_T)                                                            \
    const nn_context *ctx, const nn_quant_f32 *quant, const nn_dims *input_dims,               \
        const IN_T *input, const nn_dims *output_dims, OUT_T *output
#define NN_QUANT_PASS ctx, quant, input_dims, input, output_dims, output
nn_status nn_quant_f32_check(const nn_quant_f32 *quant, const nn_dims *input_dims,
                             const void *input, const nn_dims *output_dims, const void *output);
nn_status nn_quantize_f32_s8_ref_impl(NN_QUANT_ARGS(float, int8_t));
nn_status nn_quantize_f32_s8_avx2(NN_QUANT_ARGS(float, int8_t));
nn_status nn_quantize_f32_s8_neon(NN_QUANT_ARGS(float, int8_t));
nn_status nn_dequantize_s8_f32_ref_impl(NN_QUANT_ARGS(int8_t, float));
nn_status nn_dequantize_s8_f32_avx2(NN_QUANT_ARGS(int8_t, float));
nn_status nn_dequantize_s8_f32_neon(NN_QUANT_ARGS(int8_t, float));

#endif
