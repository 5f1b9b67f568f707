import CKernels

/// A requantization factor as the kernels take it: real = multiplier · 2^(shift − 31).
struct Requant: Equatable {
    var multiplier: Int32
    var shift: Int32

    /// Derives the pair with `nn_quantize_multiplier` (docs/model-format.md §4).
    init(_ real: Double, _ what: @autoclosure () -> String) throws(FormatProblem) {
        var m: Int32 = 0, s: Int32 = 0
        guard real.isFinite, real > 0, nn_quantize_multiplier(real, &m, &s) == NN_OK else {
            throw FormatProblem("\(what()): requantization scale \(real) is out of range")
        }
        multiplier = m
        shift = s
    }
}

/// What the loader derived for one layer: resolved tensors, shapes, weights and requantization.
struct PlannedLayer {
    let index: Int
    let layer: Layer
    /// Indices into `GraphPlan.activations`.
    let inputs: [Int]
    let output: Int
    /// Weight and bias tensors of the file, in the op's field order.
    let weights: [StoredTensor]
    /// Per-channel (or per-gate-row) requantization, in the op's order:
    /// conv1d/dense: one per output channel; gru: 3H input rows then 3H hidden rows.
    let perChannel: [Requant]
    /// add: input1, input2, output; gru: output.
    let perTensor: [Requant]
    let macs: Int
}

/// The validated graph of a model: every check of docs/model-format.md §2–§5 that needs the
/// whole document and the file's tensor table, and the activation arena layout.
struct GraphPlan {
    static let maxArenaBytes = 64 << 20
    static let maxMACs = 1 << 40
    static let arenaAlignment = 16

    let activations: [ActivationTensor]
    let layers: [PlannedLayer]
    /// Index of each modality's input activation, in framing order.
    let modalityInputs: [Int]
    let outputIndex: Int
    /// The logits: the input of the final softmax.
    let logitsIndex: Int
    /// Byte offset of each activation in the arena.
    let offsets: [Int]
    /// Bytes the activations need.
    let activationBytes: Int
    let parameterCount: Int
    let totalMACs: Int

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    init(description d: ModelDescription, tensors stored: [StoredTensor]) throws(FormatProblem) {
        activations = d.tensors
        var index: [String: Int] = [:]
        for (i, t) in d.tensors.enumerated() { index[t.name] = i }
        var storedByName: [String: StoredTensor] = [:]
        for t in stored { storedByName[t.name] = t }
        var referenced = Set<String>()

        // Inputs come from the framing.
        var produced = [Bool](repeating: false, count: d.tensors.count)
        var firstUse = [Int](repeating: Int.max, count: d.tensors.count)
        var lastUse = [Int](repeating: -1, count: d.tensors.count)
        var modalityInputs: [Int] = []
        for (m, modality) in d.framing.modalities.enumerated() {
            guard let i = index[modality.input] else {
                throw FormatProblem("framing.modalities[\(m)].input '\(modality.input.prefix(140))' is not declared in tensors")
            }
            guard !modalityInputs.contains(i) else {
                throw FormatProblem("framing.modalities[\(m)].input '\(modality.input)' is used by two modalities")
            }
            let expected: Shape3
            switch modality.feature {
            case .fft(_, let bins, _): expected = Shape3(d.framing.intervals, bins, 2)
            case .raw: expected = Shape3(d.framing.intervals, modality.samplesPerInterval, 1)
            }
            guard d.tensors[i].shape == expected else {
                throw FormatProblem("input '\(modality.input)' has shape \(d.tensors[i].shape), framing needs \(expected)")
            }
            modalityInputs.append(i)
            produced[i] = true
            firstUse[i] = -1
        }
        self.modalityInputs = modalityInputs

        var layers: [PlannedLayer] = []
        var layerNames = Set<String>()
        var macs = 0
        for (li, layer) in d.layers.enumerated() {
            let at = "layer '\(layer.name)'"
            guard layerNames.insert(layer.name).inserted else { throw FormatProblem("\(at): duplicate layer name") }
            var inputs: [Int] = []
            for name in layer.inputs {
                guard let i = index[name] else { throw FormatProblem("\(at): input '\(name.prefix(140))' is not declared in tensors") }
                guard produced[i] else { throw FormatProblem("\(at): input '\(name)' is not produced by an earlier layer or a modality") }
                lastUse[i] = li
                inputs.append(i)
            }
            let outName = layer.outputs[0]
            guard let out = index[outName] else { throw FormatProblem("\(at): output '\(outName.prefix(140))' is not declared in tensors") }
            guard !produced[out] else { throw FormatProblem("\(at): output '\(outName)' is already produced elsewhere") }
            produced[out] = true
            firstUse[out] = li
            lastUse[out] = li

            let planned = try Self.plan(layer, li, inputs.map { d.tensors[$0] }, d.tensors[out], storedByName, &referenced)
            let (sum, overflow) = macs.addingReportingOverflow(planned.macs)
            guard !overflow, sum <= Self.maxMACs else { throw FormatProblem("\(at): more than 2^40 multiply-accumulates in total") }
            macs = sum
            layers.append(PlannedLayer(index: li, layer: layer, inputs: inputs, output: out, weights: planned.weights,
                                       perChannel: planned.perChannel, perTensor: planned.perTensor, macs: planned.macs))
        }
        totalMACs = macs
        self.layers = layers

        // Every declared tensor is produced and used; every stored tensor is referenced.
        for (i, t) in d.tensors.enumerated() {
            guard produced[i] else { throw FormatProblem("tensor '\(t.name)' is neither a modality input nor produced by a layer") }
        }
        guard let outputIndex = index[d.output] else { throw FormatProblem("output '\(d.output.prefix(140))' is not declared in tensors") }
        guard let last = layers.last, last.output == outputIndex, case .softmax = last.layer.op else {
            throw FormatProblem("output '\(d.output)' must be produced by the last layer, a softmax")
        }
        let expected = Shape3(1, 1, d.labels.count)
        guard d.tensors[outputIndex].shape == expected else {
            throw FormatProblem("output '\(d.output)' has shape \(d.tensors[outputIndex].shape), \(d.labels.count) labels need \(expected)")
        }
        self.outputIndex = outputIndex
        logitsIndex = last.inputs[0]
        for (i, t) in d.tensors.enumerated() where lastUse[i] <= firstUse[i] && i != outputIndex {
            throw FormatProblem("tensor '\(t.name)' is never used by a later layer")
        }
        // Inputs stay intact for re-runs; output and logits stay readable after a run.
        for i in modalityInputs + [outputIndex, logitsIndex] { lastUse[i] = layers.count }
        for t in stored where !referenced.contains(t.name) {
            throw FormatProblem("tensor '\(t.name)' is stored but no layer uses it")
        }
        parameterCount = stored.reduce(0) { $0 + $1.elementCount }

        // Arena: greedy placement by lifetime (docs/model-format.md §5).
        var offsets = [Int](repeating: 0, count: d.tensors.count)
        var placed: [Int] = []
        var end = 0
        let order = (0..<d.tensors.count).sorted { (firstUse[$0], $0) < (firstUse[$1], $1) }
        for i in order {
            let size = Self.aligned(d.tensors[i].shape.count)
            let conflicts = placed.filter { firstUse[$0] <= lastUse[i] && firstUse[i] <= lastUse[$0] }
                .map { (offsets[$0], offsets[$0] + Self.aligned(d.tensors[$0].shape.count)) }
                .sorted { $0.0 < $1.0 }
            var candidate = 0
            for (lo, hi) in conflicts {
                if candidate + size <= lo { break }
                candidate = max(candidate, hi)
            }
            offsets[i] = candidate
            placed.append(i)
            end = max(end, candidate + size)
            guard end <= Self.maxArenaBytes else { throw FormatProblem("activations need more than the \(Self.maxArenaBytes)-byte arena limit") }
        }
        self.offsets = offsets
        activationBytes = end
    }

    static func aligned(_ n: Int) -> Int { (n + arenaAlignment - 1) / arenaAlignment * arenaAlignment }

    private struct OpPlan {
        var weights: [StoredTensor] = []
        var perChannel: [Requant] = []
        var perTensor: [Requant] = []
        var macs = 0
    }

    private static func weight(_ name: String, _ dtype: TensorDType, _ shape: [Int], _ at: String,
                               _ stored: [String: StoredTensor], _ referenced: inout Set<String>) throws(FormatProblem) -> StoredTensor {
        guard let t = stored[name] else { throw FormatProblem("\(at): tensor '\(name.prefix(140))' is not in the file") }
        guard referenced.insert(name).inserted else { throw FormatProblem("\(at): tensor '\(name)' is used by two layer fields") }
        guard t.dtype == dtype else { throw FormatProblem("\(at): tensor '\(name)' is \(t.dtype.rawValue), expected \(dtype.rawValue)") }
        guard t.shape == shape else { throw FormatProblem("\(at): tensor '\(name)' has shape \(t.shape), expected \(shape)") }
        return t
    }

    private static func sameQuant(_ a: ActivationTensor, _ b: ActivationTensor, _ at: String) throws(FormatProblem) {
        guard a.scale == b.scale, a.zeroPoint == b.zeroPoint else {
            throw FormatProblem("\(at): '\(b.name)' must have the same scale and zero point as '\(a.name)'")
        }
    }

    private static func expectShape(_ out: ActivationTensor, _ shape: Shape3, _ at: String) throws(FormatProblem) {
        guard out.shape == shape else {
            throw FormatProblem("\(at): output '\(out.name)' is declared \(out.shape), the op gives \(shape)")
        }
    }

    /// Overflow-checked product of non-negative Ints, nil on overflow.
    static func product(_ values: Int...) -> Int? {
        var p = 1
        for v in values {
            let (r, o) = p.multipliedReportingOverflow(by: v)
            if o { return nil }
            p = r
        }
        return p
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private static func plan(_ layer: Layer, _ li: Int, _ ins: [ActivationTensor], _ out: ActivationTensor,
                             _ stored: [String: StoredTensor], _ referenced: inout Set<String>) throws(FormatProblem) -> OpPlan {
        let at = "layer '\(layer.name)' (\(layer.op.opName))"
        let x = ins[0]
        var p = OpPlan()
        switch layer.op {
        case let .conv1d(w, b, scales, stride, padLeft, padRight, dilation, _):
            let cOut = scales.count
            guard let wt = stored[w] else { throw FormatProblem("\(at): tensor '\(w.prefix(140))' is not in the file") }
            guard wt.dtype == .int8, wt.shape.count == 3 else {
                throw FormatProblem("\(at): weight '\(w)' must be a 3-D I8 tensor, found \(wt.dtype.rawValue) \(wt.shape)")
            }
            let k = wt.shape[1]
            guard k <= 64, let dot = product(k, x.shape.c), dot <= 65_536 else {
                throw FormatProblem("\(at): kernel \(k) × \(x.shape.c) input channels exceeds the kernel limits (K ≤ 64, K·C ≤ 65536)")
            }
            p.weights.append(try weight(w, .int8, [cOut, k, x.shape.c], at, stored, &referenced))
            p.weights.append(try weight(b, .int32, [cOut], at, stored, &referenced))
            let span = dilation * (k - 1)  // ≤ 4096 · 63
            guard padLeft <= span, padRight <= span else { throw FormatProblem("\(at): padding must be ≤ dilation·(K−1) = \(span)") }
            let lOut = (x.shape.l + padLeft + padRight - span - 1) / stride + 1
            guard x.shape.l + padLeft + padRight - span - 1 >= 0, lOut >= 1 else {
                throw FormatProblem("\(at): input length \(x.shape.l) is shorter than the kernel's span")
            }
            try expectShape(out, Shape3(x.shape.t, lOut, cOut), at)
            for (c, s) in scales.enumerated() { p.perChannel.append(try Requant((x.scale * s) / out.scale, "\(at) channel \(c)")) }
            guard let m = product(out.shape.count, dot) else { throw FormatProblem("\(at): MAC count overflows") }
            p.macs = m
        case let .dense(w, b, scales, _):
            let nIn = x.shape.count, nOut = scales.count
            guard nIn <= 65_536 else { throw FormatProblem("\(at): \(nIn) inputs exceed the dense limit 65536") }
            p.weights.append(try weight(w, .int8, [nOut, nIn], at, stored, &referenced))
            p.weights.append(try weight(b, .int32, [nOut], at, stored, &referenced))
            try expectShape(out, Shape3(1, 1, nOut), at)
            for (c, s) in scales.enumerated() { p.perChannel.append(try Requant((x.scale * s) / out.scale, "\(at) channel \(c)")) }
            p.macs = nIn * nOut  // both ≤ 2^24 and the weight exists, so ≤ 2^26
        case let .maxpool(kernel, stride), let .avgpool(kernel, stride):
            guard kernel <= x.shape.l else { throw FormatProblem("\(at): kernel \(kernel) is longer than the input length \(x.shape.l)") }
            try sameQuant(x, out, at)
            try expectShape(out, Shape3(x.shape.t, (x.shape.l - kernel) / stride + 1, x.shape.c), at)
        case .globalAvgpool:
            try sameQuant(x, out, at)
            try expectShape(out, Shape3(x.shape.t, 1, x.shape.c), at)
        case .meanTime:
            try sameQuant(x, out, at)
            try expectShape(out, Shape3(1, x.shape.l, x.shape.c), at)
        case .add:
            let y = ins[1]
            guard x.shape == y.shape else { throw FormatProblem("\(at): inputs have shapes \(x.shape) and \(y.shape)") }
            try expectShape(out, x.shape, at)
            let twiceMax = 2 * max(x.scale, y.scale)
            p.perTensor = [try Requant(x.scale / twiceMax, "\(at) input 1"), try Requant(y.scale / twiceMax, "\(at) input 2"),
                           try Requant(twiceMax / (1_048_576.0 * out.scale), "\(at) output")]
        case let .concat(axis):
            var shape = x.shape
            for y in ins {
                try sameQuant(out, y, at)
                let other = [y.shape.t, y.shape.l, y.shape.c], mine = [x.shape.t, x.shape.l, x.shape.c]
                for a in 0..<3 where a != axis && other[a] != mine[a] {
                    throw FormatProblem("\(at): input '\(y.name)' has shape \(y.shape), incompatible with \(x.shape) on axis \(a)")
                }
            }
            let total = ins.reduce(0) { $0 + [$1.shape.t, $1.shape.l, $1.shape.c][axis] }  // ≤ 8 · 2^24
            switch axis {
            case 0: shape.t = total
            case 1: shape.l = total
            default: shape.c = total
            }
            try expectShape(out, shape, at)
        case let .reshape(shape):
            guard shape.count == x.shape.count else { throw FormatProblem("\(at): reshape \(x.shape) → \(shape) changes the element count") }
            try sameQuant(x, out, at)
            try expectShape(out, shape, at)
        case let .gru(h, wih, whh, bih, bhh, sih, shh):
            let dIn = x.shape.l * x.shape.c
            guard dIn <= 65_536 else { throw FormatProblem("\(at): input width \(dIn) exceeds the GRU limit 65536") }
            p.weights.append(try weight(wih, .int8, [3 * h, dIn], at, stored, &referenced))
            p.weights.append(try weight(whh, .int8, [3 * h, h], at, stored, &referenced))
            p.weights.append(try weight(bih, .int32, [3 * h], at, stored, &referenced))
            p.weights.append(try weight(bhh, .int32, [3 * h], at, stored, &referenced))
            try expectShape(out, Shape3(x.shape.t, 1, h), at)
            for (j, s) in sih.enumerated() { p.perChannel.append(try Requant((x.scale * s) / 0x1p-12, "\(at) input row \(j)")) }
            for (j, s) in shh.enumerated() { p.perChannel.append(try Requant((0x1p-15 * s) / 0x1p-12, "\(at) hidden row \(j)")) }
            p.perTensor = [try Requant(0x1p-15 / out.scale, "\(at) output")]
            guard let m = product(x.shape.t, 3 * h, dIn + h) else { throw FormatProblem("\(at): MAC count overflows") }
            p.macs = m
        case .softmax:
            guard x.shape.t == 1, x.shape.l == 1 else { throw FormatProblem("\(at): input '\(x.name)' must have shape [1, 1, N], found \(x.shape)") }
            try expectShape(out, x.shape, at)
            guard out.scale == 1.0 / 256.0, out.zeroPoint == -128 else {
                throw FormatProblem("\(at): output '\(out.name)' must have scale 0.00390625 and zero point -128")
            }
        }
        return p
    }
}
