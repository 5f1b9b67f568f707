#include "cascadia_kernels.h"
