import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The system calls real-time setup makes, behind a protocol so tests can inject refusals.
/// Each returns 0 or an errno value.
public protocol RealTimeSystem: Sendable {
    /// `pthread_setschedparam(pthread_self(), SCHED_FIFO, priority)`.
    func setCurrentThreadFIFO(priority: Int32) -> Int32
    /// `pthread_setaffinity_np(pthread_self(), …)` with the given CPUs.
    func setCurrentThreadAffinity(cpus: [Int]) -> Int32
    /// `mlockall(MCL_CURRENT | MCL_FUTURE)` after `mallopt(M_TRIM_THRESHOLD, -1)` and `mallopt(M_MMAP_MAX, 0)`.
    func lockAllMemory() -> Int32
    /// `pthread_setname_np(pthread_self(), name)` (15 bytes at most are kept).
    func setCurrentThreadName(_ name: String) -> Int32
}

/// The real Linux calls.
public struct LinuxRealTimeSystem: RealTimeSystem {
    public init() {}

    public func setCurrentThreadFIFO(priority: Int32) -> Int32 {
        var parameters = sched_param()
        parameters.sched_priority = priority
        return pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
    }

    public func setCurrentThreadAffinity(cpus: [Int]) -> Int32 {
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { bytes in
            for cpu in cpus where cpu >= 0 && cpu < bytes.count * 8 {
                // glibc's CPU_SET on a little-endian machine: bit cpu%8 of byte cpu/8.
                bytes[cpu / 8] |= UInt8(1) << UInt8(cpu % 8)
            }
        }
        return cascadia_thread_set_affinity(&set)
    }

    public func lockAllMemory() -> Int32 {
        cascadia_keep_heap()
        return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : errno
    }

    public func setCurrentThreadName(_ name: String) -> Int32 {
        cascadia_thread_set_name(String(decoding: name.utf8.prefix(15), as: UTF8.self))
    }
}

/// Applies `RealTimeOptions` inside the process.
///
/// Call `applyToProcess` once at start-up (memory locking) and `applyToCurrentThread` first
/// thing in each real-time thread (capture, processing). A refusal (EPERM without
/// `LimitRTPRIO=`/`CAP_SYS_NICE`, ENOMEM over `LimitMEMLOCK=`, EINVAL for a CPU that is
/// not online) is returned as a `RealTimeWarning` for the caller to log; nothing fails.
/// Not real-time safe itself: it runs before the thread's loop starts.
public enum RealTime {
    /// The size of glibc's `cpu_set_t` in bits.
    public static let maximumCPUs = MemoryLayout<cpu_set_t>.size * 8
    /// Upper bound on stack prefault (8 MiB, the default `ulimit -s`, would overflow it).
    public static let maximumPrefaultBytes = 4 << 20

    /// Process-wide settings: memory locking.
    public static func applyToProcess(
        _ options: RealTimeOptions, system: any RealTimeSystem = LinuxRealTimeSystem()
    ) -> [RealTimeWarning] {
        guard options.lockMemory else { return [] }
        let result = system.lockAllMemory()
        guard result != 0 else { return [] }
        return [
            RealTimeWarning(
                setting: "mlockall(MCL_CURRENT|MCL_FUTURE)", errorNumber: result,
                remedy: "set LimitMEMLOCK=infinity in the unit (or ulimit -l unlimited)")
        ]
    }

    /// Per-thread settings for the calling thread: name, CPU affinity, SCHED_FIFO priority,
    /// stack prefault — in that order, so the prefault happens on the chosen CPU.
    public static func applyToCurrentThread(
        name: String, _ options: RealTimeOptions, system: any RealTimeSystem = LinuxRealTimeSystem()
    ) -> [RealTimeWarning] {
        var warnings: [RealTimeWarning] = []
        _ = system.setCurrentThreadName(name)
        if !options.cpuAffinity.isEmpty {
            let result = system.setCurrentThreadAffinity(cpus: options.cpuAffinity)
            if result != 0 {
                let list = options.cpuAffinity.map(String.init).joined(separator: ",")
                warnings.append(
                    RealTimeWarning(
                        setting: "thread '\(name)': CPU affinity {\(list)}", errorNumber: result,
                        remedy: "name CPUs that are online (see /sys/devices/system/cpu/online) and allowed by CPUAffinity="))
            }
        }
        if let priority = options.fifoPriority {
            let result = system.setCurrentThreadFIFO(priority: priority)
            if result != 0 {
                warnings.append(
                    RealTimeWarning(
                        setting: "thread '\(name)': SCHED_FIFO priority \(priority)", errorNumber: result,
                        remedy: result == EPERM
                            ? "set LimitRTPRIO=\(priority) or higher and RestrictRealtime=false in the unit"
                            : "use a priority in 1…99 and check the cgroup's real-time budget"))
            }
        }
        if options.prefaultStackBytes > 0 {
            prefaultStack(bytes: min(options.prefaultStackBytes, maximumPrefaultBytes))
        }
        return warnings
    }

    /// Touches `bytes` of the calling thread's stack so those pages are resident (and,
    /// after `mlockall`, locked). `explicit_bzero` keeps the stores from being optimized away.
    public static func prefaultStack(bytes: Int) {
        withUnsafeTemporaryAllocation(byteCount: bytes, alignment: 16) { buffer in
            explicit_bzero(buffer.baseAddress!, buffer.count)
        }
    }

    /// `EPERM`, `ENOMEM`, … for messages; the number when unknown.
    public static func errnoName(_ value: Int32) -> String {
        switch value {
        case EPERM: "EPERM"
        case ENOMEM: "ENOMEM"
        case EINVAL: "EINVAL"
        case EAGAIN: "EAGAIN"
        case ESRCH: "ESRCH"
        case ENOSYS: "ENOSYS"
        default: "errno \(value)"
        }
    }
}
