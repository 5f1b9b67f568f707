#include "nn_dsp_plan.h"

int32_t nn_dsp_plan_size(const nn_dsp_params *params) {
    if (!nn_dsp_params_ok(params)) return 0;
    return nn_dsp_header_bytes() + nn_align16(params->samples * 8) + params->fft_size * 16;
}
