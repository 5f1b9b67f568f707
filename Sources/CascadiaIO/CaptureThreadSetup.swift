import Synchronization

/// A process-wide hook every source's reading (capture) thread runs first, before its loop:
/// `cascadia run` installs one that applies the board's `threads.capture` real-time settings
/// (name, CPU affinity, SCHED_FIFO, stack prefault) and logs refusals as warnings.
///
/// Threading: install before starting sources; the hook is called on each new reading thread
/// with that source's name.
public enum CaptureThreadSetup {
    private static let hook = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// Replaces the hook (nil removes it).
    public static func install(_ newHook: (@Sendable (_ sourceName: String) -> Void)?) {
        hook.withLock { $0 = newHook }
    }

    /// Runs the hook, if any, on the calling (new reading) thread.
    static func runOnCurrentThread(sourceName: String) {
        let current = hook.withLock { $0 }
        current?(sourceName)
    }
}
