/* glibc heap statistics (mallinfo2) for the zero-allocation test; Swift's Glibc module omits malloc.h. */
#include <malloc.h>
