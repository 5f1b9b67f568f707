/* Per-interval FFT features: mean removal, window, zero padding, mixed-radix complex FFT
 * (recursive decimation in time; radix-2/3/4/5 butterflies, generic radix-p for other factors),
 * bins 0..B-1 scaled by 2/sum(w). An even N runs one complex FFT of size N/2 over the packed
 * real sequence (the standard real-FFT split). Double precision throughout; float output. */
#include <string.h>

#include "nn_dsp_plan.h"

int32_t nn_dsp_features_f32_get_buffer_size(const nn_dsp_params *params) {
    if (!nn_dsp_params_ok(params)) return 0;
    return params->fft_size * (int32_t)sizeof(nn_complex) * 2;
}

static inline nn_complex cmul(nn_complex a, nn_complex b) {
    nn_complex r = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
    return r;
}

/* out[0..n) = DFT of in[0], in[stride], ..., in[(n-1)*stride]; tw is the size-N table. */
static void fft_rec(const nn_complex *in, int32_t stride, nn_complex *out, int32_t n,
                    const int32_t *factors, const nn_complex *tw, int32_t big_n) {
    if (n <= 1) {
        out[0] = in[0];
        return;
    }
    const int32_t p = factors[0], m = n / p, step = big_n / n;
    for (int32_t q = 0; q < p; q++) fft_rec(in + q * stride, stride * p, out + q * m, m, factors + 1, tw, big_n);
    if (p == 2) {
        for (int32_t k = 0; k < m; k++) {
            nn_complex a = out[k], b = cmul(out[m + k], tw[k * step]);
            out[k].re = a.re + b.re, out[k].im = a.im + b.im;
            out[m + k].re = a.re - b.re, out[m + k].im = a.im - b.im;
        }
        return;
    }
    if (p == 4) {
        for (int32_t k = 0; k < m; k++) {
            nn_complex y0 = out[k], y1 = cmul(out[m + k], tw[k * step]);
            nn_complex y2 = cmul(out[2 * m + k], tw[2 * k * step]), y3 = cmul(out[3 * m + k], tw[3 * k * step]);
            nn_complex s02 = {y0.re + y2.re, y0.im + y2.im}, d02 = {y0.re - y2.re, y0.im - y2.im};
            nn_complex s13 = {y1.re + y3.re, y1.im + y3.im}, d13 = {y1.re - y3.re, y1.im - y3.im};
            out[k].re = s02.re + s13.re, out[k].im = s02.im + s13.im;
            out[m + k].re = d02.re + d13.im, out[m + k].im = d02.im - d13.re;         /* d02 - i*d13 */
            out[2 * m + k].re = s02.re - s13.re, out[2 * m + k].im = s02.im - s13.im;
            out[3 * m + k].re = d02.re - d13.im, out[3 * m + k].im = d02.im + d13.re; /* d02 + i*d13 */
        }
        return;
    }
    if (p == 3) {
        const double s60 = 0.86602540378443864676; /* sin(2 pi / 3) */
        for (int32_t k = 0; k < m; k++) {
            nn_complex y0 = out[k], y1 = cmul(out[m + k], tw[k * step]), y2 = cmul(out[2 * m + k], tw[2 * k * step]);
            nn_complex t1 = {y1.re + y2.re, y1.im + y2.im};
            nn_complex t2 = {y0.re - 0.5 * t1.re, y0.im - 0.5 * t1.im};
            nn_complex d = {s60 * (y1.re - y2.re), s60 * (y1.im - y2.im)};
            out[k].re = y0.re + t1.re, out[k].im = y0.im + t1.im;
            out[m + k].re = t2.re + d.im, out[m + k].im = t2.im - d.re;         /* t2 - i*d */
            out[2 * m + k].re = t2.re - d.im, out[2 * m + k].im = t2.im + d.re; /* t2 + i*d */
        }
        return;
    }
    if (p == 5) {
        const double c1 = 0.30901699437494742410, c2 = -0.80901699437494742410; /* cos(2pi/5), cos(4pi/5) */
        const double s1 = 0.95105651629515357212, s2 = 0.58778525229247312917; /* sin(2pi/5), sin(4pi/5) */
        for (int32_t k = 0; k < m; k++) {
            nn_complex y0 = out[k], y1 = cmul(out[m + k], tw[k * step]);
            nn_complex y2 = cmul(out[2 * m + k], tw[2 * k * step]), y3 = cmul(out[3 * m + k], tw[3 * k * step]);
            nn_complex y4 = cmul(out[4 * m + k], tw[4 * k * step]);
            nn_complex a1 = {y1.re + y4.re, y1.im + y4.im}, b1 = {y1.re - y4.re, y1.im - y4.im};
            nn_complex a2 = {y2.re + y3.re, y2.im + y3.im}, b2 = {y2.re - y3.re, y2.im - y3.im};
            nn_complex r1 = {y0.re + c1 * a1.re + c2 * a2.re, y0.im + c1 * a1.im + c2 * a2.im};
            nn_complex r2 = {y0.re + c2 * a1.re + c1 * a2.re, y0.im + c2 * a1.im + c1 * a2.im};
            nn_complex v1 = {s1 * b1.re + s2 * b2.re, s1 * b1.im + s2 * b2.im};
            nn_complex v2 = {s2 * b1.re - s1 * b2.re, s2 * b1.im - s1 * b2.im};
            out[k].re = y0.re + a1.re + a2.re, out[k].im = y0.im + a1.im + a2.im;
            out[m + k].re = r1.re + v1.im, out[m + k].im = r1.im - v1.re;         /* r1 - i*v1 */
            out[4 * m + k].re = r1.re - v1.im, out[4 * m + k].im = r1.im + v1.re; /* r1 + i*v1 */
            out[2 * m + k].re = r2.re + v2.im, out[2 * m + k].im = r2.im - v2.re; /* r2 - i*v2 */
            out[3 * m + k].re = r2.re - v2.im, out[3 * m + k].im = r2.im + v2.re; /* r2 + i*v2 */
        }
        return;
    }
    nn_complex t[64];
    for (int32_t k = 0; k < m; k++) {
        for (int32_t q = 0; q < p; q++) t[q] = out[q * m + k];
        for (int32_t r = 0; r < p; r++) {
            double re = 0.0, im = 0.0;
            int32_t idx = 0, inc = (int32_t)(((int64_t)(k + r * m) * step) % big_n);
            for (int32_t q = 0; q < p; q++) {
                const nn_complex w = tw[idx];
                re += t[q].re * w.re - t[q].im * w.im;
                im += t[q].re * w.im + t[q].im * w.re;
                idx += inc;
                if (idx >= big_n) idx -= big_n;
            }
            out[k + r * m].re = re;
            out[k + r * m].im = im;
        }
    }
}

nn_status nn_dsp_features_f32(const nn_context *ctx, const nn_dsp_params *params, const void *plan,
                              const nn_dims *input_dims, const float *input,
                              const nn_dims *output_dims, float *output) {
    if (!nn_dsp_params_ok(params) || !plan || !input || !output) return NN_ERR_ARGUMENT;
    nn_dsp_plan_header h;
    memcpy(&h, plan, sizeof h);
    if (h.magic != NN_DSP_MAGIC || h.fft_size != params->fft_size || h.samples != params->samples ||
        h.bins != params->bins || h.window != params->window)
        return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims) || input_dims->l != h.samples ||
        input_dims->c != 1 || output_dims->t != input_dims->t || output_dims->l != h.bins ||
        output_dims->c != 2)
        return NN_ERR_SHAPE;
    if (!nn_scratch_ok(ctx, nn_dsp_features_f32_get_buffer_size(params)) || !ctx) return NN_ERR_BUFFER;
    const int32_t n = h.fft_size, s = h.samples;
    const double *w = (const double *)((const char *)plan + nn_dsp_header_bytes());
    const nn_complex *tw = (const nn_complex *)((const char *)w + nn_align16(s * 8));
    nn_complex *buf = (nn_complex *)ctx->buf, *spec = buf + n;
    for (int32_t t = 0; t < input_dims->t; t++) {
        const float *x = input + (int64_t)t * s;
        double mean = 0.0;
        for (int32_t i = 0; i < s; i++) mean += x[i];
        mean /= s;
        float *o = output + (int64_t)t * h.bins * 2;
        if (n % 2) { /* odd N: complex FFT of the real sequence */
            for (int32_t i = 0; i < s; i++) buf[i].re = ((double)x[i] - mean) * w[i], buf[i].im = 0.0;
            for (int32_t i = s; i < n; i++) buf[i].re = 0.0, buf[i].im = 0.0;
            fft_rec(buf, 1, spec, n, h.factors, tw, n);
            for (int32_t k = 0; k < h.bins; k++) {
                o[2 * k] = (float)(spec[k].re * h.scale);
                o[2 * k + 1] = (float)(spec[k].im * h.scale);
            }
            continue;
        }
        /* even N: z[j] = v[2j] + i v[2j+1], Z = FFT_{N/2}(z), then
         * X[k] = (Z[k] + conj Z[N/2-k]) / 2 + W_N^k (Z[k] - conj Z[N/2-k]) / (2i) */
        const int32_t half = n / 2;
        for (int32_t j = 0; j < half; j++) {
            int32_t i0 = 2 * j, i1 = 2 * j + 1;
            buf[j].re = i0 < s ? ((double)x[i0] - mean) * w[i0] : 0.0;
            buf[j].im = i1 < s ? ((double)x[i1] - mean) * w[i1] : 0.0;
        }
        fft_rec(buf, 1, spec, half, h.half_factors, tw, n);
        for (int32_t k = 0; k < h.bins; k++) {
            nn_complex zk = spec[k % half], zc = spec[(half - k) % half];
            nn_complex fe = {0.5 * (zk.re + zc.re), 0.5 * (zk.im - zc.im)};
            nn_complex d = {zk.re - zc.re, zk.im + zc.im}; /* Z[k] - conj Z[N/2-k] */
            nn_complex fo = {0.5 * d.im, -0.5 * d.re};    /* d / (2i) */
            nn_complex xk = cmul(fo, tw[k]);
            o[2 * k] = (float)((fe.re + xk.re) * h.scale);
            o[2 * k + 1] = (float)((fe.im + xk.im) * h.scale);
        }
    }
    return NN_OK;
}
