/* C kernel test driver: golden vectors (both paths), optimized vs _ref on random shapes,
 * argument errors, and the DSP against numpy vectors. Usage: kernel_tests GOLDEN_DIR */
#include <stdio.h>
#include <string.h>

#include "check.h"

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "../golden";
    nn_isa isa = nn_isa_detect();
    printf("kernel tests: optimized path = %s\n", nn_isa_name(isa));
    if (isa == NN_ISA_REF) printf("note: no SIMD path on this CPU; optimized == ref here\n");
    test_tally t = {0, 0};
    test_golden(&t, dir, isa);
    test_random(&t, isa);
    test_errors(&t, isa);
    test_dsp(&t, dir);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
