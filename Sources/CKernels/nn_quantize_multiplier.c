#include <math.h>

#include "nn_internal.h"

nn_status nn_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift) {
    if (!multiplier || !shift || !(real > 0.0) || !isfinite(real)) return NN_ERR_ARGUMENT;
    int e = 0;
    double q = frexp(real, &e);                 /* real = q * 2^e, 0.5 <= q < 1 */
    int64_t m = (int64_t)floor(q * 2147483648.0 + 0.5); /* q > 0: half away from zero */
    if (m == ((int64_t)1 << 31)) {
        m = (int64_t)1 << 30;
        e += 1;
    }
    if (e < -31 || e > 30) return NN_ERR_ARGUMENT;
    *multiplier = (int32_t)m;
    *shift = e;
    return NN_OK;
}
