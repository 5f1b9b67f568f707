/* Layout of an nn_dsp plan (internal): header, then the window (S doubles), then the twiddles
 * e^{-2 pi i k / N} for k = 0..N-1 (N complex doubles). */
#ifndef CASCADIA_NN_DSP_PLAN_H
#define CASCADIA_NN_DSP_PLAN_H
#include "nn_internal.h"

#define NN_DSP_MAGIC 0x43445350 /* "CDSP" */
#define NN_DSP_MAX_FACTORS 32

typedef struct {
    double re, im;
} nn_complex;

typedef struct {
    int32_t magic;
    int32_t fft_size, samples, bins, window;
    int32_t nfactors;
    int32_t factors[NN_DSP_MAX_FACTORS];      /* of N (odd N: the complex FFT of the interval) */
    int32_t half_factors[NN_DSP_MAX_FACTORS]; /* of N/2 (even N: real FFT via a half-size one) */
    double scale; /* 2 / sum(w) */
} nn_dsp_plan_header;

static inline int32_t nn_dsp_header_bytes(void) { return nn_align16((int32_t)sizeof(nn_dsp_plan_header)); }

static inline int nn_dsp_params_ok(const nn_dsp_params *p) {
    return p && p->samples >= 1 && p->samples <= 65536 && p->fft_size >= p->samples &&
           p->fft_size <= 65536 && p->bins >= 1 && p->bins <= p->fft_size / 2 + 1 &&
           (p->window == NN_DSP_WINDOW_RECTANGULAR || p->window == NN_DSP_WINDOW_HANN);
}
#endif
