/// What the control socket drives: the running pipeline (`cascadia run`'s executor)
/// implements this, and `ControlServer` calls it for `cascadia ctl` requests.
///
/// Threading: every method is called from the control server's thread, never from the
/// pipeline's. Implementations must not make the pipeline wait: publish new settings
/// through atomics or an atomically swapped, fully prepared object that the processing
/// loop picks up at the start of the next window (so a change takes effect at the next
/// window and no sample is dropped). `loadPlan` may take time (reading and validating the
/// file); other control clients wait meanwhile, the pipeline does not.
public protocol ControlTarget: AnyObject, Sendable {
    /// A consistent snapshot of the live metrics.
    func controlStats() -> ControlStats
    /// The current tunable settings.
    func controlSettings() -> ControlSettings
    /// Sets the Dynamic-k skip-back factor for IDK cascades (k ≥ 0). Throws when the value
    /// is not allowed by the plan (e.g. larger than the cascade).
    func setSkipBack(_ k: Int) throws
    /// Sets the IDK/hazard threshold of one expert (by name as in the plan, e.g. `A` or
    /// `deepsense_both`). Throws when the expert is not in the plan or the value is not in 0…1.
    func setThreshold(expert: String, value: Double) throws
    /// Reads, validates and switches to the plan in `path`; the old plan keeps running if
    /// this throws.
    func loadPlan(path: String) throws
    /// Switches the executor's automatic choice of k on or off.
    func setAutoSkipBack(_ enabled: Bool) throws
    /// Registers `handler` to receive every processed window as its one-line JSON record
    /// (the same line `cascadia run` writes, without the newline). Called on a
    /// non-real-time thread of the pipeline (its detection writer), in window order; the
    /// handler returns quickly (it only enqueues). The handler stays registered until the
    /// returned subscription is cancelled.
    func subscribeWindows(_ handler: @escaping @Sendable (String) -> Void) -> any ControlSubscription
}

/// A pipeline that can run the live Dynamic-k experiment of `cascadia ctl tune k`. The control
/// server checks for this capability and answers `unsupported` for targets without it.
public protocol ControlTuningTarget: ControlTarget {
    /// Runs each candidate k on `windowsPerCandidate` consecutive live windows (in the given
    /// order), applies the best (lowest mean expert time among the candidates whose accuracy —
    /// classified fraction without labels — is within `accuracyTolerance` of the best one) and calls `completion` once, from
    /// any thread, with the table. Returns at once: the experiment runs on the pipeline's
    /// windows. Throws when it cannot start (one already running, a candidate out of range).
    func tuneSkipBack(
        candidates: [Int], windowsPerCandidate: Int, accuracyTolerance: Double,
        completion: @escaping @Sendable (Result<ControlTuneReport, any Error>) -> Void) throws
}

/// The result of `cascadia ctl tune k`.
public struct ControlTuneReport: Codable, Sendable, Equatable {
    /// One candidate's measurements.
    public struct Row: Codable, Sendable, Equatable {
        public var k: Int
        public var windows: Int
        public var meanLatencyMilliseconds: Double
        public var p99LatencyMilliseconds: Double
        /// Fraction of windows the cascade classified (answered, not IDK): the accuracy proxy on
        /// unlabelled live data.
        public var classifiedFraction: Double
        public var deadlineMisses: Int
        /// Mean Σ expert time per window: what k changes, and what the choice minimises.
        public var meanExpertMilliseconds: Double
        /// Fraction of labelled windows decided correctly (IDK counts as wrong); nil when the
        /// windows carried no labels.
        public var accuracy: Double?

        public init(
            k: Int, windows: Int, meanLatencyMilliseconds: Double, p99LatencyMilliseconds: Double,
            classifiedFraction: Double, deadlineMisses: Int, meanExpertMilliseconds: Double = 0, accuracy: Double? = nil
        ) {
            self.meanExpertMilliseconds = meanExpertMilliseconds
            self.accuracy = accuracy
            self.k = k
            self.windows = windows
            self.meanLatencyMilliseconds = meanLatencyMilliseconds
            self.p99LatencyMilliseconds = p99LatencyMilliseconds
            self.classifiedFraction = classifiedFraction
            self.deadlineMisses = deadlineMisses
        }
    }

    public var rows: [Row]
    /// The k applied at the end.
    public var chosenK: Int

    public init(rows: [Row], chosenK: Int) {
        self.rows = rows
        self.chosenK = chosenK
    }
}

/// A registration returned by `ControlTarget.subscribeWindows`.
public protocol ControlSubscription: Sendable {
    /// Stops deliveries; after it returns the handler is not called again.
    func cancel()
}

/// Live metrics as `cascadia ctl stats` shows them (SPEC §5: latency, deadline misses,
/// escapes, expert invocations, xruns, ring-buffer high-water marks).
public struct ControlStats: Codable, Sendable, Equatable {
    /// Seconds since the pipeline started.
    public var uptimeSeconds: Double
    /// Windows processed.
    public var windows: UInt64
    /// Windows whose result came after the budget L.
    public var deadlineMisses: UInt64
    /// Windows in which the escape set ran.
    public var escapes: UInt64
    /// ALSA xruns plus ring-buffer overruns, all sources.
    public var xruns: UInt64
    /// Window latency percentiles (completion of the window → decision), milliseconds.
    public var latencyP50Milliseconds: Double
    public var latencyP99Milliseconds: Double
    public var latencyMaxMilliseconds: Double
    /// Invocations per expert name.
    public var expertInvocations: [String: UInt64]
    /// Highest ring-buffer fill per stream, as a fraction of its capacity (0…1).
    public var ringHighWater: [String: Double]

    public init(
        uptimeSeconds: Double = 0, windows: UInt64 = 0, deadlineMisses: UInt64 = 0, escapes: UInt64 = 0,
        xruns: UInt64 = 0, latencyP50Milliseconds: Double = 0, latencyP99Milliseconds: Double = 0,
        latencyMaxMilliseconds: Double = 0, expertInvocations: [String: UInt64] = [:],
        ringHighWater: [String: Double] = [:]
    ) {
        self.uptimeSeconds = uptimeSeconds
        self.windows = windows
        self.deadlineMisses = deadlineMisses
        self.escapes = escapes
        self.xruns = xruns
        self.latencyP50Milliseconds = latencyP50Milliseconds
        self.latencyP99Milliseconds = latencyP99Milliseconds
        self.latencyMaxMilliseconds = latencyMaxMilliseconds
        self.expertInvocations = expertInvocations
        self.ringHighWater = ringHighWater
    }
}

/// Tunable settings as `cascadia ctl get` shows them.
public struct ControlSettings: Codable, Sendable, Equatable {
    /// Dynamic-k skip-back factor.
    public var k: Int
    /// Whether the executor chooses k itself.
    public var autoK: Bool
    /// Path of the plan file in use.
    public var plan: String
    /// Threshold per expert name.
    public var thresholds: [String: Double]

    public init(k: Int, autoK: Bool, plan: String, thresholds: [String: Double]) {
        self.k = k
        self.autoK = autoK
        self.plan = plan
        self.thresholds = thresholds
    }
}
