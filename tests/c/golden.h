/* Reader of the golden vector files written by training/golden/gen_kernel_golden.py. */
#ifndef CASCADIA_TEST_GOLDEN_H
#define CASCADIA_TEST_GOLDEN_H
#include <stdint.h>

#define GOLDEN_MAX_KEYS 24

typedef struct {
    char name[64];
    char op[32];
    int nkeys;
    char keys[GOLDEN_MAX_KEYS][64];
    int32_t counts[GOLDEN_MAX_KEYS];
    int64_t *values[GOLDEN_MAX_KEYS];
} golden_case;

typedef struct {
    int ncases;
    golden_case *cases;
    char header[256];
} golden_file;

/* Load <dir>/<op>.txt; returns 0 on success (prints the reason otherwise). */
int golden_load(golden_file *g, const char *dir, const char *op);
void golden_free(golden_file *g);
/* Values and count of a key; NULL (and *count = 0) when absent. */
const int64_t *golden_get(const golden_case *c, const char *key, int32_t *count);
/* Copy a key's values into a typed array of at least `count` elements; returns the count. */
int32_t golden_i8(const golden_case *c, const char *key, int8_t *out, int32_t max);
int32_t golden_i16(const golden_case *c, const char *key, int16_t *out, int32_t max);
int32_t golden_i32(const golden_case *c, const char *key, int32_t *out, int32_t max);
int32_t golden_f32(const golden_case *c, const char *key, float *out, int32_t max);
#endif
