#include <math.h>
#include <string.h>

#include "nn_dsp_plan.h"

/* Radix 4 first, then 2, 3, 5, then primes up to 61; 0 when a larger prime divides n.
 * The list ends with a 1 (n = 1 has the empty factorization). */
static int factorize(int32_t n, int32_t *factors) {
    static const int32_t radices[] = {4, 2, 3, 5};
    int count = 0;
    for (int r = 0; r < 4; r++)
        while (n % radices[r] == 0 && n > 1) factors[count++] = radices[r], n /= radices[r];
    for (int32_t p = 7; n > 1; p += 2) {
        if (p > 61) return 0;
        while (n % p == 0) factors[count++] = p, n /= p;
    }
    factors[count] = 1;
    return 1;
}

nn_status nn_dsp_plan_init(const nn_dsp_params *params, void *plan, int32_t plan_bytes) {
    if (!nn_dsp_params_ok(params) || !plan) return NN_ERR_ARGUMENT;
    if (plan_bytes < nn_dsp_plan_size(params)) return NN_ERR_BUFFER;
    nn_dsp_plan_header h;
    memset(&h, 0, sizeof h);
    h.magic = NN_DSP_MAGIC;
    h.fft_size = params->fft_size, h.samples = params->samples, h.bins = params->bins;
    h.window = params->window;
    if (!factorize(params->fft_size, h.factors)) return NN_ERR_ARGUMENT;
    if (params->fft_size % 2 == 0 && !factorize(params->fft_size / 2, h.half_factors)) return NN_ERR_ARGUMENT;
    double *w = (double *)((char *)plan + nn_dsp_header_bytes());
    nn_complex *tw = (nn_complex *)((char *)w + nn_align16(params->samples * 8));
    const double two_pi = 6.283185307179586476925286766559;
    double sum = 0.0;
    for (int32_t i = 0; i < params->samples; i++) {
        w[i] = params->window == NN_DSP_WINDOW_HANN ? 0.5 - 0.5 * cos(two_pi * i / params->samples) : 1.0;
        sum += w[i];
    }
    /* S = 1 with a Hann window has sum 0: the only sample is weighted 0, output is all zero */
    h.scale = sum > 0.0 ? 2.0 / sum : 0.0;
    for (int32_t k = 0; k < params->fft_size; k++) {
        tw[k].re = cos(two_pi * k / params->fft_size);
        tw[k].im = -sin(two_pi * k / params->fft_size);
    }
    memcpy(plan, &h, sizeof h);
    return NN_OK;
}
