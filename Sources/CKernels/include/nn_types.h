/* CKernels common types: status, ISA context, tensor dimensions, quantization parameters.
 * The arithmetic every kernel implements is specified in docs/quantization.md. */
#ifndef CASCADIA_NN_TYPES_H
#define CASCADIA_NN_TYPES_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status returned by every kernel. Non-zero means nothing was written to the output. */
typedef enum {
    NN_OK = 0,
    NN_ERR_ARGUMENT = 1, /**< NULL pointer or a parameter outside its documented range */
    NN_ERR_SHAPE = 2,    /**< dimensions inconsistent with each other or outside their bounds */
    NN_ERR_BUFFER = 3,   /**< the context's scratch buffer is missing or smaller than required */
} nn_status;

/** One-line English description of a status, e.g. "shape mismatch". Never NULL. */
const char *nn_status_string(nn_status status);

/** Instruction-set path a kernel call takes. */
typedef enum {
    NN_ISA_REF = 0,  /**< portable C, the `_ref` twin */
    NN_ISA_AVX2 = 1, /**< x86-64 AVX2 (only when compiled for x86-64; else falls back to REF) */
    NN_ISA_NEON = 2, /**< aarch64 Advanced SIMD (only when compiled for aarch64; else REF) */
} nn_isa;

/** The best path this build and this CPU support: NEON on aarch64, AVX2 on an x86-64 CPU with
 * AVX2 enabled by the OS (CPUID + XGETBV), else NN_ISA_REF. Pure: reads no mutable state of ours;
 * call once at load time and store the result in an nn_context. */
nn_isa nn_isa_detect(void);

/** Short name of a path: "ref", "avx2", "neon". */
const char *nn_isa_name(nn_isa isa);

/** Per-call context: which path to take and the caller-owned scratch buffer.
 * `buf` must be 16-byte aligned and hold at least the kernel's `_get_buffer_size` bytes (may be
 * NULL when that size is 0). A context may be shared by calls that do not run concurrently. */
typedef struct {
    nn_isa isa;
    void *buf;
    int32_t size; /**< bytes available at buf */
} nn_context;

/** Activation tensor dimensions, layout `[t, l, c]` row-major (channels fastest): element
 * (t, l, c) is at index (t*l_count + l)*c_count + c. `t` = time (intervals), `l` = the length a
 * convolution/pool slides along (FFT bins or samples), `c` = channels. Each in [1, 2^24],
 * product <= 2^24. */
typedef struct {
    int32_t t;
    int32_t l;
    int32_t c;
} nn_dims;

/** Weight dimensions, layout `[out_ch, kernel, in_ch]` row-major: element (o, k, i) is at
 * (o*kernel + k)*in_ch + i. Dense weights use kernel = 1 (`[out_ch, in_ch]`). */
typedef struct {
    int32_t out_ch;
    int32_t kernel;
    int32_t in_ch;
} nn_filter_dims;

/** A requantization multiplier: real factor = multiplier * 2^(shift - 31).
 * multiplier in [0, 2^31 - 1] (normally [2^30, 2^31 - 1]); shift in [-31, 30]. */
typedef struct {
    int32_t multiplier;
    int32_t shift;
} nn_requant;

/** Per-output-channel requantization (conv1d, dense): arrays of out_ch entries, each pair as in
 * nn_requant: real factor of channel o = input_scale * weight_scale[o] / output_scale. */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
} nn_per_channel_quant;

/** Per-tensor float quantization: real = scale * (q - zero_point); scale finite > 0,
 * zero_point in [-128, 127]. Used by quantize/dequantize only. */
typedef struct {
    float scale;
    int32_t zero_point;
} nn_quant_f32;

/** Largest dot-product length summed in int32 (kernel*in_ch for conv1d, D for GRU; dense rows
 * longer than this are summed in 64 bits). With |x - zp| <= 255 and |w| <= 128, 65536 terms
 * cannot overflow int32. */
#define NN_MAX_DOT 65536

/** Largest GRU hidden size. */
#define NN_MAX_GRU_HIDDEN 512

/** Largest softmax row (classes). */
#define NN_MAX_SOFTMAX 4096

#ifdef __cplusplus
}
#endif
#endif
