import Foundation
import Synchronization

/// The pipeline as a `Service` of `cascadia run`: its window loop on a dedicated processing
/// thread (with the board's real-time settings), each window's line handed to the
/// `WindowLinePublisher`, and the systemd watchdog pinged from the loop itself.
///
/// `start()` starts the thread (the sources were opened and the models loaded when the
/// `Pipeline` was built, so READY=1 after it is truthful). `stop()` asks the loop to finish the
/// window in flight, waits for it (the sources are stopped and joined by `Pipeline.run`) and
/// syncs the output file. When the loop ends on its own (sources exhausted, a source failed to
/// start) `ended` is called with the event to post to the service group.
///
/// Threading: `start`/`stop` from the group's thread; the loop runs on its own thread.
public final class PipelineService: Service, @unchecked Sendable {
    public let name = "pipeline"
    public let pipeline: Pipeline
    private let threadOptions: RealTimeOptions
    private let log: Log
    private let notifier: ServiceNotifier
    private let publisher: WindowLinePublisher?
    private let outputFileDescriptor: Int32?
    private let endEvent: @Sendable (_ error: (any Error)?) -> ServiceEvent
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let post = Mutex<(@Sendable (ServiceEvent) -> Void)?>(nil)
    private var thread: Thread?

    /// - Parameters:
    ///   - threadOptions: the board's `threads.processing` settings, applied on the loop's thread
    ///     (refusals are logged as warnings).
    ///   - outputFileDescriptor: the JSON-lines file to `fsync` at stop (nil: none, e.g. stdout).
    ///   - endEvent: the event for a loop that ended by itself; `error` is what `run` threw.
    public init(
        pipeline: Pipeline, threadOptions: RealTimeOptions, log: Log, notifier: ServiceNotifier,
        publisher: WindowLinePublisher?, outputFileDescriptor: Int32?,
        endEvent: @escaping @Sendable (_ error: (any Error)?) -> ServiceEvent
    ) {
        self.pipeline = pipeline
        self.threadOptions = threadOptions
        self.log = log
        self.notifier = notifier
        self.publisher = publisher
        self.outputFileDescriptor = outputFileDescriptor
        self.endEvent = endEvent
    }

    /// Where an end of the loop is reported (the service group's `post`).
    public func onEnd(_ post: @escaping @Sendable (ServiceEvent) -> Void) {
        self.post.withLock { $0 = post }
    }

    public func start() throws {
        stopping.store(false, ordering: .relaxed)
        let thread = Thread { [self] in loop() }
        thread.name = "cascadia-proc"
        self.thread = thread
        thread.start()
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        pipeline.requestStop()
        if thread != nil { finished.wait() }
        thread = nil
        if let fd = outputFileDescriptor { _ = fsync(fd) }
    }

    private func loop() {
        defer { finished.signal() }
        for warning in RealTime.applyToCurrentThread(name: "cascadia-proc", threadOptions) {
            log.warning(warning.description)
        }
        let pipeline = self.pipeline
        let publisher = self.publisher
        let notifier = self.notifier
        var failure: (any Error)?
        do {
            try pipeline.run(
                hooks: PipelineHooks(onWindow: { record in
                    publisher?.offer(pipeline.writer.format(record))
                    notifier.pingWatchdogIfDue(nowNanoseconds: ServiceNotifier.monotonicNanoseconds())
                }))
        } catch {
            failure = error
        }
        guard !stopping.load(ordering: .acquiring) else { return }
        let event = endEvent(failure)
        post.withLock { $0 }?(event)
    }
}
