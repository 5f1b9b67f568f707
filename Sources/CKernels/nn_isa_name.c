#include "nn_internal.h"

const char *nn_isa_name(nn_isa isa) {
    switch (isa) {
    case NN_ISA_REF:
        return "ref";
    case NN_ISA_AVX2:
        return "avx2";
    case NN_ISA_NEON:
        return "neon";
    }
    return "unknown";
}
