import CKernels

/// What determines a modality's features; experts whose modalities have equal keys can share
/// one `FeatureExtractor` output (SPEC §2: the FFT is computed once per window).
public struct FeatureKey: Hashable, Sendable {
    public let modality: String
    public let rateHz: Int
    public let intervals: Int
    public let samplesPerInterval: Int
    public let feature: FeatureKind

    public init(_ modality: Modality, intervals: Int) {
        self.modality = modality.name
        rateHz = modality.rateHz
        self.intervals = intervals
        samplesPerInterval = modality.samplesPerInterval
        feature = modality.feature
    }
}

extension FeatureKind: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case let .fft(size, bins, window):
            hasher.combine(0)
            hasher.combine(size)
            hasher.combine(bins)
            hasher.combine(window)
        case .raw:
            hasher.combine(1)
        }
    }
}

/// The DSP front end for one modality framing: turns a window's samples `[T, S]` into the
/// expert input features — `[T, bins, 2]` FFT real/imaginary parts (`nn_dsp_features_f32`,
/// docs/dsp.md) or the raw samples `[T, S, 1]`.
///
/// All memory (FFT plan, scratch, output) is allocated at init; `compute` allocates nothing.
/// Not thread-safe: one thread computes at a time.
public final class FeatureExtractor {
    public let key: FeatureKey
    private var params = nn_dsp_params()
    private let plan: UnsafeMutableRawPointer?
    private let planBytes: Int
    private var context: nn_context
    private let scratch: UnsafeMutableRawPointer?
    private let output: UnsafeMutableBufferPointer<Float>

    /// Samples one window holds: `intervals × samplesPerInterval`.
    public var sampleCount: Int { key.intervals * key.samplesPerInterval }
    /// Features `compute` produces (the expert input's `[T, L, C]` count).
    public var featureCount: Int { output.count }

    /// Prepares the front end for `key`; throws `ModelError` naming `source` when the DSP
    /// rejects the framing.
    public init(key: FeatureKey, source: String = "framing") throws(ModelError) {
        self.key = key
        switch key.feature {
        case let .fft(size, bins, window):
            params = nn_dsp_params(
                samples: Int32(key.samplesPerInterval), fft_size: Int32(size), bins: Int32(bins),
                window: window == "hann"
                    ? Int32(NN_DSP_WINDOW_HANN.rawValue) : Int32(NN_DSP_WINDOW_RECTANGULAR.rawValue))
            let bytes = Int(nn_dsp_plan_size(&params))
            guard bytes > 0 else {
                throw ModelError(
                    file: source,
                    problem:
                        "modality '\(key.modality)': the DSP front end rejects fft_size \(size), bins \(bins), \(key.samplesPerInterval) samples"
                )
            }
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            guard nn_dsp_plan_init(&params, p, Int32(bytes)) == NN_OK else {
                p.deallocate()
                throw ModelError(file: source, problem: "modality '\(key.modality)': the DSP plan cannot be built")
            }
            plan = p
            planBytes = bytes
            let scratchBytes = Int(nn_dsp_features_f32_get_buffer_size(&params))
            scratch = scratchBytes > 0 ? UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16) : nil
            context = nn_context(isa: nn_isa_detect(), buf: scratch, size: Int32(scratchBytes))
            output = .allocate(capacity: key.intervals * bins * 2)
        case .raw:
            plan = nil
            planBytes = 0
            scratch = nil
            context = nn_context(isa: nn_isa_detect(), buf: nil, size: 0)
            output = .allocate(capacity: key.intervals * key.samplesPerInterval)
        }
        output.initialize(repeating: 0)
    }

    /// Prepares the front end for modality `index` of `model`.
    public convenience init(model: ExpertModel, modality index: Int) throws(ModelError) {
        try self.init(
            key: FeatureKey(
                model.description.framing.modalities[index], intervals: model.description.framing.intervals),
            source: model.path)
    }

    deinit {
        plan?.deallocate()
        scratch?.deallocate()
        output.deallocate()
    }

    /// Computes the features of one window. `samples.count` must equal `sampleCount`
    /// (interval after interval). The result stays valid until the next call.
    ///
    /// - Note: Real-time safe.
    public func compute(_ samples: UnsafeBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        precondition(samples.count == sampleCount, "sample count does not match the framing")
        switch key.feature {
        case let .fft(_, bins, _):
            var inDims = nn_dims(t: Int32(key.intervals), l: Int32(key.samplesPerInterval), c: 1)
            var outDims = nn_dims(t: Int32(key.intervals), l: Int32(bins), c: 2)
            let status = nn_dsp_features_f32(
                &context, &params, plan, &inDims, samples.baseAddress, &outDims, output.baseAddress)
            precondition(status == NN_OK, "nn_dsp_features_f32 rejected a prepared framing")
        case .raw:
            if let base = samples.baseAddress, let out = output.baseAddress {
                out.update(from: base, count: samples.count)
            }
        }
        return UnsafeBufferPointer(output)
    }
}
