#include "nn_internal.h"
#if NN_HAVE_AVX2
#include <cpuid.h>
#endif

nn_isa nn_isa_detect(void) {
#if NN_HAVE_NEON
    return NN_ISA_NEON;
#elif NN_HAVE_AVX2
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return NN_ISA_REF;
    const unsigned osxsave = 1u << 27, avx = 1u << 28;
    if ((c & osxsave) == 0 || (c & avx) == 0) return NN_ISA_REF;
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 6u) != 6u) return NN_ISA_REF; /* OS saves XMM and YMM state */
    if (__get_cpuid_max(0, NULL) < 7) return NN_ISA_REF;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) ? NN_ISA_AVX2 : NN_ISA_REF;
#else
    return NN_ISA_REF;
#endif
}
