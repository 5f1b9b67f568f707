#include "cascadia_kernels.h"

const char *nn_status_string(nn_status status) {
    switch (status) {
    case NN_OK:
        return "ok";
    case NN_ERR_ARGUMENT:
        return "argument out of range";
    case NN_ERR_SHAPE:
        return "shape mismatch";
    case NN_ERR_BUFFER:
        return "scratch buffer missing or too small";
    }
    return "unknown status";
}
