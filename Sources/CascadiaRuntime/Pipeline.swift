import CascadiaIO
import CascadiaModels
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The runner the pipeline drives: the loaded experts behind the fault injector (`--inject-delay`;
/// with no faults it passes every call straight through).
public typealias PipelineRunner = FaultInjectingRunner<ModelExpertRunner, MonotonicDeadlineClock>
/// The pipeline's executor: production clock, model runner.
public typealias PipelineExecutor = Executor<MonotonicDeadlineClock, PipelineRunner>

/// What a pipeline runs: the plan, the executor options and where the JSON lines go.
public struct PipelineConfiguration: Sendable {
    public var plan: Plan
    /// The plan file (named in errors and reported by `ctl get`).
    public var planPath: String
    /// `--k`, `--no-escape`, `--inject-delay`, `--seed`, `--summary`.
    public var options: ExecutorOptions
    /// One JSON line per window is written here; nil writes none.
    public var outputFileDescriptor: Int32?

    public init(plan: Plan, planPath: String, options: ExecutorOptions = ExecutorOptions(), outputFileDescriptor: Int32? = 1) {
        self.plan = plan
        self.planPath = planPath
        self.options = options
        self.outputFileDescriptor = outputFileDescriptor
    }
}

/// Callbacks of the window loop, all called on the processing thread.
public struct PipelineHooks {
    /// After each window, once its line is written and the summary has it (the service pings the
    /// watchdog here). The record is the executor's storage: read it before returning.
    public var onWindow: ((DetectionRecord) -> Void)?
    /// Polled before each window and while waiting for samples; true ends the loop like
    /// `requestStop()`.
    public var shouldStop: (() -> Bool)?

    public init(onWindow: ((DetectionRecord) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) {
        self.onWindow = onWindow
        self.shouldStop = shouldStop
    }
}

/// The data path of SPEC §2 for one plan: sources → ring buffers → `WindowAssembler` → DSP front
/// end (`FeatureExtractor`, once per window per (modality, feature kind), shared by every expert)
/// → `Executor` (plan, deadline monitor, escape sets, Dynamic-k over `ModelExpertRunner`) →
/// `DetectionJSONWriter` + `SummaryReport`, with ground truth from the recordings' labels.
///
/// Prepare/run split: `init` opens the sources it needs, checks that they feed what the experts
/// read (modality, rate, window framing) and allocates everything — assembler history, float
/// sample buffers, FFT plans and outputs, the executor's tables, the JSON buffer, the summary.
/// `run` starts the sources and processes windows until every source has finished (a replay at
/// its end), `requestStop()` or `hooks.shouldStop`; the per-window path allocates nothing, takes
/// no lock and formats no log line. It then stops the sources.
///
/// Samples reach the DSP as the stream's integer values converted to `Float`, unscaled
/// (acoustic int16 counts, seismic digitizer counts) — the units the experts were trained in
/// (docs/dsp.md). Multi-channel streams feed channel 0.
///
/// Threading: one thread calls `run`; `requestStop()`, `executor.metrics` and `controlTarget`
/// may be used from any thread.
public final class Pipeline {
    public let plan: Plan
    public let planPath: String
    /// Experts in plan catalog order.
    public let experts: [Expert]
    /// Expert ids (plan catalog order): the names in JSON lines and `--inject-delay`.
    public let expertIDs: [String]
    /// The experts' classes.
    public let classNames: [String]
    /// The sources feeding the assembler, in stream order (opened; started by `run`).
    public let sources: [any Source]
    /// Sources given but not read by any expert (never opened nor started).
    public let unusedSources: [any Source]
    public let modelRunner: ModelExpertRunner
    public let executor: PipelineExecutor
    public let writer: DetectionJSONWriter
    /// The `cascadia ctl` side of the executor (stats include the sources' xruns and ring
    /// high-water marks).
    public let controlTarget: ExecutorControlTarget
    /// Window length and hop in seconds (the experts' framing).
    public let windowSeconds: Double
    public let hopSeconds: Double
    /// Accumulated over the windows processed so far (read after `run` returns).
    public private(set) var summary: SummaryReport
    /// Windows processed by `run`.
    public private(set) var windowsProcessed = 0
    /// False once a JSON line could not be written (e.g. the reader of stdout went away).
    public private(set) var outputOK = true
    /// The labels file the ground truth came from, if any.
    public let labelsPath: String?

    private let outputFileDescriptor: Int32?
    private let assembler: WindowAssembler
    private let streams: [SampleStream]
    /// Per stream: channel 0 of the current window as floats.
    private let samples: [UnsafeMutableBufferPointer<Float>]
    /// Per runner feature slot: its extractor and the stream it reads.
    private let extractors: [FeatureExtractor]
    private let extractorStream: [Int]
    private let labels: PipelineLabels?
    private let labelStream: Int
    private var labelOriginNanoseconds: Int64?
    private let windowNanoseconds: UInt64
    private let stopFlag = Atomic<Bool>(false)
    /// Signalled by every stream's producer after a commit or at its end, and by `requestStop()`.
    private let wakeup = RingWakeup()
    /// How long the loop blocks without news before it polls `hooks.shouldStop` again.
    static let waitTimeoutMilliseconds: Int32 = 100

    /// Prepares the pipeline; see the type's documentation.
    ///
    /// - Parameters:
    ///   - experts: the plan's experts in catalog order (`PipelineExperts.load`).
    ///   - sources: any sources (replay files, ALSA, ADC, Shake); for each (modality, rate) the
    ///     experts read, the first source of that modality feeds it.
    /// - Throws: `PipelineError` (65) when no source has a modality the experts read or has
    ///   another rate; `ExecutorError` (78/64) for a plan that does not fit the experts or a bad
    ///   option; the sources' own `open()` errors (65/69/78); `PipelineError` (65) for label rows
    ///   with unknown classes.
    public init(configuration: PipelineConfiguration, experts: [Expert], sources givenSources: [any Source]) throws {
        let plan = configuration.plan
        guard experts.count == plan.catalog.count else {
            throw PipelineError(
                configuration.planPath, "\(plan.catalog.count) experts in the catalog, \(experts.count) loaded",
                exitCode: .config)
        }
        self.plan = plan
        planPath = configuration.planPath
        self.experts = experts
        expertIDs = plan.catalog.map(\.id)
        let first = experts[0].model.description
        classNames = first.labels
        windowSeconds = first.framing.windowSeconds
        hopSeconds = first.framing.hopSeconds
        windowNanoseconds = UInt64((windowSeconds * 1e9).rounded())
        outputFileDescriptor = configuration.outputFileDescriptor

        // Streams: one per (modality name, rate) the experts read, from the first matching source.
        let runner = try ModelExpertRunner(experts: experts)
        modelRunner = runner
        var streamSources: [any Source] = []
        var streamKeys: [(name: String, rateHz: Int)] = []
        func stream(for modality: CascadiaModels.Modality, expert: Expert) throws -> Int {
            if let s = streamKeys.firstIndex(where: { $0.name == modality.name && $0.rateHz == modality.rateHz }) {
                return s
            }
            guard
                let source = givenSources.first(where: { candidate in
                    candidate.streamDescription.modality.rawValue == modality.name
                        && !streamSources.contains(where: { $0 === candidate })
                })
            else {
                throw PipelineError(
                    "sources",
                    "no \(modality.name) stream, but \(expert.model.path) reads \(modality.name) at \(modality.rateHz) Hz",
                    exitCode: .data)
            }
            try source.open()
            let rate = source.streamDescription.sampleRateHz
            guard abs(rate - Double(modality.rateHz)) < 1e-9 else {
                throw PipelineError(
                    source.name,
                    "\(modality.name) at \(rate) Hz, but \(expert.model.path) reads \(modality.rateHz) Hz",
                    exitCode: .data)
            }
            streamSources.append(source)
            streamKeys.append((modality.name, modality.rateHz))
            return streamSources.count - 1
        }
        var extractors: [FeatureExtractor] = []
        var extractorStream: [Int] = []
        var slotNames: [String] = []
        for expert in experts {
            for modality in expert.model.description.framing.modalities {
                let s = try stream(for: modality, expert: expert)
                let name = ModelExpertRunner.slotName(modality)
                guard !slotNames.contains(name) else { continue }
                slotNames.append(name)
                extractors.append(
                    try FeatureExtractor(
                        key: FeatureKey(modality, intervals: expert.model.description.framing.intervals),
                        source: expert.model.path))
                extractorStream.append(s)
            }
        }
        precondition(slotNames == runner.slotNames, "feature slots follow the runner's first-seen order")
        sources = streamSources
        unusedSources = givenSources.filter { given in !streamSources.contains(where: { $0 === given }) }
        streams = streamSources.map(\.stream)
        for stream in streams { stream.ring.attachWakeup(wakeup) }

        var windowConfiguration = WindowConfiguration()
        windowConfiguration.windowSeconds = first.framing.windowSeconds
        windowConfiguration.hopSeconds = first.framing.hopSeconds
        windowConfiguration.intervalCount = first.framing.intervals
        assembler = try WindowAssembler(configuration: windowConfiguration, streams: streamSources.map(\.streamDescription))
        for (slot, extractor) in extractors.enumerated() {
            let frames = assembler.windowFrames[extractorStream[slot]]
            guard extractor.sampleCount == frames, extractor.featureCount == runner.featureCount(slot: slot) else {
                throw PipelineError(
                    slotNames[slot],
                    "the DSP takes \(extractor.sampleCount) samples into \(extractor.featureCount) features; the window has \(frames) frames and the experts read \(runner.featureCount(slot: slot))",
                    exitCode: .config)
            }
        }
        self.extractors = extractors
        self.extractorStream = extractorStream
        samples = assembler.windowFrames.map { frames in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: frames)
            buffer.initialize(repeating: 0)
            return buffer
        }

        // Labels: the first stream source that is a replay with label rows.
        var labels: PipelineLabels?
        var labelStream = 0
        var labelsPath: String?
        for (s, source) in streamSources.enumerated() {
            guard let replay = source as? ReplaySource, !replay.labels.isEmpty else { continue }
            labels = try PipelineLabels(labels: replay.labels, classNames: first.labels, path: replay.labelsPath ?? replay.path)
            labelStream = s
            labelsPath = replay.labelsPath
            break
        }
        self.labels = labels
        self.labelStream = labelStream
        self.labelsPath = labelsPath

        // Executor over the fault-injecting runner.
        let clock = MonotonicDeadlineClock()
        let schedule = try CascadeSchedule(plan: plan, file: configuration.planPath, skipBack: configuration.options.skipBack)
        let faulty = try FaultInjectingRunner(
            base: runner, clock: clock, faults: try configuration.options.faults(expertNames: expertIDs),
            seed: configuration.options.seed)
        let thresholds = runner.modelThresholds
        executor = try Executor(
            schedule: schedule, runner: faulty, clock: clock, thresholds: thresholds,
            escapeEnabled: configuration.options.escapeEnabled, skipBack: configuration.options.skipBack)
        writer = DetectionJSONWriter(expertNames: expertIDs, classNames: first.labels)
        summary = SummaryReport(
            isHazardPlan: plan.kind == .hazard, classNames: first.labels, hazardClasses: Set(first.hazardClasses),
            predictedExpectedNanoseconds: schedule.predictedExpectedNanoseconds, tcetNanoseconds: schedule.tcetNanoseconds)
        let skipBack: SkipBack
        switch schedule.mode {
        case .idk(_, let k): skipBack = configuration.options.skipBack ?? k
        case .hazard: skipBack = configuration.options.skipBack ?? .fixed(0)
        }
        let counterStreams = streams
        controlTarget = ExecutorControlTarget(
            control: executor.control, metrics: executor.metrics, plan: plan, planPath: configuration.planPath,
            skipBack: skipBack, skipBackFromCommandLine: configuration.options.skipBack != nil, thresholds: thresholds,
            pipelineCounters: {
                var xruns: UInt64 = 0
                var highWater: [String: Double] = [:]
                for stream in counterStreams {
                    let counters = stream.counters
                    xruns += counters.xruns + counters.overruns
                    highWater[stream.description.name] =
                        Double(counters.highWaterFrames) / Double(stream.ring.capacityFrames)
                }
                return (xruns, highWater)
            })
    }

    deinit {
        for buffer in samples { buffer.deallocate() }
    }

    /// Asks `run` to return after the window in flight. Any thread.
    public func requestStop() {
        stopFlag.store(true, ordering: .relaxed)
        wakeup.wake()
    }

    /// The window assembler's counters (windows delivered, skipped for gaps).
    public var assemblerCounters: WindowAssemblerCounters { assembler.counters }

    /// Starts the sources and processes windows until the sources are exhausted or a stop is
    /// requested; finishes the window in flight, then stops (joins) every source.
    /// - Throws: a source's `start()` error (the sources already started are stopped).
    public func run(hooks: PipelineHooks = PipelineHooks()) throws {
        var started: [any Source] = []
        defer { for source in started.reversed() { source.stop() } }
        for source in sources {
            try source.start()
            started.append(source)
        }
        var tokens = [UInt64](repeating: 0, count: streams.count)
        while !stopRequested(hooks) {
            for s in 0..<streams.count { tokens[s] = streams[s].ring.publicationToken }
            if let window = assembler.nextWindow(from: streams) {
                process(window, hooks: hooks)
                continue
            }
            if allStreamsFinished() {
                // Gaps pushed at the very end may complete (flagged, skipped) windows; drain.
                while !stopRequested(hooks), let window = assembler.nextWindow() { process(window, hooks: hooks) }
                break
            }
            // Block until a producer publishes past what this pass saw (or a stop request).
            wakeup.wait(timeoutMilliseconds: Self.waitTimeoutMilliseconds) {
                if stopFlag.load(ordering: .relaxed) { return true }
                for s in 0..<streams.count where streams[s].ring.publicationToken != tokens[s] { return true }
                return false
            }
        }
    }

    private func stopRequested(_ hooks: PipelineHooks) -> Bool {
        stopFlag.load(ordering: .relaxed) || (hooks.shouldStop?() ?? false)
    }

    /// True when every stream's ring is finished and read to its end; hands gaps met on the way
    /// to the assembler.
    private func allStreamsFinished() -> Bool {
        var finished = true
        for s in 0..<streams.count {
            switch streams[s].ring.acquireRead(maxFrames: 0) {
            case .finished: break
            case .gap(let gap):
                assembler.pushGap(stream: s, gap)
                finished = false
            case .samples, .empty: finished = false
            }
        }
        return finished
    }

    /// One window: samples to floats, DSP once per slot, executor, output.
    /// - Note: Real-time safe.
    private func process(_ window: Window, hooks: PipelineHooks) {
        let clock = executor.clock
        for s in 0..<streams.count {
            let source = window.samples(s)
            let channels = streams[s].description.channelCount
            let out = samples[s]
            for i in 0..<out.count { out[i] = Float(source[i * channels]) }
        }
        for slot in 0..<extractors.count {
            let features = extractors[slot].compute(UnsafeBufferPointer(samples[extractorStream[slot]]))
            modelRunner.setFeatures(slot: slot, features)
        }
        var label: Int32 = -1
        if let labels {
            if labelOriginNanoseconds == nil {
                labelOriginNanoseconds = streams[labelStream].timebase?.firstSampleMonotonicNanoseconds
            }
            if let origin = labelOriginNanoseconds {
                label = labels.classIndex(
                    startSeconds: Double(window.startMonotonicNanoseconds - origin) / 1e9, lengthSeconds: windowSeconds)
            }
        }
        let start = UInt64(max(0, window.startMonotonicNanoseconds))
        // Completion: when the last sample existed (live, paced replay) — or now, for a replay
        // running ahead of its timestamps.
        let completion = min(clock.nowNanoseconds(), start &+ windowNanoseconds)
        let record = executor.process(
            WindowInfo(index: Int64(window.index), startNanoseconds: start, completionNanoseconds: completion, label: label))
        summary.add(record)
        windowsProcessed += 1
        if let fd = outputFileDescriptor, outputOK {
            outputOK = writer.write(record, to: fd)
        }
        hooks.onWindow?(record)
    }
}
