// System-library shim for libsystemd-dev (pkg-config: libsystemd).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <systemd/sd-daemon.h>
