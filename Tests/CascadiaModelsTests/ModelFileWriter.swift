// Writes expert model files (docs/model-format.md) for the tests: small random CNN and
// DeepSense-shaped graphs with deterministic weights, plus the raw container for broken files.
import CascadiaCore
import Foundation

/// A JSON value for building headers with a fixed key order.
indirect enum J {
    case s(String), i(Int), d(Double), b(Bool), null
    /// A literal written as is (numbers JSON cannot hold as a Double, broken text).
    case raw(String)
    case a([J])
    case o([(String, J)])

    var text: String {
        switch self {
        case .s(let v):
            var out = "\""
            for u in v.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default:
                    if u.value < 0x20 {
                        out += String(format: "\\u%04x", u.value)
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            return out + "\""
        case .i(let v): return String(v)
        case .d(let v): return "\(v)"
        case .b(let v): return v ? "true" : "false"
        case .null: return "null"
        case .raw(let v): return v
        case .a(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .o(let members): return "{" + members.map { J.s($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// Replaces (or appends) member `key` of an object.
    func setting(_ key: String, _ value: J) -> J {
        guard case .o(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.0 == key }) {
            members[i].1 = value
        } else {
            members.append((key, value))
        }
        return .o(members)
    }

    func removing(_ key: String) -> J {
        guard case .o(let members) = self else { return self }
        return .o(members.filter { $0.0 != key })
    }

    subscript(key: String) -> J? {
        guard case .o(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}

/// A stored tensor for the container writer.
struct RawTensor {
    var name: String
    var dtype: String
    var shape: [Int]
    var data: [UInt8]
}

enum SafetensorsWriter {
    /// The container: I32 tensors first, then I8 (each group by name), header padded to 8 bytes.
    static func bytes(tensors: [RawTensor], metadata: [(String, String)]?) -> [UInt8] {
        let ordered = tensors.sorted { ($0.dtype == "I32" ? 0 : 1, $0.name) < ($1.dtype == "I32" ? 0 : 1, $1.name) }
        var members: [(String, J)] = []
        var offset = 0
        for t in ordered {
            members.append(
                (
                    t.name,
                    .o([
                        ("dtype", .s(t.dtype)), ("shape", .a(t.shape.map { .i($0) })),
                        ("data_offsets", .a([.i(offset), .i(offset + t.data.count)])),
                    ])
                ))
            offset += t.data.count
        }
        if let metadata { members.append(("__metadata__", .o(metadata.map { ($0.0, J.s($0.1)) }))) }
        var header = Array(J.o(members).text.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        var n = UInt64(header.count)
        for _ in 0..<8 { out.append(UInt8(n & 0xFF)); n >>= 8 }
        out += header
        for t in ordered { out += t.data }
        return out
    }
}

/// Builds a random but well-scaled quantized graph layer by layer.
struct TestModelBuilder {
    struct Act { var shape: [Int]; var scale: Double; var zeroPoint: Int }

    var rng: SplitMix64
    var acts: [(String, Act)] = []
    var layers: [J] = []
    var weights: [RawTensor] = []
    var modalities: [J] = []
    var intervals = 10
    var windowSeconds = 2.0

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    func act(_ name: String) -> Act { acts.first { $0.0 == name }!.1 }

    mutating func declare(_ name: String, _ shape: [Int], _ scale: Double, _ zp: Int) {
        acts.append((name, Act(shape: shape, scale: scale, zeroPoint: zp)))
    }

    mutating func int8s(_ count: Int, _ range: ClosedRange<Int>) -> [Int8] {
        (0..<count).map { _ in Int8(Int.random(in: range, using: &rng)) }
    }

    mutating func addWeight(_ name: String, _ shape: [Int], _ values: [Int8]) {
        weights.append(RawTensor(name: name, dtype: "I8", shape: shape, data: values.map { UInt8(bitPattern: $0) }))
    }

    mutating func addBias(_ name: String, _ values: [Int32]) {
        var data: [UInt8] = []
        for v in values {
            let u = UInt32(bitPattern: v);
            data += [UInt8(u & 0xFF), UInt8(u >> 8 & 0xFF), UInt8(u >> 16 & 0xFF), UInt8(u >> 24)]
        }
        weights.append(RawTensor(name: name, dtype: "I32", shape: [values.count], data: data))
    }

    mutating func biases(_ count: Int, _ magnitude: Int) -> [Int32] {
        (0..<count).map { _ in Int32(Int.random(in: -magnitude...magnitude, using: &rng)) }
    }

    /// A modality input: `fft` gives `[intervals, bins, 2]`.
    mutating func fftInput(
        _ name: String, rateHz: Int, fftSize: Int, bins: Int, scale: Double = 0.05, zeroPoint: Int = 3
    ) {
        declare(name, [intervals, bins, 2], scale, zeroPoint)
        modalities.append(
            .o([
                ("name", .s(name)), ("rate_hz", .i(rateHz)), ("input", .s(name)),
                (
                    "feature",
                    .o([("kind", .s("fft")), ("fft_size", .i(fftSize)), ("bins", .i(bins)), ("window", .s("hann"))])
                ),
            ]))
    }

    /// A raw-sample modality input: `[intervals, rateHz · windowSeconds / intervals, 1]`.
    mutating func rawInput(_ name: String, rateHz: Int, samplesPerInterval: Int) {
        declare(name, [intervals, samplesPerInterval, 1], 0.01, 0)
        modalities.append(
            .o([
                ("name", .s(name)), ("rate_hz", .i(rateHz)), ("input", .s(name)),
                ("feature", .o([("kind", .s("raw"))])),
            ]))
    }

    /// The output scale that keeps a random dot product of length `dot` near 30 int8 steps.
    func outScale(_ input: Act, _ weightScale: Double, _ dot: Int) -> Double {
        input.scale * weightScale * 37 * 35 * Double(dot).squareRoot() / 30
    }

    func common(_ op: String, _ name: String, _ inputs: [String], _ output: String) -> [(String, J)] {
        [("op", .s(op)), ("name", .s(name)), ("inputs", .a(inputs.map { .s($0) })), ("outputs", .a([.s(output)]))]
    }

    @discardableResult
    mutating func conv1d(
        _ name: String, _ input: String, cOut: Int, k: Int, stride: Int = 1, pad: (Int, Int) = (0, 0),
        dilation: Int = 1, relu: Bool = true
    ) -> String {
        let x = act(input)
        let cIn = x.shape[2]
        let scales = (0..<cOut).map { _ in Double.random(in: 0.005...0.02, using: &rng) }
        addWeight("\(name).weight", [cOut, k, cIn], int8s(cOut * k * cIn, -60...60))
        let meanScale = scales.reduce(0, +) / Double(cOut)
        let lOut = (x.shape[1] + pad.0 + pad.1 - dilation * (k - 1) - 1) / stride + 1
        let y = "\(name).out"
        declare(
            y, [x.shape[0], lOut, cOut], outScale(x, meanScale, k * cIn),
            relu ? -100 : Int.random(in: -10...10, using: &rng))
        addBias("\(name).bias", biases(cOut, 2000))
        layers.append(
            .o(
                common("conv1d", name, [input], y) + [
                    ("weight", .s("\(name).weight")), ("bias", .s("\(name).bias")),
                    ("weight_scales", .a(scales.map { .d($0) })),
                    ("stride", .i(stride)), ("padding", .a([.i(pad.0), .i(pad.1)])), ("dilation", .i(dilation)),
                    ("activation", .s(relu ? "relu" : "none")),
                ]))
        return y
    }

    @discardableResult
    mutating func dense(
        _ name: String, _ input: String, nOut: Int, relu: Bool = false, output: String? = nil,
        outputScale: Double? = nil, weightScales: ClosedRange<Double> = 0.005...0.02
    ) -> String {
        let x = act(input)
        let nIn = x.shape.reduce(1, *)
        let scales = (0..<nOut).map { _ in Double.random(in: weightScales, using: &rng) }
        addWeight("\(name).weight", [nOut, nIn], int8s(nOut * nIn, -60...60))
        addBias("\(name).bias", biases(nOut, 2000))
        let y = output ?? "\(name).out"
        declare(y, [1, 1, nOut], outputScale ?? outScale(x, scales.reduce(0, +) / Double(nOut), nIn), relu ? -100 : 0)
        layers.append(
            .o(
                common("dense", name, [input], y) + [
                    ("weight", .s("\(name).weight")), ("bias", .s("\(name).bias")),
                    ("weight_scales", .a(scales.map { .d($0) })),
                    ("activation", .s(relu ? "relu" : "none")),
                ]))
        return y
    }

    /// An op whose output keeps the input's quantization.
    @discardableResult
    mutating func sameQuant(_ op: String, _ name: String, _ input: String, _ shape: [Int], extra: [(String, J)] = [])
        -> String
    {
        let x = act(input)
        let y = "\(name).out"
        declare(y, shape, x.scale, x.zeroPoint)
        layers.append(.o(common(op, name, [input], y) + extra))
        return y
    }

    @discardableResult
    mutating func pool(_ op: String, _ name: String, _ input: String, kernel: Int, stride: Int) -> String {
        let s = act(input).shape
        return sameQuant(
            op, name, input, [s[0], (s[1] - kernel) / stride + 1, s[2]],
            extra: [("kernel", .i(kernel)), ("stride", .i(stride))])
    }

    @discardableResult
    mutating func reshape(_ name: String, _ input: String, _ shape: [Int]) -> String {
        sameQuant("reshape", name, input, shape, extra: [("shape", .a(shape.map { .i($0) }))])
    }

    /// Concatenation; the inputs must share quantization (the builder makes them so).
    @discardableResult
    mutating func concat(_ name: String, _ inputs: [String], axis: Int) -> String {
        var shape = act(inputs[0]).shape
        shape[axis] = inputs.map { act($0).shape[axis] }.reduce(0, +)
        let x = act(inputs[0])
        let y = "\(name).out"
        declare(y, shape, x.scale, x.zeroPoint)
        layers.append(.o(common("concat", name, inputs, y) + [("axis", .i(axis))]))
        return y
    }

    @discardableResult
    mutating func add(_ name: String, _ a: String, _ b: String, relu: Bool = false) -> String {
        let x = act(a), z = act(b)
        let y = "\(name).out"
        declare(y, x.shape, (x.scale + z.scale) * 1.1, relu ? -128 : 2)
        layers.append(.o(common("add", name, [a, b], y) + [("activation", .s(relu ? "relu" : "none"))]))
        return y
    }

    @discardableResult
    mutating func gru(_ name: String, _ input: String, hidden h: Int) -> String {
        let x = act(input)
        let d = x.shape[1] * x.shape[2]
        let ih = (0..<3 * h).map { _ in
            1.5 / (x.scale * 37 * 35 * Double(d).squareRoot()) * Double.random(in: 0.8...1.2, using: &rng)
        }
        let hh = (0..<3 * h).map { _ in 1.0 / (35 * Double(h).squareRoot()) * Double.random(in: 0.8...1.2, using: &rng)
        }
        addWeight("\(name).weight_ih", [3 * h, d], int8s(3 * h * d, -60...60))
        addWeight("\(name).weight_hh", [3 * h, h], int8s(3 * h * h, -60...60))
        addBias("\(name).bias_ih", biases(3 * h, 3000))
        addBias("\(name).bias_hh", biases(3 * h, 3000))
        let y = "\(name).out"
        declare(y, [x.shape[0], 1, h], 1.0 / 128, 0)
        layers.append(
            .o(
                common("gru", name, [input], y) + [
                    ("hidden", .i(h)), ("weight_ih", .s("\(name).weight_ih")), ("weight_hh", .s("\(name).weight_hh")),
                    ("bias_ih", .s("\(name).bias_ih")), ("bias_hh", .s("\(name).bias_hh")),
                    ("weight_ih_scales", .a(ih.map { .d($0) })), ("weight_hh_scales", .a(hh.map { .d($0) })),
                ]))
        return y
    }

    mutating func softmax(_ input: String) {
        declare("probs", act(input).shape, 1.0 / 256, -128)
        layers.append(.o(common("softmax", "softmax", [input], "probs")))
    }

    /// The `cascadia` metadata document.
    func document(
        id: String, name: String, labels: [String], hazards: [String], idk: Double = 0.5, hazard: Double = 0.5
    ) -> J {
        .o([
            ("id", .s(id)), ("name", .s(name)), ("labels", .a(labels.map { .s($0) })),
            ("hazards", .a(hazards.map { .s($0) })),
            ("thresholds", .o([("idk", .d(idk)), ("hazard", .d(hazard))])),
            (
                "framing",
                .o([
                    ("window_s", .d(windowSeconds)), ("hop_s", .d(1.0)), ("intervals", .i(intervals)),
                    ("modalities", .a(modalities)),
                ])
            ),
            (
                "tensors",
                .o(
                    acts.map {
                        (
                            $0.0,
                            J.o([
                                ("shape", .a($0.1.shape.map { .i($0) })), ("scale", .d($0.1.scale)),
                                ("zero_point", .i($0.1.zeroPoint)),
                            ])
                        )
                    })
            ),
            ("layers", .a(layers)), ("output", .s("probs")),
        ])
    }

    /// The whole file for `document`, with the standard `__metadata__`.
    func file(_ document: J) -> [UInt8] {
        SafetensorsWriter.bytes(
            tensors: weights,
            metadata: [
                ("format", "cascadia-expert"), ("format_version", "1"),
                ("cascadia", document.text),
            ])
    }
}

/// The two reference test models.
enum TestModels {
    static let labels = ["background", "vehicle", "footsteps"]

    /// CNN over both modalities: per-sensor conv/pool towers, concat, dense, softmax.
    static func cnnBoth(seed: UInt64 = 1) -> (builder: TestModelBuilder, document: J) {
        var b = TestModelBuilder(seed: seed)
        b.fftInput("acoustic", rateHz: 8000, fftSize: 2048, bins: 32)
        b.fftInput("seismic", rateHz: 100, fftSize: 32, bins: 16)
        var a = b.conv1d("ac_conv1", "acoustic", cOut: 8, k: 5, stride: 1, pad: (2, 2))
        a = b.pool("maxpool", "ac_pool1", a, kernel: 2, stride: 2)
        a = b.conv1d("ac_conv2", a, cOut: 8, k: 3, stride: 2, dilation: 1)
        a = b.sameQuant("global_avgpool", "ac_gap", a, [10, 1, 8])
        var s = b.conv1d("se_conv1", "seismic", cOut: 8, k: 3, pad: (1, 1), dilation: 2)
        s = b.pool("avgpool", "se_pool1", s, kernel: 2, stride: 2)
        s = b.sameQuant("global_avgpool", "se_gap", s, [10, 1, 8])
        // Give both towers one quantization so concat is a copy.
        let sq = b.act(a)
        if let i = b.acts.firstIndex(where: { $0.0 == s }) {
            b.acts[i].1.scale = sq.scale; b.acts[i].1.zeroPoint = sq.zeroPoint
        }
        for name in ["se_pool1.out", "se_conv1.out"] {
            if let i = b.acts.firstIndex(where: { $0.0 == name }) {
                b.acts[i].1.scale = sq.scale; b.acts[i].1.zeroPoint = sq.zeroPoint
            }
        }
        let m = b.concat("merge", [a, s], axis: 2)
        let f = b.reshape("flatten", m, [1, 1, 160])
        let h = b.dense("fc1", f, nOut: 16, relu: true)
        let logits = b.dense(
            "fc2", h, nOut: labels.count, output: "logits", outputScale: 0.05, weightScales: 0.0005...0.001)
        b.softmax(logits)
        return (
            b, b.document(id: "T1", name: "test_cnn_both", labels: labels, hazards: ["vehicle", "footsteps"], idk: 0.5)
        )
    }

    /// DeepSense: per-sensor convs over each interval's FFT, merge conv across sensors, residual add,
    /// 2-layer GRU, mean over time, dense, softmax.
    static func deepSense(seed: UInt64 = 2) -> (builder: TestModelBuilder, document: J) {
        var b = TestModelBuilder(seed: seed)
        b.fftInput("acoustic", rateHz: 8000, fftSize: 2048, bins: 24)
        b.fftInput("seismic", rateHz: 100, fftSize: 20, bins: 8)
        let a = b.conv1d("ac_conv", "acoustic", cOut: 6, k: 3, stride: 2, pad: (1, 1))
        let s = b.conv1d("se_conv", "seismic", cOut: 6, k: 3, pad: (1, 1))
        for name in [s] {
            if let i = b.acts.firstIndex(where: { $0.0 == name }) {
                b.acts[i].1 = .init(shape: b.act(name).shape, scale: b.act(a).scale, zeroPoint: b.act(a).zeroPoint)
            }
        }
        let m = b.concat("merge", [a, s], axis: 1)  // [10, 20, 6]
        let m1 = b.conv1d("merge_conv1", m, cOut: 6, k: 3, pad: (1, 1), relu: false)
        let m2 = b.conv1d("merge_conv2", m1, cOut: 6, k: 3, pad: (1, 1), relu: false)
        let r = b.add("residual", m1, m2, relu: true)
        let flat = b.reshape("flatten", r, [10, 1, 120])
        let g1 = b.gru("gru1", flat, hidden: 12)
        let g2 = b.gru("gru2", g1, hidden: 12)
        let mean = b.sameQuant("mean_time", "mean", g2, [1, 1, 12])
        let logits = b.dense("fc", mean, nOut: labels.count, output: "logits", outputScale: 0.08)
        b.softmax(logits)
        return (b, b.document(id: "T2", name: "test_deepsense_both", labels: labels, hazards: ["vehicle"], idk: 0.6))
    }

    static func cnnBothFile(seed: UInt64 = 1) -> [UInt8] {
        let m = cnnBoth(seed: seed); return m.builder.file(m.document)
    }
    static func deepSenseFile(seed: UInt64 = 2) -> [UInt8] {
        let m = deepSense(seed: seed); return m.builder.file(m.document)
    }
}
