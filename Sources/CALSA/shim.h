// System-library shim for libasound2-dev (pkg-config: alsa).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <alsa/asoundlib.h>

// Silences alsa-lib's own stderr messages ("ALSA lib pcm.c:…"), so that a missing device yields
// exactly the one-line error the CLI prints. Swift cannot declare the variadic handler itself.
static void cascadia_alsa_ignore_error(const char *file, int line, const char *function, int err,
                                       const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void cascadia_alsa_silence_errors(void) {
    snd_lib_error_set_handler(cascadia_alsa_ignore_error);
}
