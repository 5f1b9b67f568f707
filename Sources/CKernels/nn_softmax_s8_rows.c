/* Softmax row loops shared by every path (int8 and float outputs); the row max and the sum of
 * table values come from the ISA kit or from the plain C loops below. */
#include "nn_internal.h"

nn_status nn_softmax_check(const int32_t *exp_table, const nn_dims *input_dims,
                           const int8_t *input, const nn_dims *output_dims, const void *output) {
    if (!exp_table || !input || !output) return NN_ERR_ARGUMENT;
    if (!nn_dims_ok(input_dims) || !nn_dims_ok(output_dims) || !nn_dims_equal(input_dims, output_dims) ||
        input_dims->c > NN_MAX_SOFTMAX)
        return NN_ERR_SHAPE;
    if (exp_table[0] < 1 || exp_table[0] > (1 << 20)) return NN_ERR_ARGUMENT;
    for (int d = 1; d < 256; d++)
        if (exp_table[d] < 0 || exp_table[d] > exp_table[d - 1]) return NN_ERR_ARGUMENT;
    return NN_OK;
}

static int64_t row_stats(const int32_t *table, const int8_t *x, int32_t n, int32_t *max_out,
                         const nn_simd_kit *kit) {
    if (kit) {
        int32_t m = kit->max_row_s8(x, n);
        *max_out = m;
        return kit->sum_table_s8(table, x, n, m);
    }
    int32_t m = x[0];
    for (int32_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    int64_t s = 0;
    for (int32_t i = 0; i < n; i++) s += table[m - x[i]];
    *max_out = m;
    return s;
}

void nn_softmax_s8_rows(NN_SOFTMAX_ARGS(int8_t), const nn_simd_kit *kit) {
    (void)ctx;
    (void)output_dims;
    const int32_t rows = input_dims->t * input_dims->l, n = input_dims->c;
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = input + (int64_t)r * n;
        int32_t m;
        int64_t sum = row_stats(exp_table, x, n, &m, kit);
        for (int32_t i = 0; i < n; i++) {
            int64_t q = ((int64_t)256 * exp_table[m - x[i]] + sum / 2) / sum;
            output[(int64_t)r * n + i] = (int8_t)((q > 255 ? 255 : q) - 128);
        }
    }
}

void nn_softmax_s8_f32_rows(NN_SOFTMAX_ARGS(float), const nn_simd_kit *kit) {
    (void)ctx;
    (void)output_dims;
    const int32_t rows = input_dims->t * input_dims->l, n = input_dims->c;
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = input + (int64_t)r * n;
        int32_t m;
        int64_t sum = row_stats(exp_table, x, n, &m, kit);
        for (int32_t i = 0; i < n; i++)
            output[(int64_t)r * n + i] = (float)((double)exp_table[m - x[i]] / (double)sum);
    }
}
