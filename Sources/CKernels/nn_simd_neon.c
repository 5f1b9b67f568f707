/* NEON building blocks (aarch64 only). */
#include "nn_simd_requant.h"
#if NN_HAVE_NEON

static inline int32x4_t mla_s16x8(int32x4_t acc, int16x8_t a, int16x8_t b) {
    acc = vmlal_s16(acc, vget_low_s16(a), vget_low_s16(b));
    return vmlal_high_s16(acc, a, b);
}

static int32_t dot_s16_s8(const int16_t *a, const int8_t *w, int32_t n) {
    int32x4_t acc0 = vdupq_n_s32(0), acc1 = vdupq_n_s32(0);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        int8x16_t vw = vld1q_s8(w + i);
        acc0 = mla_s16x8(acc0, vld1q_s16(a + i), vmovl_s8(vget_low_s8(vw)));
        acc1 = mla_s16x8(acc1, vld1q_s16(a + i + 8), vmovl_high_s8(vw));
    }
    for (; i + 8 <= n; i += 8) acc0 = mla_s16x8(acc0, vld1q_s16(a + i), vmovl_s8(vld1_s8(w + i)));
    int32_t s = vaddvq_s32(vaddq_s32(acc0, acc1));
    for (; i < n; i++) s += (int32_t)a[i] * w[i];
    return s;
}

static void dot4_s16_s8(const int16_t *a, const int8_t *w, int32_t stride, int32_t n, int32_t out[4]) {
    int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
    const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t va = vld1q_s16(a + i);
        c0 = mla_s16x8(c0, va, vmovl_s8(vld1_s8(w0 + i)));
        c1 = mla_s16x8(c1, va, vmovl_s8(vld1_s8(w1 + i)));
        c2 = mla_s16x8(c2, va, vmovl_s8(vld1_s8(w2 + i)));
        c3 = mla_s16x8(c3, va, vmovl_s8(vld1_s8(w3 + i)));
    }
    int32_t s0 = vaddvq_s32(c0), s1 = vaddvq_s32(c1), s2 = vaddvq_s32(c2), s3 = vaddvq_s32(c3);
    for (; i < n; i++) {
        s0 += (int32_t)a[i] * w0[i];
        s1 += (int32_t)a[i] * w1[i];
        s2 += (int32_t)a[i] * w2[i];
        s3 += (int32_t)a[i] * w3[i];
    }
    out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

static inline int16x8_t load_s8zp(const int8_t *x, int16x8_t vzp) {
    return vsubq_s16(vmovl_s8(vld1_s8(x)), vzp);
}

static int32_t dot_s8zp_s8(const int8_t *x, int32_t zp, const int8_t *w, int32_t n) {
    const int16x8_t vzp = vdupq_n_s16((int16_t)zp);
    int32x4_t acc = vdupq_n_s32(0);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) acc = mla_s16x8(acc, load_s8zp(x + i, vzp), vmovl_s8(vld1_s8(w + i)));
    int32_t s = vaddvq_s32(acc);
    for (; i < n; i++) s += ((int32_t)x[i] - zp) * w[i];
    return s;
}

static void dot4_s8zp_s8(const int8_t *x, int32_t zp, const int8_t *w, int32_t stride, int32_t n,
                         int32_t out[4]) {
    const int16x8_t vzp = vdupq_n_s16((int16_t)zp);
    int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
    const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t vx = load_s8zp(x + i, vzp);
        c0 = mla_s16x8(c0, vx, vmovl_s8(vld1_s8(w0 + i)));
        c1 = mla_s16x8(c1, vx, vmovl_s8(vld1_s8(w1 + i)));
        c2 = mla_s16x8(c2, vx, vmovl_s8(vld1_s8(w2 + i)));
        c3 = mla_s16x8(c3, vx, vmovl_s8(vld1_s8(w3 + i)));
    }
    int32_t s0 = vaddvq_s32(c0), s1 = vaddvq_s32(c1), s2 = vaddvq_s32(c2), s3 = vaddvq_s32(c3);
    for (; i < n; i++) {
        int32_t v = (int32_t)x[i] - zp;
        s0 += v * w0[i];
        s1 += v * w1[i];
        s2 += v * w2[i];
        s3 += v * w3[i];
    }
    out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

static void dot4_s16_s16(const int16_t *a, const int16_t *w, int32_t stride, int32_t n, int32_t out[4]) {
    int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
    for (int32_t i = 0; i < n; i += 8) {
        int16x8_t va = vld1q_s16(a + i);
        c0 = mla_s16x8(c0, va, vld1q_s16(w + i));
        c1 = mla_s16x8(c1, va, vld1q_s16(w + stride + i));
        c2 = mla_s16x8(c2, va, vld1q_s16(w + 2 * stride + i));
        c3 = mla_s16x8(c3, va, vld1q_s16(w + 3 * stride + i));
    }
    vst1q_s32(out, vpaddq_s32(vpaddq_s32(c0, c1), vpaddq_s32(c2, c3)));
}

static inline int32x4_t finish4(int32x4_t a, const int32_t *mult, const int32_t *shift, int32x4_t vlo,
                                int32x4_t vhi, int32x4_t vzp) {
    int32x4_t sh = vld1q_s32(shift), zero = vdupq_n_s32(0);
    int32x4_t v = nn_requant_neon(a, vld1q_s32(mult), vmaxq_s32(sh, zero), vmaxq_s32(vnegq_s32(sh), zero));
    /* clamp(r + zp, lo, hi) == clamp(r, lo - zp, hi - zp) + zp, which cannot overflow */
    return vaddq_s32(vminq_s32(vmaxq_s32(v, vlo), vhi), vzp);
}

static void finish_s32_s8(const int32_t *acc, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                          int32_t n, int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    const int32x4_t vlo = vdupq_n_s32(lo - zp), vhi = vdupq_n_s32(hi - zp), vzp = vdupq_n_s32(zp);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int32x4_t a0 = vld1q_s32(acc + i), a1 = vld1q_s32(acc + i + 4);
        if (bias) a0 = vqaddq_s32(a0, vld1q_s32(bias + i)), a1 = vqaddq_s32(a1, vld1q_s32(bias + i + 4));
        int32x4_t v0 = finish4(a0, mult + i, shift + i, vlo, vhi, vzp);
        int32x4_t v1 = finish4(a1, mult + i + 4, shift + i + 4, vlo, vhi, vzp);
        vst1_s8(out + i, vmovn_s16(vcombine_s16(vmovn_s32(v0), vmovn_s32(v1))));
    }
    for (; i < n; i++) out[i] = nn_finish(acc[i], bias ? bias[i] : 0, mult[i], shift[i], zp, lo, hi);
}

static void finish_s32_s16(const int32_t *acc, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                           int32_t n, int16_t *out) {
    const int32x4_t zero = vdupq_n_s32(0);
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        int32x4_t a = vld1q_s32(acc + i), sh = vld1q_s32(shift + i);
        if (bias) a = vqaddq_s32(a, vld1q_s32(bias + i));
        int32x4_t v = nn_requant_neon(a, vld1q_s32(mult + i), vmaxq_s32(sh, zero), vmaxq_s32(vnegq_s32(sh), zero));
        vst1_s16(out + i, vqmovn_s32(v)); /* saturates to int16 */
    }
    for (; i < n; i++) out[i] = nn_sat16(nn_rq(nn_sat32((int64_t)acc[i] + (bias ? bias[i] : 0)), mult[i], shift[i]));
}

static void max_s8(int8_t *acc, const int8_t *x, int32_t n) {
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) vst1q_s8(acc + i, vmaxq_s8(vld1q_s8(acc + i), vld1q_s8(x + i)));
    for (; i < n; i++) acc[i] = acc[i] > x[i] ? acc[i] : x[i];
}

static void acc_s8_s32(int32_t *acc, const int8_t *x, int32_t n) {
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t v = vmovl_s8(vld1_s8(x + i));
        vst1q_s32(acc + i, vaddw_s16(vld1q_s32(acc + i), vget_low_s16(v)));
        vst1q_s32(acc + i + 4, vaddw_high_s16(vld1q_s32(acc + i + 4), v));
    }
    for (; i < n; i++) acc[i] += x[i];
}

static int32_t max_row_s8(const int8_t *x, int32_t n) {
    int32_t i = 0, m = -128;
    if (n >= 16) {
        int8x16_t vm = vld1q_s8(x);
        for (i = 16; i + 16 <= n; i += 16) vm = vmaxq_s8(vm, vld1q_s8(x + i));
        m = vmaxvq_s8(vm);
    }
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

/* No gather on NEON: indices are computed 8 at a time, the loads stay scalar. */
static int64_t sum_table_s8(const int32_t *table, const int8_t *x, int32_t n, int32_t m) {
    int64_t s = 0;
    int32_t i = 0;
    int16_t idx[8];
    const int16x8_t vm = vdupq_n_s16((int16_t)m);
    for (; i + 8 <= n; i += 8) {
        vst1q_s16(idx, vsubq_s16(vm, vmovl_s8(vld1_s8(x + i))));
        s += (int64_t)table[idx[0]] + table[idx[1]] + table[idx[2]] + table[idx[3]] + table[idx[4]] +
             table[idx[5]] + table[idx[6]] + table[idx[7]];
    }
    for (; i < n; i++) s += table[m - x[i]];
    return s;
}

const nn_simd_kit NN_SIMD_NEON = {
    .dot_s16_s8 = dot_s16_s8,
    .dot4_s16_s8 = dot4_s16_s8,
    .dot_s8zp_s8 = dot_s8zp_s8,
    .dot4_s8zp_s8 = dot4_s8zp_s8,
    .dot4_s16_s16 = dot4_s16_s16,
    .finish_s32_s8 = finish_s32_s8,
    .finish_s32_s16 = finish_s32_s16,
    .gru_gates = NULL, /* no gather on NEON: the scalar gate code */
    .max_s8 = max_s8,
    .acc_s8_s32 = acc_s8_s32,
    .max_row_s8 = max_row_s8,
    .sum_table_s8 = sum_table_s8,
};
#endif
