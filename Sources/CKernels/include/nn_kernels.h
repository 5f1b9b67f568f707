/* CKernels fixed-point neural-network kernels.
 *
 * Conventions shared by every kernel (details and formulas: docs/quantization.md):
 * - Argument order: context, params, quant params, input dims/data, weight dims/data, bias,
 *   output dims/data. Everything but the output (and the GRU state) is const.
 * - Activations are int8, asymmetric per tensor: real = scale * (q - zero_point). Kernels see
 *   only zero points and integer multipliers; scales stay with the caller.
 * - Weights are int8, symmetric per output channel (zero point 0). Biases are int32 with scale
 *   input_scale * weight_scale[o], zero point 0.
 * - Accumulation is exact (int32 for dot lengths <= NN_MAX_DOT, 64-bit beyond); the bias is added
 *   with int32 saturation; requantization is nn_requantize (gemmlowp rounding, see below).
 * - `act_min`/`act_max` clamp the int8 output: -128 <= act_min <= act_max <= 127. A fused ReLU is
 *   act_min = max(-128, output_zero_point), act_max = 127.
 * - The public entry point `nn_<op>` takes ctx->isa's path (AVX2 on x86-64, NEON on aarch64,
 *   else portable C); `nn_<op>_ref` always runs the portable C path. Both validate their
 *   arguments identically and return bit-identical outputs. ctx may be NULL for kernels whose
 *   `_get_buffer_size` is 0 (then the REF path runs).
 * - Kernels never allocate, print, or read mutable global state; outputs must not alias inputs.
 *   Real-time safe.
 */
#ifndef CASCADIA_NN_KERNELS_H
#define CASCADIA_NN_KERNELS_H
#include "nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- requantization helpers */

/** Requantize an int32 value by multiplier * 2^(shift - 31), the single rounding rule of every
 * kernel (gemmlowp / TFLite MultiplyByQuantizedMultiplier, arXiv:1712.05877):
 *   left  = max(shift, 0), right = max(-shift, 0)
 *   a     = saturate_int32(x * 2^left)
 *   b     = SaturatingRoundingDoublingHighMul(a, multiplier)
 *           (= INT32_MAX if a == multiplier == INT32_MIN, else
 *              (a*m + (a*m >= 0 ? 2^30 : 1 - 2^30)) / 2^31 with truncation toward zero)
 *   return RoundingDivideByPOT(b, right)  (round half away from zero)
 * multiplier in [0, 2^31-1], shift in [-31, 30]. Pure. */
int32_t nn_requantize(int32_t x, int32_t multiplier, int32_t shift);

/** Decompose a real factor (> 0, finite) into multiplier/shift (the model loader's procedure):
 * (q, e) = frexp(real); m = round_half_away(q * 2^31); if m == 2^31 { m = 2^30; e += 1 };
 * requires -31 <= e <= 30. Returns NN_ERR_ARGUMENT (outputs untouched) when out of range. */
nn_status nn_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift);

/* ---------------------------------------------------------------------------- conv1d */

/** conv1d parameters. Output length
 *   l_out = floor((l + pad_left + pad_right - dilation*(kernel-1) - 1) / stride) + 1  (>= 1).
 * Padded positions hold the input zero point (real 0). */
typedef struct {
    int32_t input_zero_point;  /**< [-128, 127] */
    int32_t output_zero_point; /**< [-128, 127] */
    int32_t stride;            /**< [1, 65536] */
    int32_t dilation;          /**< [1, 65536] */
    int32_t pad_left;          /**< [0, dilation*(kernel-1)] */
    int32_t pad_right;         /**< [0, dilation*(kernel-1)] */
    int32_t act_min;           /**< [-128, act_max] */
    int32_t act_max;           /**< [act_min, 127] */
} nn_conv_params;

/** Output length of conv1d (formula above); <= 0 when the configuration yields no output. */
int32_t nn_conv1d_output_length(int32_t length, int32_t kernel, int32_t stride, int32_t dilation,
                                int32_t pad_left, int32_t pad_right);

/** Scratch bytes nn_conv1d_s8 needs for these shapes (the AVX2/NEON paths use it; the REF path
 * needs none). Size it at load time; it does not depend on the ISA. It includes one int16 input
 * row per time step (room for up to 2·kernel padded positions) that lets the dilation-1 paths
 * skip the per-position patch copy; a smaller scratch that still holds the patch and the repacked
 * weights gives the same results, only slower (below that: NN_ERR_BUFFER). */
int32_t nn_conv1d_s8_get_buffer_size(const nn_dims *input_dims, const nn_filter_dims *filter_dims);

/** 1-D convolution along `l`, independently for every `t`, with per-output-channel requant.
 * input  [t, l, c_in] int8;  filter [c_out, kernel, c_in] int8, values in [-127, 127] (also
 *   -128 is computed exactly); kernel in [1, 64], kernel*c_in <= NN_MAX_DOT;
 * bias   [c_out] int32 or NULL (zeros); quant: c_out multipliers/shifts;
 * output [t, l_out, c_out] int8 (output_dims must equal {t, l_out, c_out}).
 *   acc[t,x,o] = sat32(bias[o] + sum_{k,i, p=x*stride-pad_left+k*dilation in [0,l)}
 *                      (in[t,p,i] - input_zp) * w[o,k,i])
 *   out = clamp(nn_requantize(acc, m[o], s[o]) + output_zp, act_min, act_max)
 * Needs nn_conv1d_s8_get_buffer_size bytes of scratch in ctx for optimized paths. */
nn_status nn_conv1d_s8(const nn_context *ctx, const nn_conv_params *params,
                       const nn_per_channel_quant *quant, const nn_dims *input_dims,
                       const int8_t *input, const nn_filter_dims *filter_dims,
                       const int8_t *filter, const int32_t *bias, const nn_dims *output_dims,
                       int8_t *output);
nn_status nn_conv1d_s8_ref(const nn_context *ctx, const nn_conv_params *params,
                           const nn_per_channel_quant *quant, const nn_dims *input_dims,
                           const int8_t *input, const nn_filter_dims *filter_dims,
                           const int8_t *filter, const int32_t *bias,
                           const nn_dims *output_dims, int8_t *output);

/* ----------------------------------------------------------------------------- dense */

typedef struct {
    int32_t input_zero_point;  /**< [-128, 127] */
    int32_t output_zero_point; /**< [-128, 127] */
    int32_t act_min;           /**< [-128, act_max] */
    int32_t act_max;           /**< [act_min, 127] */
} nn_dense_params;

/** Scratch bytes nn_dense_s8 needs (currently 0). */
int32_t nn_dense_s8_get_buffer_size(const nn_dims *input_dims, const nn_filter_dims *filter_dims);

/** Fully connected layer applied to each of the t*l rows of `c` features.
 * input [t, l, c_in] int8 (flatten a whole tensor by passing {1, 1, t*l*c});
 * filter [c_out, 1, c_in] int8 (kernel must be 1), c_out*c_in <= 2^24; bias [c_out] or NULL;
 * output [t, l, c_out] int8.
 *   out[r,o] = clamp(nn_requantize(sat32(bias[o] + sum_i (in[r,i] - input_zp) * w[o,i]),
 *                                  m[o], s[o]) + output_zp, act_min, act_max)
 * The sum is exact (for c_in > NN_MAX_DOT it is formed in 64 bits) and saturated once, with the
 * bias, to int32. */
nn_status nn_dense_s8(const nn_context *ctx, const nn_dense_params *params,
                      const nn_per_channel_quant *quant, const nn_dims *input_dims,
                      const int8_t *input, const nn_filter_dims *filter_dims,
                      const int8_t *filter, const int32_t *bias, const nn_dims *output_dims,
                      int8_t *output);
nn_status nn_dense_s8_ref(const nn_context *ctx, const nn_dense_params *params,
                          const nn_per_channel_quant *quant, const nn_dims *input_dims,
                          const int8_t *input, const nn_filter_dims *filter_dims,
                          const int8_t *filter, const int32_t *bias, const nn_dims *output_dims,
                          int8_t *output);

/* --------------------------------------------------------------------------- pooling */

/** Pooling window along `l`: l_out = floor((l + pad_left + pad_right - kernel) / stride) + 1.
 * Padded positions are excluded (not counted) from max and mean. Every window must overlap at
 * least one real position (pad_left, pad_right < kernel). Same quantization in and out. */
typedef struct {
    int32_t kernel;    /**< [1, 65536] */
    int32_t stride;    /**< [1, 65536] */
    int32_t pad_left;  /**< [0, kernel-1] */
    int32_t pad_right; /**< [0, kernel-1] */
    int32_t act_min;   /**< [-128, act_max] */
    int32_t act_max;   /**< [act_min, 127] */
} nn_pool_params;

/** Output length of a pool (formula above); <= 0 when there is no output. */
int32_t nn_pool_output_length(int32_t length, int32_t kernel, int32_t stride, int32_t pad_left,
                              int32_t pad_right);

/** Max pool along `l` for each t and channel. input [t, l, c]; output [t, l_out, c].
 *   out = clamp(max over the window's real positions, act_min, act_max) */
nn_status nn_maxpool1d_s8(const nn_context *ctx, const nn_pool_params *params,
                          const nn_dims *input_dims, const int8_t *input,
                          const nn_dims *output_dims, int8_t *output);
nn_status nn_maxpool1d_s8_ref(const nn_context *ctx, const nn_pool_params *params,
                              const nn_dims *input_dims, const int8_t *input,
                              const nn_dims *output_dims, int8_t *output);

/** Average pool along `l`. input [t, l, c]; output [t, l_out, c].
 *   out = clamp(round_half_away(sum / n), act_min, act_max), n = real positions in the window
 * (integer division, no zero point correction needed since in and out share quantization). */
nn_status nn_avgpool1d_s8(const nn_context *ctx, const nn_pool_params *params,
                          const nn_dims *input_dims, const int8_t *input,
                          const nn_dims *output_dims, int8_t *output);
nn_status nn_avgpool1d_s8_ref(const nn_context *ctx, const nn_pool_params *params,
                              const nn_dims *input_dims, const int8_t *input,
                              const nn_dims *output_dims, int8_t *output);

/** Global average over `l`: input [t, l, c] -> output [t, 1, c], out = round_half_away(sum / l).
 * Same quantization in and out. Mean over time of [T, L, C]: call with input {1, T, L*C} and
 * output {1, 1, L*C} (a reshape, no copy). l <= 2^24. */
nn_status nn_global_avgpool_s8(const nn_context *ctx, const nn_dims *input_dims,
                               const int8_t *input, const nn_dims *output_dims, int8_t *output);
nn_status nn_global_avgpool_s8_ref(const nn_context *ctx, const nn_dims *input_dims,
                                   const int8_t *input, const nn_dims *output_dims,
                                   int8_t *output);

/* ------------------------------------------------------------------------------- add */

/** Element-wise add with per-input quantization (the TFLite/CMSIS-NN scheme). With
 * twice_max = 2*max(s1, s2): input1 = quantize_multiplier(s1 / twice_max), input2 likewise,
 * output = quantize_multiplier(twice_max / (2^left_shift * s_out)). */
typedef struct {
    int32_t input1_zero_point; /**< [-128, 127] */
    int32_t input2_zero_point; /**< [-128, 127] */
    int32_t output_zero_point; /**< [-128, 127] */
    int32_t left_shift;        /**< [0, 20]; 20 is the standard value */
    nn_requant input1;         /**< shift in [-31, 0] */
    nn_requant input2;         /**< shift in [-31, 0] */
    nn_requant output;
    int32_t act_min;
    int32_t act_max;
} nn_add_params;

/** out = clamp(nn_requantize(a1 + a2, output) + output_zp, act_min, act_max) where
 *   a1 = nn_requantize((in1 - zp1) * 2^left_shift, input1), a2 likewise.
 * All three dims must be equal. */
nn_status nn_add_s8(const nn_context *ctx, const nn_add_params *params,
                    const nn_dims *input1_dims, const int8_t *input1,
                    const nn_dims *input2_dims, const int8_t *input2,
                    const nn_dims *output_dims, int8_t *output);
nn_status nn_add_s8_ref(const nn_context *ctx, const nn_add_params *params,
                        const nn_dims *input1_dims, const int8_t *input1,
                        const nn_dims *input2_dims, const int8_t *input2,
                        const nn_dims *output_dims, int8_t *output);

/* ------------------------------------------------------------------------------- GRU */

/** Sigmoid and tanh tables (513 int16 entries each over x in [-8, 8], step 1/32):
 *   NN_SIGMOID_TABLE[i] = clamp(round_half_away(32768 * sigmoid(-8 + i/32)), 0, 32767)
 *   NN_TANH_TABLE[i]    = clamp(round_half_away(32768 * tanh(-8 + i/32)), -32767, 32767)
 * Lookup of a Q3.12 int16 x: u = x + 32768 in [0, 65535], i = u >> 7, f = u & 127,
 *   y = T[i] + floor(((T[i+1] - T[i]) * f + 64) / 128)   (arithmetic shift >> 7). */
extern const int16_t NN_SIGMOID_TABLE[513];
extern const int16_t NN_TANH_TABLE[513];

/** Table sigmoid: Q3.12 in, Q0.15 out in [0, 32767]. Pure. */
int16_t nn_sigmoid_s16(int16_t x);
/** Table tanh: Q3.12 in, Q0.15 out in [-32767, 32767]. Pure. */
int16_t nn_tanh_s16(int16_t x);

typedef struct {
    int32_t input_zero_point;  /**< [-128, 127] */
    int32_t output_zero_point; /**< [-128, 127] */
    nn_requant output;         /**< quantize_multiplier(2^-15 / output_scale) */
} nn_gru_params;

/** GRU requantization of gate pre-activations to Q3.12, per gate row j in [0, 3H):
 * input_*[j]  = quantize_multiplier(input_scale * weight_ih_scale[j] / 2^-12),
 * hidden_*[j] = quantize_multiplier(2^-15 * weight_hh_scale[j] / 2^-12). */
typedef struct {
    const int32_t *input_multiplier;
    const int32_t *input_shift;
    const int32_t *hidden_multiplier;
    const int32_t *hidden_shift;
} nn_gru_quant;

/** Scratch bytes nn_gru_s8_s16 needs: 6*H int16 (+ alignment). Depends on H only. */
int32_t nn_gru_s8_s16_get_buffer_size(const nn_filter_dims *hidden_weight_dims);

/** One GRU layer (PyTorch gate order r, z, n) over steps s = 0 .. t*l-1; step s reads the `c`
 * features of row s. int8 weights, int16 Q0.15 hidden state, int16 Q3.12 gate pre-activations.
 * input [t, l, D] int8, D = c, 3H*D <= 2^24 (D > NN_MAX_DOT is summed in 64 bits, unvectorized);
 * weight_ih [3H, 1, D] int8 (dims {3H, 1, D}); weight_hh [3H, 1, H] int8, H <= NN_MAX_GRU_HIDDEN;
 * bias_ih [3H] int32 (scale input_scale*w_ih_scale[j]) or NULL; bias_hh [3H] int32 (scale
 *   2^-15*w_hh_scale[j]) or NULL;
 * state [H] int16 Q0.15 in [-32767, 32767]: initial hidden state on entry (zeros for a fresh
 *   sequence), final hidden state on return;
 * output [t, l, H] int8: every step's hidden state requantized with params->output.
 * Per step (j = row within a gate block, sat16 = saturate to int16):
 *   gi[j'] = sat16(nn_requantize(sat32(b_ih[j'] + sum_i (x_i - in_zp) w_ih[j',i]), qi[j']))
 *   gh[j'] = sat16(nn_requantize(sat32(b_hh[j'] + sum_k h_k w_hh[j',k]), qh[j']))   (Q3.12)
 *   r = sigmoid(sat16(gi_r + gh_r)), z = sigmoid(sat16(gi_z + gh_z))                 (Q0.15)
 *   n = tanh(sat16(gi_n + ((r * gh_n + 2^14) >> 15)))                               (Q0.15)
 *   h = clamp(n + ((z * (h - n) + 2^14) >> 15), -32767, 32767)
 *   out = clamp(nn_requantize(h, output) + out_zp, -128, 127)
 * (>> is an arithmetic shift, i.e. floor division by a power of two.)
 * Needs nn_gru_s8_s16_get_buffer_size bytes of scratch in ctx on every path. */
nn_status nn_gru_s8_s16(const nn_context *ctx, const nn_gru_params *params,
                        const nn_gru_quant *quant, const nn_dims *input_dims,
                        const int8_t *input, const nn_filter_dims *input_weight_dims,
                        const int8_t *input_weights, const nn_filter_dims *hidden_weight_dims,
                        const int8_t *hidden_weights, const int32_t *input_bias,
                        const int32_t *hidden_bias, int16_t *state, const nn_dims *output_dims,
                        int8_t *output);
nn_status nn_gru_s8_s16_ref(const nn_context *ctx, const nn_gru_params *params,
                            const nn_gru_quant *quant, const nn_dims *input_dims,
                            const int8_t *input, const nn_filter_dims *input_weight_dims,
                            const int8_t *input_weights,
                            const nn_filter_dims *hidden_weight_dims,
                            const int8_t *hidden_weights, const int32_t *input_bias,
                            const int32_t *hidden_bias, int16_t *state,
                            const nn_dims *output_dims, int8_t *output);

/* --------------------------------------------------------------------------- softmax */

/** Fill the 256-entry exp table softmax uses, from the logits' scale (load time; uses exp()):
 *   table[d] = round_half_away(2^20 * exp(-d * input_scale)), d = 0..255 (table[0] = 2^20).
 * input_scale finite, > 0. */
nn_status nn_softmax_s8_exp_table(double input_scale, int32_t table[256]);

/** Softmax over the c logits of each of the t*l rows. exp_table from nn_softmax_s8_exp_table.
 * input [t, l, c] int8, c <= NN_MAX_SOFTMAX; output [t, l, c] int8 with the fixed quantization
 * scale 1/256, zero point -128:
 *   m = max_i x_i, e_i = exp_table[m - x_i], S = sum_i e_i (int64)
 *   out_i = min(floor((256 * e_i + floor(S / 2)) / S), 255) - 128 */
nn_status nn_softmax_s8(const nn_context *ctx, const int32_t exp_table[256],
                        const nn_dims *input_dims, const int8_t *input,
                        const nn_dims *output_dims, int8_t *output);
nn_status nn_softmax_s8_ref(const nn_context *ctx, const int32_t exp_table[256],
                            const nn_dims *input_dims, const int8_t *input,
                            const nn_dims *output_dims, int8_t *output);

/** Softmax as float probabilities: out_i = (float)((double)e_i / (double)S), e_i and S as in
 * nn_softmax_s8 (IEEE double division then rounding to float: deterministic everywhere). */
nn_status nn_softmax_s8_f32(const nn_context *ctx, const int32_t exp_table[256],
                            const nn_dims *input_dims, const int8_t *input,
                            const nn_dims *output_dims, float *output);
nn_status nn_softmax_s8_f32_ref(const nn_context *ctx, const int32_t exp_table[256],
                                const nn_dims *input_dims, const int8_t *input,
                                const nn_dims *output_dims, float *output);

/* -------------------------------------------------------------- quantize / dequantize */

/** float -> int8: q = clamp(rint(x / scale) + zero_point, -128, 127) with IEEE float division
 * and round-half-to-even (the default rounding mode, which the runtime never changes);
 * NaN -> zero_point; +-inf saturate. input and output dims equal. */
nn_status nn_quantize_f32_s8(const nn_context *ctx, const nn_quant_f32 *quant,
                             const nn_dims *input_dims, const float *input,
                             const nn_dims *output_dims, int8_t *output);
nn_status nn_quantize_f32_s8_ref(const nn_context *ctx, const nn_quant_f32 *quant,
                                 const nn_dims *input_dims, const float *input,
                                 const nn_dims *output_dims, int8_t *output);

/** int8 -> float: x = (float)(q - zero_point) * scale (one IEEE float multiply). */
nn_status nn_dequantize_s8_f32(const nn_context *ctx, const nn_quant_f32 *quant,
                               const nn_dims *input_dims, const int8_t *input,
                               const nn_dims *output_dims, float *output);
nn_status nn_dequantize_s8_f32_ref(const nn_context *ctx, const nn_quant_f32 *quant,
                                   const nn_dims *input_dims, const int8_t *input,
                                   const nn_dims *output_dims, float *output);

#ifdef __cplusplus
}
#endif
#endif
