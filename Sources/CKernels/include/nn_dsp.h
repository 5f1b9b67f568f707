/* CKernels DSP front end: per-interval real FFT features (docs/dsp.md has the math and the
 * tolerance against training/cascadia_train/dsp.py). */
#ifndef CASCADIA_NN_DSP_H
#define CASCADIA_NN_DSP_H
#include "nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Analysis window applied to the S samples of an interval before zero padding. */
typedef enum {
    NN_DSP_WINDOW_RECTANGULAR = 0, /**< w[n] = 1 */
    NN_DSP_WINDOW_HANN = 1,        /**< periodic Hann: w[n] = 0.5 - 0.5 cos(2 pi n / S) */
} nn_dsp_window;

/** Framing of one modality's FFT features. */
typedef struct {
    int32_t samples;  /**< S, samples per interval, [1, 65536] (e.g. 1600 = 0.2 s at 8 kHz) */
    int32_t fft_size; /**< N, [S, 65536], any integer whose prime factors are <= 61 (mixed
                           radix, generic radix-p butterflies); the interval is zero-padded to N.
                           N = S (e.g. 1600) or a power of two >= S (e.g. 2048) both work */
    int32_t bins;     /**< B, [1, N/2 + 1]: bins 0 .. B-1 are kept */
    int32_t window;   /**< nn_dsp_window */
} nn_dsp_params;

/** Bytes of the plan (window, twiddles, factorization) for these params; 0 if params invalid. */
int32_t nn_dsp_plan_size(const nn_dsp_params *params);

/** Build the plan into caller memory (16-byte aligned, nn_dsp_plan_size bytes). Load time only:
 * uses cos/sin. NN_ERR_ARGUMENT for invalid params or a prime factor of N above 61. The plan is read-only afterwards and may be shared by concurrent calls. */
nn_status nn_dsp_plan_init(const nn_dsp_params *params, void *plan, int32_t plan_bytes);

/** Scratch bytes nn_dsp_features_f32 needs in ctx->buf (4*N doubles). */
int32_t nn_dsp_features_f32_get_buffer_size(const nn_dsp_params *params);

/** FFT features of T intervals of one modality.
 * input  [T, S, 1] float samples (the runtime's units, identical to what training feeds dsp.py);
 * output [T, B, 2] float, channel 0 = real part, channel 1 = imaginary part:
 *   m = mean(x[0..S-1]),  X[k] = (2 / sum_n w[n]) * sum_{n<S} w[n] (x[n] - m) e^{-2 pi i k n / N}
 * computed in double precision, stored as float. Non-finite input gives non-finite output.
 * Real-time safe. */
nn_status nn_dsp_features_f32(const nn_context *ctx, const nn_dsp_params *params,
                              const void *plan, const nn_dims *input_dims, const float *input,
                              const nn_dims *output_dims, float *output);

#ifdef __cplusplus
}
#endif
#endif
