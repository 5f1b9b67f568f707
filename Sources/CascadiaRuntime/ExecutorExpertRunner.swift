/// The window the executor is working on, as the window assembler hands it over.
public struct WindowInfo: Sendable, Equatable {
    /// Sequence number of the window (0, 1, 2, …).
    public var index: Int64
    /// CLOCK_MONOTONIC time of the window's first sample.
    public var startNanoseconds: UInt64
    /// CLOCK_MONOTONIC time at which the window's last sample was available; the budget L
    /// is counted from here.
    public var completionNanoseconds: UInt64
    /// Ground-truth class index when the recording carries labels, −1 otherwise.
    public var label: Int32

    public init(index: Int64, startNanoseconds: UInt64, completionNanoseconds: UInt64, label: Int32 = -1) {
        self.index = index
        self.startNanoseconds = startNanoseconds
        self.completionNanoseconds = completionNanoseconds
        self.label = label
    }
}

/// What one expert said about one window, before thresholds are applied.
///
/// The executor turns this into IDK / class / hazard with its live threshold table, so a
/// `cascadia ctl set threshold` needs no cooperation from the expert.
public struct RunnerAnswer: Sendable, Equatable {
    /// Index of the most probable class.
    public var topClass: Int32
    /// Probability of `topClass` (0…1). Below the expert's IDK threshold the answer is IDK.
    public var topProbability: Float
    /// Summed probability of the hazard classes (0…1). At or above the expert's hazard
    /// threshold the answer is "hazard".
    public var hazardProbability: Float
    /// True when the expert stopped at its cancellation deadline; the other fields are then
    /// meaningless.
    public var cancelled: Bool

    public init(topClass: Int32, topProbability: Float, hazardProbability: Float, cancelled: Bool = false) {
        self.topClass = topClass
        self.topProbability = topProbability
        self.hazardProbability = hazardProbability
        self.cancelled = cancelled
    }

    /// The answer of an expert cut off at its cancellation deadline.
    public static let cancelledAnswer = RunnerAnswer(topClass: -1, topProbability: 0, hazardProbability: 0, cancelled: true)
}

/// The seam between the executor and whatever computes an expert.
///
/// The production runner wraps the Expert API of `CascadiaModels` and reads the DSP features
/// of the current window (which the window assembler filled before `Executor.process` is
/// called); `ScriptedExpertRunner` replays recorded answers; `FaultInjectingRunner` stretches
/// another runner.
public protocol ExpertRunner: AnyObject {
    /// Number of experts; the executor addresses them as 0..<expertCount.
    var expertCount: Int { get }
    /// Runs expert `expert` on the current window's features.
    ///
    /// The runner checks the clock between layers and returns `RunnerAnswer.cancelledAnswer`
    /// as soon as `now >= cancelAtNanoseconds` (`UInt64.max`: never cancel). It must not
    /// allocate, lock or log.
    /// - Note: Real-time safe.
    func run(expert: Int, window: WindowInfo, cancelAtNanoseconds: UInt64) -> RunnerAnswer
}
