/// The decision of one window.
public enum Decision: UInt8, Sendable {
    /// Hazard plan: some expert said "hazard".
    case hazard
    /// Hazard plan: every expert run said "no hazard".
    case clear
    /// IDK plan: an expert classified the window (`classIndex`).
    case classified
    /// IDK plan: no expert could classify the window (or the budget ran out first).
    case idk

    public var name: StaticString {
        switch self {
        case .hazard: "hazard"
        case .clear: "clear"
        case .classified: "class"
        case .idk: "idk"
        }
    }
}

/// Why an expert ran.
public enum RunPhase: UInt8, Sendable {
    /// Part of a plan stage (hazard) or of the cascade walk (IDK).
    case stage
    /// Part of the escape set after the plan was abandoned.
    case escape
    /// Dynamic-k's backward probe after the decision.
    case probe

    public var name: StaticString {
        switch self {
        case .stage: "stage"
        case .escape: "escape"
        case .probe: "probe"
        }
    }
}

/// What one expert's answer meant under the thresholds in force (raw values shared with
/// `Decision`, plus `cancelled`).
public enum AnswerKind: UInt8, Sendable {
    case hazard, clear, classified, idk, cancelled

    public var name: StaticString {
        Decision(rawValue: rawValue)?.name ?? "cancelled"
    }
}

/// One expert invocation within a window.
public struct ExpertRun: Sendable, Equatable {
    public var expert: Int32
    public var phase: RunPhase
    /// Plan stage index (hazard), cascade position (IDK stage/probe); −1 for escape.
    public var stage: Int16
    public var kind: AnswerKind
    public var classIndex: Int32
    /// Top probability (IDK plans) or hazard probability (hazard plans).
    public var confidence: Float
    public var elapsedNanoseconds: UInt64

    public init(
        expert: Int32, phase: RunPhase, stage: Int16, kind: AnswerKind, classIndex: Int32,
        confidence: Float, elapsedNanoseconds: UInt64
    ) {
        self.expert = expert
        self.phase = phase
        self.stage = stage
        self.kind = kind
        self.classIndex = classIndex
        self.confidence = confidence
        self.elapsedNanoseconds = elapsedNanoseconds
    }
}

/// Time spent in one step of a window: a hazard stage, the escape set, the IDK walk, the probe.
public struct StageTiming: Sendable, Equatable {
    public var phase: RunPhase
    /// Stage index for hazard stages, −1 otherwise.
    public var stage: Int16
    public var nanoseconds: UInt64
}

/// The result of one window in preallocated, fixed-capacity storage.
///
/// The executor owns one and overwrites it every window; a consumer must read (or format)
/// it before the next `process` call. Capacity is fixed at init: every expert runs at most
/// once per window except one cut-off stage expert that the escape set re-runs, and there
/// are at most `expertCount + 2` steps.
public final class DetectionRecord {
    public var window = WindowInfo(index: 0, startNanoseconds: 0, completionNanoseconds: 0)
    public var decision: Decision = .idk
    /// Class of the decision (IDK plans), the hazard expert's top class (hazard), −1 if none.
    public var classIndex: Int32 = -1
    /// Probability behind the decision: the classifying expert's top probability, the
    /// largest hazard probability seen (hazard), 0 for IDK.
    public var confidence: Float = 0
    /// The escape set ran.
    public var escapeUsed = false
    /// The decision was out by window completion + L and no escape expert was cut off.
    public var deadlineMet = true
    /// Budget L in force (UInt64.max when the plan has none).
    public var budgetNanoseconds: UInt64 = .max
    /// From window completion to decision.
    public var latencyNanoseconds: UInt64 = 0
    /// From the start of processing to decision (the part the executor spent).
    public var processingNanoseconds: UInt64 = 0
    /// Σ elapsed over experts run (probes included).
    public var expertNanoseconds: UInt64 = 0
    /// Dynamic-k: k and start position used, b after the window (IDK plans; −1 otherwise).
    public var k: Int32 = -1
    public var startPosition: Int32 = -1
    public var nextB: Int32 = -1

    public let runCapacity: Int
    public let stageCapacity: Int
    public private(set) var runCount = 0
    public private(set) var stageCount = 0
    private let runStorage: UnsafeMutablePointer<ExpertRun>
    private let stageStorage: UnsafeMutablePointer<StageTiming>

    public init(expertCount: Int) {
        runCapacity = max(expertCount, 1) + 1
        stageCapacity = max(expertCount, 1) + 2
        runStorage = .allocate(capacity: runCapacity)
        stageStorage = .allocate(capacity: stageCapacity)
    }

    deinit {
        runStorage.deallocate()
        stageStorage.deallocate()
    }

    /// Expert invocations of this window, in order.
    public var runs: UnsafeBufferPointer<ExpertRun> { UnsafeBufferPointer(start: runStorage, count: runCount) }
    /// Step timings of this window, in order.
    public var stages: UnsafeBufferPointer<StageTiming> { UnsafeBufferPointer(start: stageStorage, count: stageCount) }

    /// - Note: Real-time safe.
    func reset(window: WindowInfo, budgetNanoseconds: UInt64) {
        self.window = window
        decision = .idk
        classIndex = -1
        confidence = 0
        escapeUsed = false
        deadlineMet = true
        self.budgetNanoseconds = budgetNanoseconds
        latencyNanoseconds = 0
        processingNanoseconds = 0
        expertNanoseconds = 0
        k = -1
        startPosition = -1
        nextB = -1
        runCount = 0
        stageCount = 0
    }

    /// - Note: Real-time safe.
    func append(_ run: ExpertRun) {
        precondition(runCount < runCapacity, "more runs than experts + one cancelled re-run")
        runStorage[runCount] = run
        runCount += 1
        expertNanoseconds &+= run.elapsedNanoseconds
    }

    /// Adds `nanoseconds` to the step (`phase`, `stage`), opening it if it is not the last one.
    /// - Note: Real-time safe.
    func addStageTime(phase: RunPhase, stage: Int16, nanoseconds: UInt64) {
        if stageCount > 0 {
            let last = stageStorage[stageCount - 1]
            if last.phase == phase && last.stage == stage {
                stageStorage[stageCount - 1].nanoseconds &+= nanoseconds
                return
            }
        }
        precondition(stageCount < stageCapacity, "more steps than stages + escape + probe")
        stageStorage[stageCount] = StageTiming(phase: phase, stage: stage, nanoseconds: nanoseconds)
        stageCount += 1
    }
}
