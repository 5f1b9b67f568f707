// System-library shim for libasound2-dev (pkg-config: alsa).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <alsa/asoundlib.h>
