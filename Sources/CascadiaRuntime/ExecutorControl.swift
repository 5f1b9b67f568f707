import Synchronization

/// A bundle of live changes, adopted by the executor at the start of the next window.
final class PendingChange {
    var skipBack: SkipBack?
    var thresholds: ExpertThresholds?
    var schedule: PreparedSchedule?
    /// The schedule this change replaced; released with the change, off the hot path.
    var replacedSchedule: PreparedSchedule?

    init() {}
}

/// The control thread's handle on a running executor: set k, set thresholds, swap the plan.
///
/// Changes take effect at the next window. Hand-off is one atomic pointer slot: the control
/// side publishes a fully built change (`pending`); the processing thread takes it with one
/// atomic exchange and parks it in `retired`, which the control side frees later, so the
/// processing thread never allocates, frees or locks. Control-side calls serialize on a mutex
/// (they run on the control thread, never on the hot path).
public final class ExecutorControl: Sendable {
    /// Number of experts the executor was prepared with.
    public let expertCount: Int
    private let pending = Atomic<UInt>(0)
    private let retired = Atomic<UInt>(0)
    private let submitLock = Mutex<Void>(())

    init(expertCount: Int) {
        self.expertCount = expertCount
    }

    deinit {
        release(pending.exchange(0, ordering: .acquiringAndReleasing))
        release(retired.exchange(0, ordering: .acquiringAndReleasing))
    }

    /// Sets k for IDK plans (next window).
    public func setSkipBack(_ skipBack: SkipBack) throws(ExecutorError) {
        switch skipBack {
        case .fixed(let k) where k < 0: throw .invalidChange("k = \(k) is negative")
        case .learned(let maxK) where maxK < 0: throw .invalidChange("max k = \(maxK) is negative")
        default: break
        }
        submit { $0.skipBack = skipBack }
    }

    /// Replaces the per-expert thresholds (next window).
    public func setThresholds(_ thresholds: ExpertThresholds) throws(ExecutorError) {
        guard thresholds.idk.count == expertCount && thresholds.hazard.count == expertCount else {
            throw .invalidChange("thresholds for \(thresholds.idk.count)/\(thresholds.hazard.count) experts, executor has \(expertCount)")
        }
        for value in thresholds.idk + thresholds.hazard where !(value >= 0 && value <= 1) {
            throw .invalidChange("threshold \(value) outside 0…1")
        }
        submit { $0.thresholds = thresholds }
    }

    /// Validates and prepares `schedule` here, then swaps it in at the next window
    /// (Dynamic-k state restarts).
    public func swapSchedule(_ schedule: CascadeSchedule) throws(ExecutorError) {
        let prepared = try PreparedSchedule(schedule, expertCount: expertCount)
        submit { $0.schedule = prepared }
    }

    /// Frees the change the executor last adopted. Call from the control thread now and then
    /// (every `submit` does it too).
    public func collectRetired() {
        submitLock.withLock { _ in release(retired.exchange(0, ordering: .acquiringAndReleasing)) }
    }

    /// True while a change waits for the next window.
    public var hasPendingChange: Bool { pending.load(ordering: .acquiring) != 0 }

    private func submit(_ fill: (PendingChange) -> Void) {
        submitLock.withLock { _ in
            let change: PendingChange
            let old = pending.exchange(0, ordering: .acquiringAndReleasing)
            if old != 0 {
                // Not yet adopted: merge into it.
                change = Unmanaged<PendingChange>.fromOpaque(UnsafeRawPointer(bitPattern: old)!).takeRetainedValue()
            } else {
                change = PendingChange()
            }
            release(retired.exchange(0, ordering: .acquiringAndReleasing))
            fill(change)
            let bits = UInt(bitPattern: Unmanaged.passRetained(change).toOpaque())
            pending.store(bits, ordering: .releasing)
        }
    }

    private func release(_ bits: UInt) {
        guard bits != 0, let pointer = UnsafeRawPointer(bitPattern: bits) else { return }
        Unmanaged<PendingChange>.fromOpaque(pointer).release()
    }

    /// Processing thread: takes the pending change, if any, unless the previous one has not
    /// been collected yet (then it waits a window). The returned change stays owned by the
    /// slot; call `retire` when done with it.
    /// - Note: Real-time safe.
    func take() -> (change: PendingChange, bits: UInt)? {
        guard retired.load(ordering: .acquiring) == 0 else { return nil }
        let bits = pending.exchange(0, ordering: .acquiringAndReleasing)
        guard bits != 0, let pointer = UnsafeRawPointer(bitPattern: bits) else { return nil }
        return (Unmanaged<PendingChange>.fromOpaque(pointer).takeUnretainedValue(), bits)
    }

    /// Test hook: publishes `change` without draining the retired slot.
    func publishForTesting(_ change: PendingChange) {
        release(pending.exchange(UInt(bitPattern: Unmanaged.passRetained(change).toOpaque()), ordering: .acquiringAndReleasing))
    }

    /// Processing thread: parks an adopted change for the control thread to free.
    /// - Note: Real-time safe.
    func retire(_ bits: UInt) {
        retired.store(bits, ordering: .releasing)
    }
}
