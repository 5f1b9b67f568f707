/// The shape of an activation tensor: `[T, L, C]` (time, length, channels), channels fastest.
public struct Shape3: Sendable, Equatable, CustomStringConvertible {
    public var t: Int
    public var l: Int
    public var c: Int

    public init(_ t: Int, _ l: Int, _ c: Int) {
        self.t = t
        self.l = l
        self.c = c
    }

    /// Element count; callers keep each dimension ≤ 2^24 and the product bounded.
    public var count: Int { t * l * c }
    public var description: String { "[\(t), \(l), \(c)]" }
}

/// An int8 activation tensor of the graph with its per-tensor quantization.
public struct ActivationTensor: Sendable, Equatable {
    public let name: String
    public let shape: Shape3
    public let scale: Double
    public let zeroPoint: Int
}

/// The fused activation of conv1d, dense and add.
public enum Activation: String, Sendable {
    case none
    case relu
}

/// What a modality's input features are.
public enum FeatureKind: Sendable, Equatable {
    /// Bins `0..<bins` of the real FFT of each interval, zero-padded to `fftSize`; channels re, im.
    case fft(fftSize: Int, bins: Int, window: String)
    /// The interval's samples, one channel.
    case raw
}

/// One sensor stream an expert reads.
public struct Modality: Sendable, Equatable {
    public let name: String
    public let rateHz: Int
    /// The graph input tensor fed by this modality.
    public let input: String
    public let feature: FeatureKind
    /// `rateHz × windowSeconds / intervals`.
    public let samplesPerInterval: Int
}

/// How a window is cut into the expert's input (docs/model-format.md §3).
public struct Framing: Sendable, Equatable {
    public let windowSeconds: Double
    public let hopSeconds: Double
    public let intervals: Int
    public let modalities: [Modality]
}

/// One layer's operation and its parameters (docs/model-format.md §4).
public enum LayerOp: Sendable, Equatable {
    case conv1d(weight: String, bias: String, weightScales: [Double], stride: Int, padLeft: Int, padRight: Int,
                dilation: Int, activation: Activation)
    case dense(weight: String, bias: String, weightScales: [Double], activation: Activation)
    case maxpool(kernel: Int, stride: Int)
    case avgpool(kernel: Int, stride: Int)
    case globalAvgpool
    case meanTime
    case add(activation: Activation)
    case concat(axis: Int)
    case reshape(Shape3)
    case gru(hidden: Int, weightIH: String, weightHH: String, biasIH: String, biasHH: String,
             weightIHScales: [Double], weightHHScales: [Double])
    case softmax

    /// The `op` string in the file.
    public var opName: String {
        switch self {
        case .conv1d: return "conv1d"
        case .dense: return "dense"
        case .maxpool: return "maxpool"
        case .avgpool: return "avgpool"
        case .globalAvgpool: return "global_avgpool"
        case .meanTime: return "mean_time"
        case .add: return "add"
        case .concat: return "concat"
        case .reshape: return "reshape"
        case .gru: return "gru"
        case .softmax: return "softmax"
        }
    }
}

/// One layer of the graph.
public struct Layer: Sendable, Equatable {
    public let name: String
    public let op: LayerOp
    public let inputs: [String]
    public let outputs: [String]
}

/// Everything the `cascadia` metadata document of a model file says (docs/model-format.md §2).
public struct ModelDescription: Sendable, Equatable {
    public let id: String
    public let name: String
    public let labels: [String]
    /// Indices into `labels` of the hazard classes.
    public let hazardClasses: [Int]
    public let idkThreshold: Double
    public let hazardThreshold: Double
    public let framing: Framing
    /// Activation tensors in declaration order.
    public let tensors: [ActivationTensor]
    public let layers: [Layer]
    public let output: String

    static let maxLayers = 256
    static let maxActivations = 512
    static let maxActivationElements = 16_777_216

    /// Decodes and checks the document's fields (graph consistency is checked by `GraphPlan`).
    init(json: JSONValue) throws(FormatProblem) {
        let root = try JSONFields(json, path: "")
        try root.requireKeys(["id", "name", "labels", "hazards", "thresholds", "framing", "tensors", "layers", "output"])
        id = try root.string("id")
        guard SafetensorsContainer.validName(id, maxBytes: 32, extra: "_-") else {
            throw FormatProblem("id '\(id.prefix(40))' is not 1–32 bytes of [A-Za-z0-9_-]")
        }
        name = try root.string("name")
        guard SafetensorsContainer.validName(name, maxBytes: 64, extra: "_-") else {
            throw FormatProblem("name '\(name.prefix(70))' is not 1–64 bytes of [A-Za-z0-9_-]")
        }
        labels = try root.strings("labels", count: 2...64)
        for (i, label) in labels.enumerated() {
            guard !label.isEmpty, label.utf8.count <= 64, label.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw FormatProblem("labels[\(i)] is not 1–64 printable ASCII characters")
            }
            guard !labels[..<i].contains(label) else { throw FormatProblem("labels[\(i)] '\(label)' is a duplicate") }
        }
        var hazards: [Int] = []
        for (i, hazard) in try root.strings("hazards", count: 0...64).enumerated() {
            guard let index = labels.firstIndex(of: hazard) else {
                throw FormatProblem("hazards[\(i)] '\(hazard.prefix(70))' is not one of the labels")
            }
            guard !hazards.contains(index) else { throw FormatProblem("hazards[\(i)] '\(hazard)' is a duplicate") }
            hazards.append(index)
        }
        hazardClasses = hazards
        let thresholds = try root.object("thresholds")
        try thresholds.requireKeys(["idk", "hazard"])
        idkThreshold = try thresholds.double("idk")
        hazardThreshold = try thresholds.double("hazard")
        for (key, v) in [("idk", idkThreshold), ("hazard", hazardThreshold)] where !(0...1).contains(v) {
            throw FormatProblem("thresholds.\(key) = \(v) is outside 0…1")
        }

        // Activation tensors.
        let declared = try root.object("tensors")
        guard (1...Self.maxActivations).contains(declared.members.count) else {
            throw FormatProblem("tensors declares \(declared.members.count) activations, expected 1…\(Self.maxActivations)")
        }
        var tensors: [ActivationTensor] = []
        for member in declared.members {
            guard SafetensorsContainer.validName(member.key, maxBytes: 128, extra: "_.:/-") else {
                throw FormatProblem("tensors: name '\(member.key.prefix(140))' is not 1–128 bytes of [A-Za-z0-9_.:/-]")
            }
            let f = try JSONFields(member.value, path: "tensors.\(member.key)")
            try f.requireKeys(["shape", "scale", "zero_point"])
            let dims = try f.ints("shape", count: 3...3, 1...Self.maxActivationElements)
            let shape = Shape3(dims[0], dims[1], dims[2])
            guard Self.boundedCount(dims) else {
                throw FormatProblem("tensors.\(member.key).shape \(dims) has more than \(Self.maxActivationElements) elements")
            }
            let scale = try JSONFields.scale(try f.value("scale"), path: "tensors.\(member.key).scale")
            let zeroPoint = try f.int("zero_point", -128...127)
            tensors.append(ActivationTensor(name: member.key, shape: shape, scale: scale, zeroPoint: zeroPoint))
        }
        self.tensors = tensors

        framing = try Self.framing(try root.object("framing"))
        let layerValues = try root.array("layers", count: 1...Self.maxLayers)
        var layers: [Layer] = []
        for (i, value) in layerValues.enumerated() {
            layers.append(try Self.layer(try JSONFields(value, path: "layers[\(i)]")))
        }
        self.layers = layers
        output = try root.string("output")
    }

    /// Whether the product of `dims` stays within the activation bound.
    static func boundedCount(_ dims: [Int]) -> Bool {
        var n = 1
        for d in dims {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o, p <= maxActivationElements else { return false }
            n = p
        }
        return true
    }

    private static func framing(_ f: JSONFields) throws(FormatProblem) -> Framing {
        try f.requireKeys(["window_s", "hop_s", "intervals", "modalities"])
        let window = try f.double("window_s")
        let hop = try f.double("hop_s")
        guard window > 0, window <= 60 else { throw FormatProblem("framing.window_s = \(window) is outside (0, 60]") }
        guard hop > 0, hop <= window else { throw FormatProblem("framing.hop_s = \(hop) is outside (0, window_s]") }
        let intervals = try f.int("intervals", 1...1024)
        let values = try f.array("modalities", count: 1...4)
        var modalities: [Modality] = []
        for (i, value) in values.enumerated() {
            let path = "framing.modalities[\(i)]"
            let m = try JSONFields(value, path: path)
            try m.requireKeys(["name", "rate_hz", "input", "feature"])
            let name = try m.string("name")
            guard !name.isEmpty, name.utf8.count <= 32,
                  name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                throw FormatProblem("\(path).name '\(name.prefix(40))' is not 1–32 bytes of [a-z0-9_]")
            }
            guard !modalities.contains(where: { $0.name == name }) else {
                throw FormatProblem("\(path).name '\(name)' is a duplicate")
            }
            let rate = try m.int("rate_hz", 1...192_000)
            let exact = Double(rate) * window / Double(intervals)
            let samples = exact.rounded()
            guard abs(exact - samples) < 1e-9, samples >= 1 else {
                throw FormatProblem("\(path): rate_hz × window_s / intervals = \(exact) samples per interval is not a whole number")
            }
            let feature = try m.object("feature")
            let kindName = try feature.string("kind")
            let kind: FeatureKind
            switch kindName {
            case "fft":
                try feature.requireKeys(["kind", "fft_size", "bins", "window"])
                let size = try feature.int("fft_size", 1...65_536)
                guard size >= Int(samples) else {
                    throw FormatProblem("\(path).feature.fft_size = \(size) is smaller than the \(Int(samples)) samples per interval")
                }
                let bins = try feature.int("bins", 1...(size / 2 + 1))
                let windowName = try feature.string("window")
                guard windowName == "hann" || windowName == "rectangular" else {
                    throw FormatProblem("\(path).feature.window '\(windowName.prefix(40))' is not hann or rectangular")
                }
                kind = .fft(fftSize: size, bins: bins, window: windowName)
            case "raw":
                try feature.requireKeys(["kind"])
                kind = .raw
            default:
                throw FormatProblem("\(path).feature.kind '\(kindName.prefix(40))' is not fft or raw")
            }
            modalities.append(Modality(name: name, rateHz: rate, input: try m.string("input"), feature: kind,
                                       samplesPerInterval: Int(samples)))
        }
        return Framing(windowSeconds: window, hopSeconds: hop, intervals: intervals, modalities: modalities)
    }

    private static func activation(_ f: JSONFields) throws(FormatProblem) -> Activation {
        let text = try f.string("activation")
        guard let a = Activation(rawValue: text) else {
            throw FormatProblem("\(f.name("activation")) '\(text.prefix(40))' is not none or relu")
        }
        return a
    }

    private static func layer(_ f: JSONFields) throws(FormatProblem) -> Layer {
        let opName = try f.string("op")
        let common = ["op", "name", "inputs", "outputs"]
        let op: LayerOp
        var inputCount = 1...1
        switch opName {
        case "conv1d":
            try f.requireKeys(common + ["weight", "bias", "weight_scales", "stride", "padding", "dilation", "activation"])
            let padding = try f.ints("padding", count: 2...2, 0...4096)
            // The weight shape fixes the scale count; checked against the tensor in GraphPlan.
            let scales = try f.array("weight_scales", count: 1...65_536)
            op = .conv1d(weight: try f.string("weight"), bias: try f.string("bias"),
                         weightScales: try f.scales("weight_scales", count: scales.count),
                         stride: try f.int("stride", 1...4096), padLeft: padding[0], padRight: padding[1],
                         dilation: try f.int("dilation", 1...4096), activation: try activation(f))
        case "dense":
            try f.requireKeys(common + ["weight", "bias", "weight_scales", "activation"])
            let scales = try f.array("weight_scales", count: 1...65_536)
            op = .dense(weight: try f.string("weight"), bias: try f.string("bias"),
                        weightScales: try f.scales("weight_scales", count: scales.count), activation: try activation(f))
        case "maxpool", "avgpool":
            try f.requireKeys(common + ["kernel", "stride"])
            let kernel = try f.int("kernel", 1...65_536), stride = try f.int("stride", 1...65_536)
            op = opName == "maxpool" ? .maxpool(kernel: kernel, stride: stride) : .avgpool(kernel: kernel, stride: stride)
        case "global_avgpool":
            try f.requireKeys(common)
            op = .globalAvgpool
        case "mean_time":
            try f.requireKeys(common)
            op = .meanTime
        case "add":
            try f.requireKeys(common + ["activation"])
            op = .add(activation: try activation(f))
            inputCount = 2...2
        case "concat":
            try f.requireKeys(common + ["axis"])
            op = .concat(axis: try f.int("axis", 0...2))
            inputCount = 2...8
        case "reshape":
            try f.requireKeys(common + ["shape"])
            let dims = try f.ints("shape", count: 3...3, 1...maxActivationElements)
            op = .reshape(Shape3(dims[0], dims[1], dims[2]))
        case "gru":
            try f.requireKeys(common + ["hidden", "weight_ih", "weight_hh", "bias_ih", "bias_hh",
                                        "weight_ih_scales", "weight_hh_scales"])
            let hidden = try f.int("hidden", 1...512)
            op = .gru(hidden: hidden, weightIH: try f.string("weight_ih"), weightHH: try f.string("weight_hh"),
                      biasIH: try f.string("bias_ih"), biasHH: try f.string("bias_hh"),
                      weightIHScales: try f.scales("weight_ih_scales", count: 3 * hidden),
                      weightHHScales: try f.scales("weight_hh_scales", count: 3 * hidden))
        case "softmax":
            try f.requireKeys(common)
            op = .softmax
        default:
            throw FormatProblem("\(f.path).op '\(opName.prefix(40))' is not a known op")
        }
        let name = try f.string("name")
        guard SafetensorsContainer.validName(name, maxBytes: 128, extra: "_.:/-") else {
            throw FormatProblem("\(f.path).name '\(name.prefix(140))' is not 1–128 bytes of [A-Za-z0-9_.:/-]")
        }
        let inputs = try f.strings("inputs", count: inputCount)
        let outputs = try f.strings("outputs", count: 1...1)
        return Layer(name: name, op: op, inputs: inputs, outputs: outputs)
    }
}
