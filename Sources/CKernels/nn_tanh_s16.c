#include "nn_internal.h"

int16_t nn_tanh_s16(int16_t x) { return nn_table_lookup(NN_TANH_TABLE, x); }
