// System-library shim for libgpiod-dev (pkg-config: libgpiod).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <gpiod.h>
