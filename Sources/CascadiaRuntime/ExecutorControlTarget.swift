import Foundation
import Synchronization

/// The executor's side of `cascadia ctl` (`ControlTarget`): stats from `ExecutorMetrics`, live
/// k / threshold / plan changes through `ExecutorControl`, and window-line subscriptions.
///
/// Threading: the control server calls every `ControlTarget` method on its own thread; settings
/// are kept under a mutex here (never touched by the processing thread). The pipeline's output
/// thread calls `publish(line:)` for each JSON line; the sources' counters come from the
/// `pipelineCounters` closure given at init.
public final class ExecutorControlTarget: ControlTarget {
    /// Sources' xruns/overruns and ring high-water marks (by stream), as the pipeline counts them.
    public typealias PipelineCounters = @Sendable () -> (xruns: UInt64, ringHighWater: [String: Double])

    struct State {
        var skipBack: SkipBack
        /// k came from the command line or a live `set k` / `set auto-k`: the executor keeps it
        /// across plan loads; otherwise a loaded plan's own k (or learned) takes over.
        var skipBackOverridden: Bool
        var thresholds: ExpertThresholds
        var planPath: String
        var isHazardPlan: Bool
        /// Positions of the IDK cascade in force (0 for hazard plans).
        var cascadePositions: Int
        /// The `ctl tune k` experiment in progress (ExecutorControlTuning.swift).
        var experiment: SkipBackExperiment?
        var nextSubscription: UInt64 = 0
        var subscribers: [UInt64: @Sendable (String) -> Void] = [:]
    }

    public let control: ExecutorControl
    public let metrics: ExecutorMetrics
    /// Expert ids (catalog order of the plan; what the executor's indices mean).
    public let expertIDs: [String]
    /// Expert model names, same order (also accepted by `set threshold`).
    public let expertNames: [String]
    private let pipelineCounters: PipelineCounters
    private let startNanoseconds: UInt64
    let state: Mutex<State>

    /// - Parameters:
    ///   - plan: the plan file in force and its path; its catalog names the executor's experts.
    ///   - skipBack: the k in force (command line, or the schedule's).
    ///   - skipBackFromCommandLine: whether `skipBack` came from the command line (an override the
    ///     executor keeps when `load plan` swaps the schedule) rather than from the plan.
    ///   - thresholds: the thresholds the executor was prepared with.
    public init(
        control: ExecutorControl, metrics: ExecutorMetrics, plan: Plan, planPath: String, skipBack: SkipBack,
        skipBackFromCommandLine: Bool = true, thresholds: ExpertThresholds,
        pipelineCounters: @escaping PipelineCounters = { (0, [:]) }
    ) {
        self.control = control
        self.metrics = metrics
        expertIDs = plan.catalog.map(\.id)
        expertNames = plan.catalog.map(\.name)
        self.pipelineCounters = pipelineCounters
        startNanoseconds = MonotonicDeadlineClock().nowNanoseconds()
        state = Mutex(
            State(
                skipBack: skipBack, skipBackOverridden: skipBackFromCommandLine, thresholds: thresholds,
                planPath: planPath, isHazardPlan: plan.kind == .hazard,
                cascadePositions: Self.cascadePositions(plan)))
    }

    public func controlStats() -> ControlStats {
        let snapshot = metrics.snapshot()
        let pipeline = pipelineCounters()
        var invocations: [String: UInt64] = [:]
        for (i, id) in expertIDs.enumerated() where i < snapshot.expertInvocations.count {
            invocations[id] = snapshot.expertInvocations[i]
        }
        return ControlStats(
            uptimeSeconds: Double(MonotonicDeadlineClock().nowNanoseconds() - startNanoseconds) / 1e9,
            windows: snapshot.windows, deadlineMisses: snapshot.deadlineMisses, escapes: snapshot.escapeActivations,
            xruns: pipeline.xruns, latencyP50Milliseconds: Double(snapshot.p50LatencyMicroseconds) / 1000,
            latencyP99Milliseconds: Double(snapshot.p99LatencyMicroseconds) / 1000,
            latencyMaxMilliseconds: Double(snapshot.maxLatencyMicroseconds) / 1000,
            expertInvocations: invocations, ringHighWater: pipeline.ringHighWater)
    }

    public func controlSettings() -> ControlSettings {
        let inUse = metrics.skipBack
        return state.withLock { state in
            let autoK: Bool
            let k: Int
            switch state.skipBack {
            case .fixed(let fixed):
                autoK = false
                k = fixed
            case .learned:
                autoK = true
                k = max(inUse, 0)
            }
            var thresholds: [String: Double] = [:]
            let table = state.isHazardPlan ? state.thresholds.hazard : state.thresholds.idk
            // Shortest decimal of the Float (0.8, not 0.800000011920929).
            for (i, id) in expertIDs.enumerated() { thresholds[id] = Double("\(table[i])") ?? Double(table[i]) }
            return ControlSettings(k: k, autoK: autoK, plan: state.planPath, thresholds: thresholds)
        }
    }

    public func setSkipBack(_ k: Int) throws {
        guard k >= 0 && k <= CascadeSchedule.maxExperts else {
            throw ExecutorError.invalidChange("k = \(k) is not in 0…\(CascadeSchedule.maxExperts)")
        }
        let interrupted = try state.withLock { (state) throws(ExecutorError) in
            try control.setSkipBack(.fixed(k))
            state.skipBack = .fixed(k)
            state.skipBackOverridden = true
            return state.experiment.take()
        }
        interrupted?.interrupt(because: "set k \(k)")
    }

    public func setAutoSkipBack(_ enabled: Bool) throws {
        let inUse = max(metrics.skipBack, 0)
        let interrupted = try state.withLock { (state) throws(ExecutorError) in
            let next: SkipBack = enabled ? .learned(maxK: CascadeSchedule.maxExperts) : .fixed(inUse)
            try control.setSkipBack(next)
            state.skipBack = next
            state.skipBackOverridden = true
            return state.experiment.take()
        }
        interrupted?.interrupt(because: "auto-k \(enabled ? "on" : "off")")
    }

    /// Sets the threshold that decides this plan's answers: the hazard threshold for hazard
    /// plans, the IDK threshold for IDK plans. `expert` is an id or a model name.
    public func setThreshold(expert: String, value: Double) throws {
        guard let index = expertIDs.firstIndex(of: expert) ?? expertNames.firstIndex(of: expert) else {
            throw ExecutorError.invalidChange("no expert '\(expert)' in the plan (have \(expertIDs.joined(separator: ", ")))")
        }
        guard value >= 0 && value <= 1 else {
            throw ExecutorError.invalidChange("threshold \(value) for \(expert) is not in 0…1")
        }
        try state.withLock { (state) throws(ExecutorError) in
            var thresholds = state.thresholds
            if state.isHazardPlan { thresholds.hazard[index] = Float(value) } else { thresholds.idk[index] = Float(value) }
            try control.setThresholds(thresholds)
            state.thresholds = thresholds
        }
    }

    /// Reads and validates the plan at `path`; it must name the same experts (catalog ids in
    /// the same order) as the running one, since the models are loaded already.
    public func loadPlan(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ExecutorError.invalidChange("cannot read plan \(path)")
        }
        let plan = try Plan.decode(data, file: path)
        guard plan.catalog.map(\.id) == expertIDs else {
            throw ExecutorError.invalidChange(
                "\(path): experts \(plan.catalog.map(\.id).joined(separator: ",")) differ from the loaded \(expertIDs.joined(separator: ","))")
        }
        let schedule = try CascadeSchedule(plan: plan, file: path)
        let interrupted = try state.withLock { (state) throws(ExecutorError) in
            try control.swapSchedule(schedule)
            if !state.skipBackOverridden, case .idk(_, let k) = schedule.mode { state.skipBack = k }
            state.planPath = path
            state.isHazardPlan = plan.kind == .hazard
            state.cascadePositions = Self.cascadePositions(plan)
            return state.experiment.take()
        }
        interrupted?.interrupt(because: "plan load \(path)")
    }

    public func subscribeWindows(_ handler: @escaping @Sendable (String) -> Void) -> any ControlSubscription {
        let id = state.withLock { state in
            state.nextSubscription += 1
            state.subscribers[state.nextSubscription] = handler
            return state.nextSubscription
        }
        return Subscription(target: self, id: id)
    }

    /// Delivers one window's JSON line (without newline) to every subscriber. Call from the
    /// pipeline's output thread, never from the processing thread.
    public func publish(line: String) {
        let handlers = state.withLock { Array($0.subscribers.values) }
        for handler in handlers { handler(line) }
        observeForExperiment(line: line)
    }

    /// Positions of an IDK plan's cascade (its `order`, else its experts); 0 for hazard plans.
    static func cascadePositions(_ plan: Plan) -> Int {
        plan.kind == .hazard ? 0 : (plan.order ?? plan.experts).count
    }

    /// Number of live subscriptions.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    private struct Subscription: ControlSubscription {
        let target: ExecutorControlTarget
        let id: UInt64
        func cancel() { _ = target.state.withLock { $0.subscribers.removeValue(forKey: id) } }
    }
}
