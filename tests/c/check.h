/* Minimal test bookkeeping shared by the C kernel tests. */
#ifndef CASCADIA_TEST_CHECK_H
#define CASCADIA_TEST_CHECK_H
#include <stdint.h>
#include <stdio.h>

#include "cascadia_kernels.h"

typedef struct {
    int passed;
    int failed;
} test_tally;

/* Record one check; prints a line only on failure. */
#define CHECK(tally, cond, ...)                                                               \
    do {                                                                                      \
        if (cond) {                                                                           \
            (tally)->passed++;                                                                \
        } else {                                                                              \
            (tally)->failed++;                                                                \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                       \
            printf(__VA_ARGS__);                                                              \
            printf("\n");                                                                     \
        }                                                                                     \
    } while (0)

/* xorshift64* generator: deterministic across platforms. */
typedef struct {
    uint64_t s;
} test_rng;
static inline uint64_t rng_next(test_rng *r) {
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}
/* Uniform integer in [lo, hi]. */
static inline int32_t rng_int(test_rng *r, int32_t lo, int32_t hi) {
    return lo + (int32_t)(rng_next(r) % (uint64_t)((int64_t)hi - lo + 1));
}

void test_golden(test_tally *t, const char *dir, nn_isa isa);
void test_random(test_tally *t, nn_isa isa);
void test_dsp(test_tally *t, const char *dir);
void test_errors(test_tally *t, nn_isa isa);
#endif
