/// Runs a plan on one window after another: hazard batches with the deadline monitor and
/// escape sets, or an IDK cascade with Dynamic-k (docs/runtime.md).
///
/// Prepare/run split: `init` validates the schedule and allocates everything (record,
/// metrics, thresholds, Dynamic-k storage); `process` allocates nothing, takes no lock and
/// formats nothing. One thread calls `process`; any thread may read `metrics`; the control
/// thread changes k, thresholds or the plan through `control` (effective next window).
public final class Executor<Clock: DeadlineClock, Runner: ExpertRunner> {
    public let clock: Clock
    public let runner: Runner
    /// Live counters (lock-free, readable from any thread).
    public let metrics: ExecutorMetrics
    /// Live changes from the control thread.
    public let control: ExecutorControl
    /// False for `--no-escape`: no budget checks, no cancellation, no escape set — the plan
    /// runs to its end and misses are only recorded.
    public let escapeEnabled: Bool

    private let record: DetectionRecord
    private var schedule: PreparedSchedule
    private let dynamicK: DynamicK
    /// k from the command line or `ctl set k`; overrides the plan's.
    private var skipBackOverride: SkipBack?
    private let idkThreshold: UnsafeMutableBufferPointer<Float>
    private let hazardThreshold: UnsafeMutableBufferPointer<Float>
    private var window = WindowInfo(index: 0, startNanoseconds: 0, completionNanoseconds: 0)

    /// Prepares an executor.
    /// - Parameters:
    ///   - skipBack: k from the command line; nil uses the plan's.
    ///   - forgetting: α of Dynamic-k's learning rule.
    public init(
        schedule: CascadeSchedule, runner: Runner, clock: Clock, thresholds: ExpertThresholds,
        escapeEnabled: Bool = true, skipBack: SkipBack? = nil, forgetting: Double = 0.05
    ) throws(ExecutorError) {
        let count = runner.expertCount
        let prepared = try PreparedSchedule(schedule, expertCount: count)
        guard thresholds.idk.count == count && thresholds.hazard.count == count else {
            throw .invalidSchedule(field: "thresholds", problem: "\(thresholds.idk.count) for \(count) experts")
        }
        if case .fixed(let k)? = skipBack, k < 0 {
            throw .invalidOption(option: "--k", value: String(k), problem: "must be ≥ 0")
        }
        self.clock = clock
        self.runner = runner
        self.escapeEnabled = escapeEnabled
        self.schedule = prepared
        skipBackOverride = skipBack
        metrics = ExecutorMetrics(expertCount: count)
        control = ExecutorControl(expertCount: count)
        record = DetectionRecord(expertCount: count)
        idkThreshold = .allocate(capacity: count)
        _ = idkThreshold.initialize(from: thresholds.idk)
        hazardThreshold = .allocate(capacity: count)
        _ = hazardThreshold.initialize(from: thresholds.hazard)
        dynamicK = DynamicK(capacity: count, mode: skipBack ?? prepared.skipBack, forgetting: forgetting)
        dynamicK.reset(prefixTcetNanoseconds: prepared.prefixTcet, mode: skipBack ?? prepared.skipBack)
    }

    deinit {
        idkThreshold.deallocate()
        hazardThreshold.deallocate()
    }

    /// The schedule in force.
    public var currentSchedule: CascadeSchedule { schedule.schedule }
    /// Dynamic-k state (b, k, learner estimates) for inspection.
    public var dynamicKState: DynamicK { dynamicK }

    /// Processes one window and returns its record (the executor's own storage: read it
    /// before the next call).
    /// - Note: Real-time safe (given a real-time-safe runner).
    public func process(_ window: WindowInfo) -> DetectionRecord {
        adoptPendingChange()
        self.window = window
        let begin = clock.nowNanoseconds()
        let budget = schedule.budgetNanoseconds
        record.reset(window: window, budgetNanoseconds: budget)
        let deadline = budget == .max ? UInt64.max : window.completionNanoseconds.addingReportingOverflow(budget).partialValue
        if schedule.isHazard {
            runHazard(deadline: deadline)
        } else {
            runCascade(deadline: deadline)
        }
        let end = clock.nowNanoseconds()
        record.processingNanoseconds = end &- begin
        record.latencyNanoseconds = end > window.completionNanoseconds ? end - window.completionNanoseconds : 0
        if end > deadline { record.deadlineMet = false }
        metrics.recordWindow(
            latencyNanoseconds: record.latencyNanoseconds, deadlineMet: record.deadlineMet,
            escapeUsed: record.escapeUsed)
        return record
    }

    // MARK: Live changes

    /// - Note: Real-time safe: the change was built on the control thread; the replaced
    ///   schedule is parked in the change, which the control thread frees.
    private func adoptPendingChange() {
        guard let (change, bits) = control.take() else { return }
        if let thresholds = change.thresholds {
            for e in 0..<idkThreshold.count {
                idkThreshold[e] = thresholds.idk[e]
                hazardThreshold[e] = thresholds.hazard[e]
            }
        }
        if let skipBack = change.skipBack {
            skipBackOverride = skipBack
            dynamicK.setMode(skipBack)
        }
        if let next = change.schedule {
            change.replacedSchedule = schedule
            schedule = next
            dynamicK.reset(prefixTcetNanoseconds: next.prefixTcet, mode: skipBackOverride ?? next.skipBack)
        }
        control.retire(bits)
    }

    // MARK: Running experts

    /// Runs one expert, applies thresholds, records it. - Note: Real-time safe.
    @inline(__always)
    private func invoke(_ expert: Int, phase: RunPhase, stage: Int, cancelAt: UInt64) -> (AnswerKind, RunnerAnswer) {
        let t0 = clock.nowNanoseconds()
        let answer = runner.run(expert: expert, window: window, cancelAtNanoseconds: cancelAt)
        let elapsed = clock.nowNanoseconds() &- t0
        let kind: AnswerKind
        let confidence: Float
        if answer.cancelled {
            kind = .cancelled
            confidence = 0
        } else if schedule.isHazard {
            kind = answer.hazardProbability >= hazardThreshold[expert] ? .hazard : .clear
            confidence = answer.hazardProbability
        } else {
            kind = answer.topProbability < idkThreshold[expert] ? .idk : .classified
            confidence = answer.topProbability
        }
        record.append(
            ExpertRun(
                expert: Int32(expert), phase: phase, stage: Int16(truncatingIfNeeded: stage), kind: kind,
                classIndex: answer.topClass, confidence: confidence, elapsedNanoseconds: elapsed))
        // Steps: each hazard stage, the escape set; IDK: the cascade walk (0) and the probe (0).
        let step: Int16 = phase == .escape ? -1 : schedule.isHazard ? Int16(truncatingIfNeeded: stage) : 0
        record.addStageTime(phase: phase, stage: step, nanoseconds: elapsed)
        metrics.recordInvocation(expert: expert, cancelled: answer.cancelled)
        return (kind, answer)
    }

    // MARK: Hazard plans

    /// OR-fused stages along the adaptive path with the deadline monitor. - Note: Real-time safe.
    private func runHazard(deadline: UInt64) {
        let plan = schedule
        var ran: UInt64 = 0
        var fallback = plan.initialEscapeMask  // ESCAP(P) of the last completed node P
        var maxHazard: Float = 0
        for j in 0..<plan.stages.count {
            var restWcet = plan.stageWcet[j]
            let escapeAfterWcet = plan.stageEscapeWcet[j]
            for e in plan.stages[j] {
                var cancelAt = UInt64.max
                let escapeNow = plan.fallback(finished: ran, nodeEscape: fallback)
                if escapeEnabled {
                    let now = clock.nowNanoseconds()
                    // elapsed + WCET(rest of stage) + WCET(ESCAP(Q)) ≤ L, else fall back now.
                    if now > deadline || deadline - now < restWcet &+ escapeAfterWcet {
                        runEscape(escapeNow, deadline: deadline, maxHazard: maxHazard)
                        return
                    }
                    // Cut the expert where the escape of what has finished would no longer fit.
                    let escapeWcet = plan.wcet(of: escapeNow)
                    cancelAt = deadline > escapeWcet ? deadline - escapeWcet : 0
                }
                let (kind, answer) = invoke(e, phase: .stage, stage: j, cancelAt: cancelAt)
                if kind == .cancelled {
                    runEscape(escapeNow, deadline: deadline, maxHazard: maxHazard)
                    return
                }
                ran |= 1 << UInt64(e)
                restWcet &-= plan.wcet[e]
                if kind == .hazard {
                    decideHazard(answer)
                    return
                }
                maxHazard = max(maxHazard, answer.hazardProbability)
            }
            fallback = plan.stageEscapeMask[j]
        }
        record.decision = .clear
        record.confidence = 1 - maxHazard
    }

    /// Runs the escape set (`mask`), OR-fused with what already ran. - Note: Real-time safe.
    private func runEscape(_ mask: UInt64, deadline: UInt64, maxHazard: Float) {
        record.escapeUsed = true
        var hazardMax = maxHazard
        var rest = mask
        while rest != 0 {
            let e = rest.trailingZeroBitCount
            rest &= rest &- 1
            let (kind, answer) = invoke(e, phase: .escape, stage: -1, cancelAt: escapeEnabled ? deadline : .max)
            if kind == .cancelled {
                record.deadlineMet = false
                break
            }
            if kind == .hazard {
                decideHazard(answer)
                return
            }
            hazardMax = max(hazardMax, answer.hazardProbability)
        }
        record.decision = .clear
        record.confidence = 1 - hazardMax
    }

    @inline(__always)
    private func decideHazard(_ answer: RunnerAnswer) {
        record.decision = .hazard
        record.classIndex = answer.topClass
        record.confidence = answer.hazardProbability
    }

    // MARK: IDK plans

    /// The cascade from Dynamic-k's start, first non-IDK wins, then the probe.
    /// - Note: Real-time safe.
    private func runCascade(deadline: UInt64) {
        let plan = schedule
        let order = plan.order
        let start = dynamicK.beginWindow()
        record.k = Int32(dynamicK.currentK)
        metrics.recordSkipBack(dynamicK.inUseK)
        record.startPosition = Int32(start)
        let monitor = escapeEnabled && deadline != .max
        var classifiedAt = -1
        for position in start..<order.count {
            let e = order[position]
            if monitor {
                let now = clock.nowNanoseconds()
                if now > deadline || deadline - now < plan.wcet[e] { break }
            }
            let (kind, answer) = invoke(e, phase: .stage, stage: position, cancelAt: monitor ? deadline : .max)
            if kind == .cancelled { break }
            if kind == .classified {
                classifiedAt = position
                record.decision = .classified
                record.classIndex = answer.topClass
                record.confidence = answer.topProbability
                break
            }
        }
        var lowest = classifiedAt
        if classifiedAt >= 0 && dynamicK.shouldProbe(classifiedAt: classifiedAt) {
            var j = classifiedAt - 1
            while j >= 0 && j < start {
                let e = order[j]
                if monitor {
                    let now = clock.nowNanoseconds()
                    if now > deadline || deadline - now < plan.wcet[e] { break }
                }
                let (kind, _) = invoke(e, phase: .probe, stage: j, cancelAt: monitor ? deadline : .max)
                if kind != .classified { break }
                lowest = j
                j -= 1
            }
        }
        dynamicK.endWindow(classifiedAt: classifiedAt >= 0 ? classifiedAt : nil, lowestClassifier: lowest)
        record.nextB = Int32(dynamicK.b)
    }
}
