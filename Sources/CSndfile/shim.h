// System-library shim for libsndfile1-dev (pkg-config: sndfile).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <sndfile.h>
