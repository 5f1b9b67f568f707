/// Real-time settings for one thread and for the process, as a board file gives them.
///
/// Everything is optional: the default value changes nothing, so the runtime behaves the
/// same on a laptop and on a Pi without real-time rights. `RealTime` applies them and
/// turns a refusal by the kernel into a warning, never a failure.
public struct RealTimeOptions: Sendable, Equatable {
    /// SCHED_FIFO priority (1…99) for the thread, or nil to stay SCHED_OTHER.
    public var fifoPriority: Int32?
    /// CPUs the thread may run on (0-based); empty leaves the inherited mask.
    public var cpuAffinity: [Int]
    /// Lock all current and future pages (`mlockall(MCL_CURRENT | MCL_FUTURE)`) and keep
    /// freed heap memory in the process (glibc `mallopt`), process-wide.
    public var lockMemory: Bool
    /// Bytes of this thread's stack to touch up front so later use takes no page fault.
    public var prefaultStackBytes: Int

    public init(
        fifoPriority: Int32? = nil, cpuAffinity: [Int] = [], lockMemory: Bool = false,
        prefaultStackBytes: Int = 0
    ) {
        self.fifoPriority = fifoPriority
        self.cpuAffinity = cpuAffinity
        self.lockMemory = lockMemory
        self.prefaultStackBytes = prefaultStackBytes
    }

    /// Rejects values no kernel would accept, naming `field` (e.g. `boards/rpi5.json: threads.processing`).
    public func validate(field: String) throws(RealTimeError) {
        if let priority = fifoPriority, !(1...99).contains(priority) {
            throw RealTimeError(field: field, problem: "SCHED_FIFO priority \(priority) is outside 1…99")
        }
        if let cpu = cpuAffinity.first(where: { $0 < 0 || $0 >= RealTime.maximumCPUs }) {
            throw RealTimeError(field: field, problem: "CPU \(cpu) is outside 0…\(RealTime.maximumCPUs - 1)")
        }
        if prefaultStackBytes < 0 || prefaultStackBytes > RealTime.maximumPrefaultBytes {
            throw RealTimeError(
                field: field, problem: "stack prefault \(prefaultStackBytes) bytes is outside 0…\(RealTime.maximumPrefaultBytes)")
        }
    }
}

/// A real-time setting that cannot be valid on any machine (exit 78, configuration).
public struct RealTimeError: CascadiaError, Equatable {
    public let field: String
    public let problem: String
    public var description: String { "\(field): \(problem)" }
    public var exitCode: ExitCode { .config }
}

/// A real-time setting the kernel refused; the runtime continues without it.
public struct RealTimeWarning: Sendable, Equatable, CustomStringConvertible {
    /// What was attempted, e.g. `thread 'processing': SCHED_FIFO priority 80`.
    public let setting: String
    /// The errno the kernel returned.
    public let errorNumber: Int32
    /// What to change to get it.
    public let remedy: String

    public var description: String {
        "\(setting) not applied (\(RealTime.errnoName(errorNumber))): \(remedy); continuing without it"
    }
}
