/* CKernels: fixed-point NN kernels and the DSP front end (see docs/quantization.md). */
#ifndef CASCADIA_KERNELS_H
#define CASCADIA_KERNELS_H
#include <stdint.h>
#include <stddef.h>
#endif
