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

    /// Processes one window: counts it and publishes its record to the subscribers.
    func emitWindow(_ index: Int) {
        let handlers = state.withLock { state in
            state.stats.windows += 1
            return Array(state.handlers.values)
        }
        let record = #"{"window":\#(index),"decision":"hazard","k":\#(settings.k)}"#
        for handler in handlers { handler(record) }
    }

    var subscriberHandlers: Int { state.withLock { $0.handlers.count } }
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
