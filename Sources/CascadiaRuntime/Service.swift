/// One long-lived part of the running node (a source, the pipeline, the control socket),
/// in the shape of swift-service-lifecycle: a `ServiceGroup` starts services in dependency
/// order and stops them in reverse.
///
/// Threading: `start` and `stop` are called from the group's thread, one at a time.
public protocol Service: AnyObject, Sendable {
    /// Name used in logs and in `STATUS=` (`alsa capture`, `pipeline`, `control socket`).
    var name: String { get }
    /// Opens resources and starts the service's own threads; returns once it is running.
    /// Throwing aborts start-up: the services already started are stopped in reverse.
    func start() throws
    /// Stops the service's threads and releases its resources; called once, after a
    /// successful `start`, and must return within the group's shutdown time limit.
    func stop()
}

/// What a `ServiceGroup` reacts to while running.
public enum ServiceEvent: Sendable, Equatable {
    /// Graceful shutdown (SIGTERM, SIGINT); the string says why, for the log.
    case terminate(String)
    /// Re-read the configuration (SIGHUP, `systemctl reload`).
    case reload
    /// A service failed while running; the group shuts down and exits non-zero so
    /// `Restart=on-failure` restarts it.
    case fail(String)
}

/// How `ServiceGroup.run()` ended.
public enum ServiceOutcome: Sendable, Equatable {
    /// Every service started and stopped cleanly after a terminate event.
    case stopped
    /// `start()` of the named service threw; the message is the error's description.
    case startFailed(service: String, message: String, exitCode: ExitCode)
    /// A service reported a failure while running.
    case failed(String)
    /// Stopping did not finish within the time limit; the named service was still stopping.
    case stopTimedOut(service: String)

    /// The process exit code for this outcome (0 only for `.stopped`).
    public var exitCode: ExitCode {
        switch self {
        case .stopped: .ok
        case .startFailed(_, _, let code): code
        case .failed, .stopTimedOut: .failure
        }
    }
}
