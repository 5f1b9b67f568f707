/* CKernels: fixed-point NN kernels and the DSP front end (see docs/quantization.md, docs/dsp.md). */
#ifndef CASCADIA_KERNELS_H
#define CASCADIA_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#include "nn_types.h"
#include "nn_kernels.h"
#include "nn_dsp.h"
#endif
