import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

// glibc declares these only under _GNU_SOURCE, which Swift's Glibc module is built without; the
// C shims belong to other modules, so they are bound by symbol name (int/pointer arguments, which
// the Swift and C calling conventions pass alike on x86-64 and AArch64).
@_silgen_name("sched_setaffinity")
private func linuxSchedSetaffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeRawPointer) -> Int32
@_silgen_name("sched_getaffinity")
private func linuxSchedGetaffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32

/// CPU pinning and background load for timing runs (Linux `sched_setaffinity`).
public enum ProfilerCPU {
    /// CPUs online (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static var onlineCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Pins the calling thread to `cpu`; returns the previous mask so `restore` can undo it.
    /// Throws `ProfilerError.unavailable` (69) naming the CPU when the kernel refuses.
    public static func pinCallingThread(to cpu: Int) throws -> cpu_set_t {
        var previous = cpu_set_t()
        _ = withUnsafeMutableBytes(of: &previous) { bytes in
            bytes.baseAddress.map { linuxSchedGetaffinity(0, bytes.count, $0) } ?? -1
        }
        guard cpu >= 0, cpu < MemoryLayout<cpu_set_t>.size * 8 else {
            throw ProfilerError(.unavailable, "--cpu \(cpu)", "not a CPU number")
        }
        var set = mask([cpu])
        guard setAffinity(&set) == 0 else {
            throw ProfilerError(
                .unavailable, "--cpu \(cpu)",
                "sched_setaffinity failed: \(String(cString: strerror(errno))) (\(onlineCount) CPUs online)")
        }
        return previous
    }

    /// Restores a mask `pinCallingThread` returned.
    public static func restore(_ previous: cpu_set_t) {
        var mask = previous
        _ = setAffinity(&mask)
    }

    /// sched_setaffinity(0 = the calling thread, mask); 0 or −1 with errno.
    static func setAffinity(_ set: inout cpu_set_t) -> Int32 {
        withUnsafeBytes(of: &set) { bytes in bytes.baseAddress.map { linuxSchedSetaffinity(0, bytes.count, $0) } ?? -1 }
    }

    /// A `cpu_set_t` with the given CPUs set (CPU_SET cannot be imported: it is a macro).
    static func mask(_ cpus: [Int]) -> cpu_set_t {
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { bytes in
            for cpu in cpus where cpu >= 0 && cpu < bytes.count * 8 { bytes[cpu / 8] |= UInt8(1 << (cpu % 8)) }
        }
        return set
    }
}

/// Busy threads that load the other cores while the profiler measures (`--stress`): each spins on
/// integer arithmetic over a 256 KiB buffer (so it also competes for caches and memory bandwidth)
/// until `stop()`. With a measuring CPU, one thread is pinned to each other online CPU; without,
/// `onlineCount − 1` unpinned threads run.
public final class ProfilerStress: @unchecked Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)
    private var threads: [Thread] = []
    /// CPUs the threads were pinned to (empty when unpinned).
    public let cpus: [Int]
    public let threadCount: Int

    public init(excludingCPU cpu: Int?) {
        let n = ProfilerCPU.onlineCount
        if let cpu {
            cpus = (0..<n).filter { $0 != cpu }
            threadCount = cpus.count
        } else {
            cpus = []
            threadCount = max(0, n - 1)
        }
    }

    /// Starts the threads and returns once each is spinning.
    public func start() {
        for i in 0..<threadCount {
            let cpu = cpus.isEmpty ? nil : cpus[i]
            let thread = Thread { [self] in
                if let cpu {
                    var set = ProfilerCPU.mask([cpu])
                    _ = ProfilerCPU.setAffinity(&set)
                }
                running.add(1, ordering: .relaxed)
                var buffer = [UInt64](repeating: 1, count: 32768)
                var x: UInt64 = 0x9E37_79B9_7F4A_7C15
                var i = 0
                while !stopFlag.load(ordering: .relaxed) {
                    for _ in 0..<4096 {
                        x ^= x << 13
                        x ^= x >> 7
                        x ^= x << 17
                        buffer[i & 32767] &+= x
                        i &+= 61
                    }
                }
                if buffer[0] == 0 { print("") }  // keeps the work observable
                running.add(-1, ordering: .relaxed)
            }
            thread.name = "cascadia-stress-\(i)"
            threads.append(thread)
            thread.start()
        }
        while running.load(ordering: .relaxed) < threadCount { sched_yield() }
    }

    /// Stops the threads and waits until each has left its loop.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        while running.load(ordering: .relaxed) > 0 { sched_yield() }
        threads.removeAll()
    }
}
