/* Per-interval FFT features: mean removal, window, zero padding, mixed-radix complex FFT
 * (recursive decimation in time, in-place generic radix-p butterflies over a twiddle table),
 * bins 0..B-1 scaled by 2/sum(w). Double precision throughout; float output. */
#include <string.h>

#include "nn_dsp_plan.h"

int32_t nn_dsp_features_f32_get_buffer_size(const nn_dsp_params *params) {
    if (!nn_dsp_params_ok(params)) return 0;
    return params->fft_size * (int32_t)sizeof(nn_complex) * 2;
}

/* out[0..n) = DFT of in[0], in[stride], ..., in[(n-1)*stride]; tw is the size-N table. */
static void fft_rec(const nn_complex *in, int32_t stride, nn_complex *out, int32_t n,
                    const int32_t *factors, const nn_complex *tw, int32_t big_n) {
    if (n == 1) {
        out[0] = in[0];
        return;
    }
    const int32_t p = factors[0], m = n / p, step = big_n / n;
    for (int32_t q = 0; q < p; q++) fft_rec(in + q * stride, stride * p, out + q * m, m, factors + 1, tw, big_n);
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
    /* every factor must fit the butterfly's stack buffer */
    for (int32_t i = 0; i < h.nfactors; i++)
        if (h.factors[i] > 64) return NN_ERR_ARGUMENT;
    const int32_t n = h.fft_size, s = h.samples;
    const double *w = (const double *)((const char *)plan + nn_dsp_header_bytes());
    const nn_complex *tw = (const nn_complex *)((const char *)w + nn_align16(s * 8));
    nn_complex *buf = (nn_complex *)ctx->buf, *spec = buf + n;
    for (int32_t t = 0; t < input_dims->t; t++) {
        const float *x = input + (int64_t)t * s;
        double mean = 0.0;
        for (int32_t i = 0; i < s; i++) mean += x[i];
        mean /= s;
        for (int32_t i = 0; i < s; i++) buf[i].re = ((double)x[i] - mean) * w[i], buf[i].im = 0.0;
        for (int32_t i = s; i < n; i++) buf[i].re = 0.0, buf[i].im = 0.0;
        fft_rec(buf, 1, spec, n, h.factors, tw, n);
        float *o = output + (int64_t)t * h.bins * 2;
        for (int32_t k = 0; k < h.bins; k++) {
            o[2 * k] = (float)(spec[k].re * h.scale);
            o[2 * k + 1] = (float)(spec[k].im * h.scale);
        }
    }
    return NN_OK;
}
