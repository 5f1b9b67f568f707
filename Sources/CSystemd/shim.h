// System-library shim for libsystemd-dev (pkg-config: libsystemd).
// Function-like macros Swift cannot import get static inline helpers here.
#pragma once
#include <systemd/sd-daemon.h>

// Linux real-time helpers for CascadiaRuntime's RealTime.swift. These GNU extensions exist in
// glibc but Swift's Glibc module is built without _GNU_SOURCE, so they are declared here.
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
extern int pthread_setaffinity_np(pthread_t thread, size_t cpusetsize, const cpu_set_t *cpuset);
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int mallopt(int param, int value);

/// pthread_setaffinity_np on the calling thread; returns 0 or an errno value.
static inline int cascadia_thread_set_affinity(const cpu_set_t *set) {
    return pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), set);
}

/// pthread_setname_np on the calling thread (at most 15 bytes); returns 0 or an errno value.
static inline int cascadia_thread_set_name(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

/// Keeps freed heap memory in the process so it stays locked after mlockall:
/// mallopt(M_TRIM_THRESHOLD, -1) and mallopt(M_MMAP_MAX, 0) (values from glibc's malloc.h).
static inline void cascadia_keep_heap(void) {
    (void)mallopt(-1 /* M_TRIM_THRESHOLD */, -1);
    (void)mallopt(-4 /* M_MMAP_MAX */, 0);
}
