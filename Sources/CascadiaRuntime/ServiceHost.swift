/// The whole life of `cascadia run` as a service, in the order that matters:
/// process-wide real-time settings (so `mlockall` covers every thread created later), signal
/// handlers (so a SIGTERM during start-up is not lost), then the service group (start in
/// order, READY=1, events, stop in reverse), and finally the exit code.
///
/// Threading: call from the main thread; it returns when the services have stopped.
public enum ServiceHost {
    /// Runs `services` until SIGTERM/SIGINT (or a `.fail` event), reloading on SIGHUP.
    ///
    /// - Parameters:
    ///   - processOptions: the board's process-wide real-time settings (`mlockall`); refusals
    ///     are logged as warnings.
    ///   - signals: which signal means what (default: SIGTERM/SIGINT stop, SIGHUP reloads).
    ///   - reload: re-reads the plan; returns the new `STATUS=` text.
    ///   - started: receives the group once it exists (e.g. so a pipeline can post `.fail`).
    /// - Returns: the outcome; `outcome.exitCode` is the process exit code.
    public static func run(
        services: [any Service], processOptions: RealTimeOptions, log: Log = .standardError(),
        notifier: ServiceNotifier = ServiceNotifier(), shutdownTimeoutSeconds: Double = 10,
        signals: [(Int32, ServiceEvent)] = ServiceSignals.standard,
        reload: @escaping @Sendable () throws -> String, started: (ServiceGroup) -> Void = { _ in }
    ) -> ServiceOutcome {
        for warning in RealTime.applyToProcess(processOptions) { log.warning(warning.description) }
        let group = ServiceGroup(
            services: services, notifier: notifier, log: log, shutdownTimeoutSeconds: shutdownTimeoutSeconds,
            reload: reload)
        let handlers = ServiceSignals()
        handlers.install(on: group, mapping: signals)
        defer { handlers.cancel() }
        started(group)
        let outcome = group.run()
        switch outcome {
        case .stopped: break
        case .startFailed(let service, let message, _): log.error("start-up failed in \(service): \(message)")
        case .failed(let why): log.error("stopped after a failure: \(why)")
        case .stopTimedOut(let service): log.error("\(service) did not stop within \(shutdownTimeoutSeconds) s")
        }
        return outcome
    }
}
