import Dispatch
import Synchronization

/// Runs services as one unit: start in order, tell systemd READY=1, wait for events
/// (terminate, reload, failure), stop in reverse order within a time limit.
///
/// Events come from `post(_:)`, which `ServiceSignals` calls for SIGTERM/SIGINT/SIGHUP and
/// which any service may call to report a fatal failure.
///
/// Threading: `run()` blocks its caller (the main thread of `cascadia run`); `post(_:)` may be
/// called from any thread, including before `run()`.
public final class ServiceGroup: Sendable {
    private let services: [any Service]
    private let notifier: ServiceNotifier
    private let log: Log
    private let shutdownTimeoutNanoseconds: UInt64
    private let reload: @Sendable () throws -> String
    private let events = Mutex<[ServiceEvent]>([])
    private let pending = DispatchSemaphore(value: 0)
    /// The service currently being stopped, for the time-out message.
    private let stopping = Mutex<String>("")

    /// - Parameters:
    ///   - services: in dependency order (sources before the pipeline, the pipeline before
    ///     the control socket).
    ///   - shutdownTimeoutSeconds: the time the whole stop sequence may take; keep it below
    ///     the unit's `TimeoutStopSec=` so the log says which service hung.
    ///   - reload: re-reads the configuration (the plan) and returns the new `STATUS=` text;
    ///     throwing keeps the old configuration and logs the error.
    public init(
        services: [any Service], notifier: ServiceNotifier, log: Log, shutdownTimeoutSeconds: Double = 10,
        reload: @escaping @Sendable () throws -> String
    ) {
        self.services = services
        self.notifier = notifier
        self.log = log
        self.shutdownTimeoutNanoseconds = UInt64(max(0, shutdownTimeoutSeconds) * 1e9)
        self.reload = reload
    }

    /// Queues an event for `run()`.
    public func post(_ event: ServiceEvent) {
        events.withLock { $0.append(event) }
        pending.signal()
    }

    /// Starts every service, reports readiness, handles events until terminate or failure,
    /// then stops the started services in reverse order.
    public func run() -> ServiceOutcome {
        var started: [any Service] = []
        for service in services {
            notifier.status("starting \(service.name)")
            do {
                try service.start()
                started.append(service)
                log.info("started \(service.name)")
            } catch {
                let code = (error as? any CascadiaError)?.exitCode ?? .failure
                log.error("cannot start \(service.name): \(error)")
                notifier.stopping(status: "start-up failed: \(service.name)")
                _ = stopAll(started)
                return .startFailed(service: service.name, message: "\(error)", exitCode: code)
            }
        }
        let names = services.map(\.name).joined(separator: ", ")
        notifier.ready(status: "running: \(names)")
        log.notice("ready: \(names)")

        while true {
            pending.wait()
            guard let event = events.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            switch event {
            case .reload:
                notifier.reloading()
                do {
                    let status = try reload()
                    log.notice("reloaded: \(status)")
                    notifier.ready(status: status)
                } catch {
                    log.error("reload failed, keeping the running configuration: \(error)")
                    notifier.ready(status: "reload failed: \(error)")
                }
            case .terminate(let why):
                log.notice("stopping (\(why))")
                notifier.stopping(status: "stopping (\(why))")
                if let hung = stopAll(started) { return .stopTimedOut(service: hung) }
                log.notice("stopped")
                return .stopped
            case .fail(let why):
                log.error("failure: \(why); stopping")
                notifier.stopping(status: "failed: \(why)")
                if let hung = stopAll(started) { return .stopTimedOut(service: hung) }
                return .failed(why)
            }
        }
    }

    /// Stops `started` in reverse order on a helper thread; returns the name of the
    /// service still stopping when the time limit passed, or nil when all stopped.
    private func stopAll(_ started: [any Service]) -> String? {
        let done = DispatchSemaphore(value: 0)
        let order = Array(started.reversed())
        DispatchQueue.global().async {
            for service in order {
                self.stopping.withLock { $0 = service.name }
                service.stop()
                self.log.info("stopped \(service.name)")
            }
            self.stopping.withLock { $0 = "" }
            done.signal()
        }
        let deadline = DispatchTime.now() + .nanoseconds(Int(min(shutdownTimeoutNanoseconds, UInt64(Int.max))))
        if done.wait(timeout: deadline) == .timedOut {
            let hung = stopping.withLock { $0 }
            log.error("shutdown time limit passed while stopping \(hung)")
            return hung
        }
        return nil
    }
}
