import Foundation
import Synchronization
@testable import CascadiaRuntime

/// A stand-in for the executor behind the control socket: keeps settings, refuses what a
/// real plan would refuse, records every change, and publishes window records on demand.
final class FakePipeline: ControlTarget {
    struct Refusal: Error, CustomStringConvertible { let description: String }

    struct State {
        var settings = ControlSettings(k: 1, autoK: false, plan: "/plans/start.json", thresholds: ["A": 0.7, "B": 0.65])
        var stats = ControlStats(
            uptimeSeconds: 12.5, windows: 12, deadlineMisses: 1, escapes: 2, xruns: 0, latencyP50Milliseconds: 11.25,
            latencyP99Milliseconds: 40.5, latencyMaxMilliseconds: 41.0, expertInvocations: ["A": 12, "B": 3],
            ringHighWater: ["acoustic": 0.25])
        var changes: [String] = []
        var handlers: [Int: @Sendable (String) -> Void] = [:]
        var nextHandler = 0
        var tuning: Tuning?
    }

    /// A k experiment in progress: windows are attributed to candidates in order.
    struct Tuning {
        var candidates: [Int]
        var windowsPerCandidate: Int
        var tolerance: Double
        var rows: [ControlTuneReport.Row] = []
        var latencies: [Double] = []
        var completion: @Sendable (Result<ControlTuneReport, any Error>) -> Void
    }

    let state = Mutex(State())

    var changes: [String] { state.withLock { $0.changes } }
    var settings: ControlSettings { state.withLock { $0.settings } }

    func controlStats() -> ControlStats { state.withLock { $0.stats } }
    func controlSettings() -> ControlSettings { state.withLock { $0.settings } }

    func setSkipBack(_ k: Int) throws {
        guard k <= 6 else { throw Refusal(description: "k \(k) exceeds the cascade length 7") }
        state.withLock { $0.settings.k = k; $0.changes.append("k=\(k)") }
    }

    func setThreshold(expert: String, value: Double) throws {
        try state.withLock { state in
            guard state.settings.thresholds[expert] != nil else {
                throw Refusal(description: "expert \(expert) is not in the plan")
            }
            state.settings.thresholds[expert] = value
            state.changes.append("threshold \(expert)=\(value)")
        }
    }

    func loadPlan(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw Refusal(description: "\(path): no such plan file") }
        state.withLock { $0.settings.plan = path; $0.changes.append("plan=\(path)") }
    }

    func setAutoSkipBack(_ enabled: Bool) throws {
        state.withLock { $0.settings.autoK = enabled; $0.changes.append("auto-k=\(enabled)") }
    }

    struct Subscription: ControlSubscription {
        let pipeline: FakePipeline
        let id: Int
        func cancel() { _ = pipeline.state.withLock { $0.handlers.removeValue(forKey: id) } }
    }

    func subscribeWindows(_ handler: @escaping @Sendable (String) -> Void) -> any ControlSubscription {
        let id = state.withLock { state in
            state.nextHandler += 1
            state.handlers[state.nextHandler] = handler
            return state.nextHandler
        }
        return Subscription(pipeline: self, id: id)
    }

    /// Processes one window: counts it, feeds a running k experiment (latency 10 + 2k ms, every
    /// window classified; k = 0 misses one in five), and publishes its record.
    func emitWindow(_ index: Int) {
        let (handlers, finished) = state.withLock { state -> ([@Sendable (String) -> Void], (@Sendable (Result<ControlTuneReport, any Error>) -> Void, ControlTuneReport)?) in
            state.stats.windows += 1
            var finished: (@Sendable (Result<ControlTuneReport, any Error>) -> Void, ControlTuneReport)?
            if var tuning = state.tuning {
                let k = tuning.candidates[tuning.rows.count]
                tuning.latencies.append(10 + 2 * Double(k))
                if tuning.latencies.count == tuning.windowsPerCandidate {
                    let classified = k == 0 ? 0.8 : 1.0
                    let mean = tuning.latencies.reduce(0, +) / Double(tuning.latencies.count)
                    tuning.rows.append(.init(k: k, windows: tuning.latencies.count, meanLatencyMilliseconds: mean,
                        p99LatencyMilliseconds: mean, classifiedFraction: classified, deadlineMisses: 0))
                    tuning.latencies = []
                }
                if tuning.rows.count == tuning.candidates.count {
                    let best = tuning.rows.map(\.classifiedFraction).max()!
                    let chosen = tuning.rows.filter { $0.classifiedFraction >= best - tuning.tolerance }
                        .min { $0.meanLatencyMilliseconds < $1.meanLatencyMilliseconds }!.k
                    state.settings.k = chosen
                    finished = (tuning.completion, ControlTuneReport(rows: tuning.rows, chosenK: chosen))
                    state.tuning = nil
                } else {
                    state.tuning = tuning
                }
            }
            return (Array(state.handlers.values), finished)
        }
        if let (completion, report) = finished { completion(.success(report)) }
        let record = #"{"window":\#(index),"decision":"hazard","k":\#(settings.k)}"#
        for handler in handlers { handler(record) }
    }

    var subscriberHandlers: Int { state.withLock { $0.handlers.count } }
    var isTuning: Bool { state.withLock { $0.tuning != nil } }
}

extension FakePipeline: ControlTuningTarget {
    func tuneSkipBack(
        candidates: [Int], windowsPerCandidate: Int, accuracyTolerance: Double,
        completion: @escaping @Sendable (Result<ControlTuneReport, any Error>) -> Void
    ) throws {
        try state.withLock { state in
            guard state.tuning == nil else { throw Refusal(description: "a k experiment is already running") }
            guard candidates.allSatisfy({ $0 <= 6 }) else { throw Refusal(description: "k above 6 in \(candidates)") }
            state.tuning = Tuning(candidates: candidates, windowsPerCandidate: windowsPerCandidate,
                tolerance: accuracyTolerance, completion: completion)
        }
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
