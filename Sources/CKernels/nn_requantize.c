#include "nn_internal.h"

int32_t nn_requantize(int32_t x, int32_t multiplier, int32_t shift) {
    return nn_rq(x, multiplier, shift);
}
