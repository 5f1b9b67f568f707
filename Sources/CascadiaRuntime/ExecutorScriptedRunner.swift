/// One scripted expert invocation: what the expert says and how long it takes.
public struct ScriptedAnswer: Sendable, Equatable {
    public var answer: RunnerAnswer
    public var durationNanoseconds: UInt64

    public init(answer: RunnerAnswer, durationNanoseconds: UInt64) {
        self.answer = answer
        self.durationNanoseconds = durationNanoseconds
    }
}

/// Replays a recorded answer trace: per window, per expert, an answer and a duration.
///
/// It makes plans and Dynamic-k settings comparable on one trace without recomputing experts
/// (what-if runs), and it is the fake expert of the executor's tests and benchmarks. A run
/// waits on the clock for the scripted duration (a `ManualDeadlineClock` jumps; a real clock
/// sleeps), honouring the cancellation deadline like a real expert cut between layers.
/// Window w uses trace row `w.index mod rows`.
public final class ScriptedExpertRunner<Clock: DeadlineClock>: ExpertRunner {
    public let expertCount: Int
    public let clock: Clock
    /// Number of windows in the trace.
    public let rows: Int
    private let script: [ScriptedAnswer]

    /// - Parameter trace: `trace[w][e]` is expert e's answer on window w; all rows have
    ///   `expertCount` entries.
    public init(expertCount: Int, trace: [[ScriptedAnswer]], clock: Clock) throws(ExecutorError) {
        guard expertCount > 0, !trace.isEmpty else {
            throw .invalidOption(option: "trace", value: "\(trace.count) rows", problem: "needs at least one window and one expert")
        }
        for (w, row) in trace.enumerated() where row.count != expertCount {
            throw .invalidOption(option: "trace", value: "row \(w)", problem: "\(row.count) answers for \(expertCount) experts")
        }
        self.expertCount = expertCount
        self.clock = clock
        rows = trace.count
        script = trace.flatMap { $0 }
    }

    /// - Note: Real-time safe.
    public func run(expert: Int, window: WindowInfo, cancelAtNanoseconds: UInt64) -> RunnerAnswer {
        let row = Int(UInt64(bitPattern: window.index) % UInt64(rows))
        let entry = script[row * expertCount + expert]
        let now = clock.nowNanoseconds()
        let end = now &+ entry.durationNanoseconds
        if end > cancelAtNanoseconds {
            clock.wait(untilNanoseconds: max(now, cancelAtNanoseconds))
            return .cancelledAnswer
        }
        clock.wait(untilNanoseconds: end)
        return entry.answer
    }
}
