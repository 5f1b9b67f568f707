// System-library shim for libmseed-dev (pkg-config: mseed).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <libmseed.h>
