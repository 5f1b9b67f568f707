import CascadiaModels

/// The production runner: prepared `CascadiaModels.Expert`s fed with the current window's DSP
/// features.
///
/// Before `Executor.process` the window loop hands over the window's float features once per
/// modality (`setFeatures`); each expert run quantizes the modalities it reads into its own
/// arena and runs its layers, checking CLOCK_MONOTONIC before every layer against the
/// cancellation deadline. Use it with `MonotonicDeadlineClock` (the experts read that clock).
public final class ModelExpertRunner: ExpertRunner {
    /// Experts by executor index (catalog order of the plan).
    public let experts: [Expert]
    /// Feature slots in order: one per distinct (modality, feature kind) over the experts,
    /// named `modality/kind` (`acoustic/raw`, `seismic/fft64x33-hann`), first-seen order.
    public let slotNames: [String]
    /// Kernel failures (`nn_status` ≠ OK) so far; such a run is reported as cancelled.
    public private(set) var kernelFailures = 0
    private let slotOfModality: [[Int]]
    private let features: UnsafeMutableBufferPointer<UnsafeBufferPointer<Float>>
    private let expectedCounts: UnsafeMutableBufferPointer<Int>

    public var expertCount: Int { experts.count }

    public init(experts: [Expert]) throws(ExecutorError) {
        guard !experts.isEmpty else {
            throw .invalidOption(option: "--models", value: "", problem: "no experts loaded")
        }
        var names: [String] = []
        var counts: [Int] = []
        var slots: [[Int]] = []
        for expert in experts {
            var expertSlots: [Int] = []
            for (m, modality) in expert.model.description.framing.modalities.enumerated() {
                let count = expert.inputCount(modality: m)
                let name = Self.slotName(modality)
                if let slot = names.firstIndex(of: name) {
                    guard counts[slot] == count else {
                        throw .invalidOption(
                            option: "--models", value: expert.model.path,
                            problem: "features '\(name)' have \(count) values here but \(counts[slot]) in another expert")
                    }
                    expertSlots.append(slot)
                } else {
                    names.append(name)
                    counts.append(count)
                    expertSlots.append(names.count - 1)
                }
            }
            slots.append(expertSlots)
        }
        self.experts = experts
        slotNames = names
        slotOfModality = slots
        features = .allocate(capacity: names.count)
        features.initialize(repeating: UnsafeBufferPointer(start: nil, count: 0))
        expectedCounts = .allocate(capacity: counts.count)
        _ = expectedCounts.initialize(from: counts)
    }

    deinit {
        features.deallocate()
        expectedCounts.deallocate()
    }

    /// The slot name of a modality: `name/feature kind`.
    public static func slotName(_ modality: Modality) -> String {
        switch modality.feature {
        case .raw: "\(modality.name)/raw"
        case .fft(let size, let bins, let window): "\(modality.name)/fft\(size)x\(bins)-\(window)"
        }
    }

    /// The features of slot `slot` handed over for the current window (read back by benchmarks).
    public func currentFeatures(slot: Int) -> UnsafeBufferPointer<Float> { features[slot] }

    /// The feature slot that expert `expert`'s modality `modality` reads.
    public func slot(expert: Int, modality: Int) -> Int { slotOfModality[expert][modality] }

    /// Feature count the experts expect for slot `slot`.
    public func featureCount(slot: Int) -> Int { expectedCounts[slot] }

    /// Hands over the current window's features of modality slot `slot` (`[T, L, C]` floats
    /// from the DSP front end). The buffer must stay valid until the window is processed.
    /// - Note: Real-time safe.
    public func setFeatures(slot: Int, _ buffer: UnsafeBufferPointer<Float>) {
        precondition(buffer.count == expectedCounts[slot], "feature count does not match the experts' input")
        features[slot] = buffer
    }

    /// The IDK and hazard thresholds stored in the model files.
    public var modelThresholds: ExpertThresholds { ExpertThresholds(modelsOf: experts) }

    /// - Note: Real-time safe.
    public func run(expert: Int, window: WindowInfo, cancelAtNanoseconds: UInt64) -> RunnerAnswer {
        let model = experts[expert]
        let slots = slotOfModality[expert]
        for m in 0..<slots.count {
            model.setFeatures(modality: m, features[slots[m]])
        }
        switch model.run(deadlineNanoseconds: cancelAtNanoseconds) {
        case .answered(let answer):
            return RunnerAnswer(
                topClass: Int32(answer.topClass), topProbability: Float(answer.topProbability),
                hazardProbability: Float(answer.hazardProbability))
        case .abandoned:
            return .cancelledAnswer
        case .failed:
            kernelFailures += 1
            return .cancelledAnswer
        }
    }
}

extension ExpertThresholds {
    /// The IDK and hazard thresholds stored in the experts' model files (expert-index order).
    public init(modelsOf experts: [Expert]) {
        self.init(
            idk: experts.map { Float($0.model.description.idkThreshold) },
            hazard: experts.map { Float($0.model.description.hazardThreshold) })
    }
}
