import CKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An expert's answer for one window.
public struct ExpertAnswer: Sendable, Equatable {
    /// Index into `ModelDescription.labels` of the most probable class (lowest index on ties).
    public let topClass: Int
    /// Probability of `topClass`, `(q + 128) / 256` of the int8 softmax output.
    public let topProbability: Double
    /// Sum of the hazard classes' probabilities.
    public let hazardProbability: Double
    /// True when `topProbability < thresholds.idk`.
    public let isIDK: Bool
    /// True when the model has hazard classes and `hazardProbability ≥ thresholds.hazard`.
    public let isHazard: Bool
}

/// How a run ended.
public enum ExpertOutcome: Sendable, Equatable {
    /// Every layer ran.
    case answered(ExpertAnswer)
    /// The cancellation check stopped the run before layer `beforeLayer` (0-based).
    case abandoned(beforeLayer: Int)
    /// A kernel refused its arguments (`nn_status`); validation at load should make this unreachable.
    case failed(layer: Int, status: Int32)
}

/// A prepared expert: one model, one arena, ready to run windows.
///
/// Preparation allocates everything a run needs (the arena for activations, kernel scratch and
/// GRU state, derived requantization tables, result buffers); `run` allocates nothing. An `Expert`
/// is not thread-safe: one thread runs it at a time. Weights are read from the model's mapping.
public final class Expert {
    public let model: ExpertModel
    private let arena: UnsafeMutableRawPointer
    private var context: nn_context
    private let steps: UnsafeMutableBufferPointer<Step>
    private let int32Store: UnsafeMutableBufferPointer<Int32>
    private let probabilityStore: UnsafeMutableBufferPointer<Float>
    private let timingStore: UnsafeMutableBufferPointer<UInt64>
    private let hazardMask: UnsafeMutableBufferPointer<Bool>
    private let outputOffset: Int
    private let logitsOffset: Int
    private let classCount: Int
    private let idkThreshold: Double
    private let hazardThreshold: Double
    private let hasHazards: Bool

    /// Loads, validates and prepares the model file at `path`.
    public convenience init(path: String) throws(ModelError) {
        try self.init(model: ExpertModel(path: path))
    }

    /// Prepares a validated model: allocates and lays out the arena, derives kernel parameters.
    public init(model: ExpertModel) throws(ModelError) {
        self.model = model
        let d = model.description
        let plan = model.plan
        arena = UnsafeMutableRawPointer.allocate(byteCount: model.arenaBytes, alignment: GraphPlan.arenaAlignment)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: model.arenaBytes)
        context = nn_context(isa: nn_isa_detect(), buf: model.scratchBytes > 0 ? arena + model.scratchOffset : nil,
                             size: Int32(model.scratchBytes))
        // Int32 store: per-channel multipliers and shifts, then 256-entry softmax tables.
        var storeCount = 0
        for l in plan.layers {
            storeCount += 2 * l.perChannel.count
            if case .softmax = l.layer.op { storeCount += 256 }
            if case .concat = l.layer.op { storeCount += 2 * l.inputs.count }
        }
        int32Store = .allocate(capacity: max(storeCount, 1))
        int32Store.initialize(repeating: 0)
        steps = .allocate(capacity: plan.layers.count)
        classCount = d.labels.count
        probabilityStore = .allocate(capacity: classCount)
        probabilityStore.initialize(repeating: 0)
        timingStore = .allocate(capacity: plan.layers.count)
        timingStore.initialize(repeating: 0)
        hazardMask = .allocate(capacity: classCount)
        hazardMask.initialize(repeating: false)
        for i in d.hazardClasses { hazardMask[i] = true }
        hasHazards = !d.hazardClasses.isEmpty
        idkThreshold = d.idkThreshold
        hazardThreshold = d.hazardThreshold
        outputOffset = plan.offsets[plan.outputIndex]
        logitsOffset = plan.offsets[plan.logitsIndex]

        var cursor = 0
        for (i, l) in plan.layers.enumerated() {
            var step = Step()
            let x = d.tensors[l.inputs[0]], y = d.tensors[l.output]
            step.input0 = plan.offsets[l.inputs[0]]
            step.output = plan.offsets[l.output]
            step.inputDims = Self.dims(x.shape)
            step.outputDims = Self.dims(y.shape)
            let (lo, hi) = Self.clamp(.none, y)
            func storePerChannel() -> nn_per_channel_quant {
                let n = l.perChannel.count
                for (j, r) in l.perChannel.enumerated() {
                    int32Store[cursor + j] = r.multiplier
                    int32Store[cursor + n + j] = r.shift
                }
                let base = int32Store.baseAddress.unsafelyUnwrapped + cursor
                cursor += 2 * n
                return nn_per_channel_quant(multiplier: base, shift: base + n)
            }
            switch l.layer.op {
            case let .conv1d(_, _, _, stride, padLeft, padRight, dilation, activation):
                step.kind = .conv1d
                let w = l.weights[0].shape
                step.filterDims = nn_filter_dims(out_ch: Int32(w[0]), kernel: Int32(w[1]), in_ch: Int32(w[2]))
                step.weight0 = model.pointer(to: l.weights[0]).assumingMemoryBound(to: Int8.self)
                step.bias0 = model.pointer(to: l.weights[1]).assumingMemoryBound(to: Int32.self)
                let (amin, amax) = Self.clamp(activation, y)
                step.conv = nn_conv_params(input_zero_point: Int32(x.zeroPoint), output_zero_point: Int32(y.zeroPoint),
                                           stride: Int32(stride), dilation: Int32(dilation), pad_left: Int32(padLeft),
                                           pad_right: Int32(padRight), act_min: amin, act_max: amax)
                step.perChannel = storePerChannel()
            case let .dense(_, _, _, activation):
                step.kind = .dense
                let w = l.weights[0].shape
                step.inputDims = nn_dims(t: 1, l: 1, c: Int32(x.shape.count))
                step.filterDims = nn_filter_dims(out_ch: Int32(w[0]), kernel: 1, in_ch: Int32(w[1]))
                step.weight0 = model.pointer(to: l.weights[0]).assumingMemoryBound(to: Int8.self)
                step.bias0 = model.pointer(to: l.weights[1]).assumingMemoryBound(to: Int32.self)
                let (amin, amax) = Self.clamp(activation, y)
                step.dense = nn_dense_params(input_zero_point: Int32(x.zeroPoint), output_zero_point: Int32(y.zeroPoint),
                                             act_min: amin, act_max: amax)
                step.perChannel = storePerChannel()
            case let .maxpool(kernel, stride), let .avgpool(kernel, stride):
                if case .maxpool = l.layer.op { step.kind = .maxpool } else { step.kind = .avgpool }
                step.pool = nn_pool_params(kernel: Int32(kernel), stride: Int32(stride), pad_left: 0, pad_right: 0,
                                           act_min: lo, act_max: hi)
            case .globalAvgpool:
                step.kind = .globalAvgpool
            case .meanTime:
                step.kind = .globalAvgpool
                step.inputDims = nn_dims(t: 1, l: Int32(x.shape.t), c: Int32(x.shape.l * x.shape.c))
                step.outputDims = nn_dims(t: 1, l: 1, c: Int32(x.shape.l * x.shape.c))
            case let .add(activation):
                step.kind = .add
                let x2 = d.tensors[l.inputs[1]]
                step.input1 = plan.offsets[l.inputs[1]]
                step.input1Dims = Self.dims(x2.shape)
                let (amin, amax) = Self.clamp(activation, y)
                let q = l.perTensor
                step.add = nn_add_params(input1_zero_point: Int32(x.zeroPoint), input2_zero_point: Int32(x2.zeroPoint),
                                         output_zero_point: Int32(y.zeroPoint), left_shift: 20,
                                         input1: nn_requant(multiplier: q[0].multiplier, shift: q[0].shift),
                                         input2: nn_requant(multiplier: q[1].multiplier, shift: q[1].shift),
                                         output: nn_requant(multiplier: q[2].multiplier, shift: q[2].shift),
                                         act_min: amin, act_max: amax)
            case let .concat(axis):
                // Copy plan: for each of `outer` blocks, each input contributes one contiguous chunk.
                step.kind = .concat
                let s = y.shape
                step.outer = axis == 0 ? 1 : (axis == 1 ? s.t : s.t * s.l)
                step.partsStart = cursor
                step.partsCount = l.inputs.count
                for (j, input) in l.inputs.enumerated() {
                    let t = d.tensors[input].shape
                    let chunk = axis == 0 ? t.count : (axis == 1 ? t.l * t.c : t.c)
                    int32Store[cursor + 2 * j] = Int32(plan.offsets[input] / GraphPlan.arenaAlignment)
                    int32Store[cursor + 2 * j + 1] = Int32(chunk)
                }
                cursor += 2 * l.inputs.count
            case .reshape:
                step.kind = .copy
                step.copyBytes = x.shape.count
            case let .gru(h, _, _, _, _, _, _):
                step.kind = .gru
                step.inputDims = nn_dims(t: Int32(x.shape.t), l: 1, c: Int32(x.shape.l * x.shape.c))
                step.filterDims = nn_filter_dims(out_ch: Int32(3 * h), kernel: 1, in_ch: Int32(x.shape.l * x.shape.c))
                step.filter1Dims = nn_filter_dims(out_ch: Int32(3 * h), kernel: 1, in_ch: Int32(h))
                step.weight0 = model.pointer(to: l.weights[0]).assumingMemoryBound(to: Int8.self)
                step.weight1 = model.pointer(to: l.weights[1]).assumingMemoryBound(to: Int8.self)
                step.bias0 = model.pointer(to: l.weights[2]).assumingMemoryBound(to: Int32.self)
                step.bias1 = model.pointer(to: l.weights[3]).assumingMemoryBound(to: Int32.self)
                step.gru = nn_gru_params(input_zero_point: Int32(x.zeroPoint), output_zero_point: Int32(y.zeroPoint),
                                         output: nn_requant(multiplier: l.perTensor[0].multiplier, shift: l.perTensor[0].shift))
                let pc = storePerChannel()
                let rows = 3 * h
                step.gruQuant = nn_gru_quant(input_multiplier: pc.multiplier, input_shift: pc.shift,
                                             hidden_multiplier: pc.multiplier.map { $0 + rows }, hidden_shift: pc.shift.map { $0 + rows })
                // storePerChannel lays out [all multipliers][all shifts] over 6H entries:
                // input rows are entries 0..<3H of each half, hidden rows 3H..<6H.
                step.gruStateHidden = h
            case .softmax:
                step.kind = .softmax
                let table = int32Store.baseAddress.unsafelyUnwrapped + cursor
                guard nn_softmax_s8_exp_table(x.scale, table) == NN_OK else {
                    throw ModelError(file: model.path, problem: "layer '\(l.layer.name)': logits scale \(x.scale) is out of range for softmax")
                }
                step.table = UnsafePointer(table)
                cursor += 256
            }
            steps.baseAddress.unsafelyUnwrapped.advanced(by: i).initialize(to: step)
        }
    }

    deinit {
        arena.deallocate()
        steps.deallocate()
        int32Store.deallocate()
        probabilityStore.deallocate()
        timingStore.deallocate()
        hazardMask.deallocate()
    }

    private static func dims(_ s: Shape3) -> nn_dims { nn_dims(t: Int32(s.t), l: Int32(s.l), c: Int32(s.c)) }

    private static func clamp(_ a: Activation, _ y: ActivationTensor) -> (Int32, Int32) {
        (a == .relu ? Int32(max(-128, y.zeroPoint)) : -128, 127)
    }

    // MARK: Inputs and results

    /// Number of int8 (or float) input elements of modality `index` (`[T, L, C]` count).
    public func inputCount(modality index: Int) -> Int {
        model.description.tensors[model.plan.modalityInputs[index]].shape.count
    }

    /// Quantizes one modality's float features (`[T, L, C]`, from the DSP front end) into the
    /// arena with `nn_quantize_f32_s8`. `features.count` must equal `inputCount(modality:)`.
    ///
    /// - Note: Real-time safe.
    public func setFeatures(modality index: Int, _ features: UnsafeBufferPointer<Float>) {
        let tensorIndex = model.plan.modalityInputs[index]
        let tensor = model.description.tensors[tensorIndex]
        precondition(features.count == tensor.shape.count, "feature count does not match the model input")
        var quant = nn_quant_f32(scale: Float(tensor.scale), zero_point: Int32(tensor.zeroPoint))
        var dims = Self.dims(tensor.shape)
        let out = (arena + model.plan.offsets[tensorIndex]).assumingMemoryBound(to: Int8.self)
        let status = nn_quantize_f32_s8(&context, &quant, &dims, features.baseAddress, &dims, out)
        precondition(status == NN_OK, "nn_quantize_f32_s8 rejected validated parameters")
    }

    /// Copies already-quantized int8 features of one modality into the arena (golden tests).
    ///
    /// - Note: Real-time safe.
    public func setQuantizedInput(modality index: Int, _ input: UnsafeBufferPointer<Int8>) {
        let tensorIndex = model.plan.modalityInputs[index]
        precondition(input.count == model.description.tensors[tensorIndex].shape.count, "input count does not match the model input")
        if let base = input.baseAddress { (arena + model.plan.offsets[tensorIndex]).copyMemory(from: base, byteCount: input.count) }
    }

    /// The int8 input of modality `index` as the graph sees it.
    func quantizedInput(modality index: Int) -> UnsafeBufferPointer<Int8> {
        let tensorIndex = model.plan.modalityInputs[index]
        return UnsafeBufferPointer(start: (arena + model.plan.offsets[tensorIndex]).assumingMemoryBound(to: Int8.self),
                                   count: model.description.tensors[tensorIndex].shape.count)
    }

    /// Class probabilities of the last completed run, `(q + 128) / 256` per label.
    public var probabilities: UnsafeBufferPointer<Float> { UnsafeBufferPointer(probabilityStore) }
    /// The int8 logits (the softmax's input) of the last completed run.
    public var logits: UnsafeBufferPointer<Int8> {
        UnsafeBufferPointer(start: (arena + logitsOffset).assumingMemoryBound(to: Int8.self), count: classCount)
    }
    /// The int8 softmax output of the last completed run.
    public var quantizedProbabilities: UnsafeBufferPointer<Int8> {
        UnsafeBufferPointer(start: (arena + outputOffset).assumingMemoryBound(to: Int8.self), count: classCount)
    }
    /// CLOCK_MONOTONIC nanoseconds each layer took in the last run (0 for layers not run).
    public var layerNanoseconds: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(timingStore) }

    // MARK: Running

    /// Runs every layer on the features set with `setFeatures`, checking before each layer that
    /// CLOCK_MONOTONIC has not reached `deadlineNanoseconds` (pass `UInt64.max` for no deadline).
    ///
    /// - Note: Real-time safe.
    public func run(deadlineNanoseconds: UInt64 = .max) -> ExpertOutcome {
        run { _ in deadlineNanoseconds == .max || Self.monotonicNanoseconds() < deadlineNanoseconds }
    }

    /// Runs every layer, calling `shouldContinue(layerIndex)` before each; when it returns false
    /// the run is abandoned and the rest of the layers are skipped.
    ///
    /// - Note: Real-time safe (if `shouldContinue` is).
    public func run(shouldContinue: (Int) -> Bool) -> ExpertOutcome {
        let base = steps.baseAddress.unsafelyUnwrapped
        for i in 0..<steps.count { timingStore[i] = 0 }
        for i in 0..<steps.count {
            guard shouldContinue(i) else { return .abandoned(beforeLayer: i) }
            let start = Self.monotonicNanoseconds()
            let status = execute(base + i)
            timingStore[i] = Self.monotonicNanoseconds() &- start
            guard status == NN_OK else { return .failed(layer: i, status: Int32(status.rawValue)) }
        }
        return .answered(answer())
    }

    private func answer() -> ExpertAnswer {
        let q = (arena + outputOffset).assumingMemoryBound(to: Int8.self)
        var top = 0
        var hazardSum = 0
        for c in 0..<classCount {
            let v = Int(q[c]) + 128
            probabilityStore[c] = Float(v) / 256
            if q[c] > q[top] { top = c }
            if hazardMask[c] { hazardSum += v }
        }
        let topProbability = Double(Int(q[top]) + 128) / 256
        let hazardProbability = Double(hazardSum) / 256
        return ExpertAnswer(topClass: top, topProbability: topProbability, hazardProbability: hazardProbability,
                            isIDK: topProbability < idkThreshold,
                            isHazard: hasHazards && hazardProbability >= hazardThreshold)
    }

    private func execute(_ s: UnsafeMutablePointer<Step>) -> nn_status {
        let x = UnsafePointer((arena + s.pointee.input0).assumingMemoryBound(to: Int8.self))
        let y = (arena + s.pointee.output).assumingMemoryBound(to: Int8.self)
        switch s.pointee.kind {
        case .conv1d:
            return nn_conv1d_s8(&context, &s.pointee.conv, &s.pointee.perChannel, &s.pointee.inputDims, x,
                                &s.pointee.filterDims, s.pointee.weight0, s.pointee.bias0, &s.pointee.outputDims, y)
        case .dense:
            return nn_dense_s8(&context, &s.pointee.dense, &s.pointee.perChannel, &s.pointee.inputDims, x,
                               &s.pointee.filterDims, s.pointee.weight0, s.pointee.bias0, &s.pointee.outputDims, y)
        case .maxpool:
            return nn_maxpool1d_s8(&context, &s.pointee.pool, &s.pointee.inputDims, x, &s.pointee.outputDims, y)
        case .avgpool:
            return nn_avgpool1d_s8(&context, &s.pointee.pool, &s.pointee.inputDims, x, &s.pointee.outputDims, y)
        case .globalAvgpool:
            return nn_global_avgpool_s8(&context, &s.pointee.inputDims, x, &s.pointee.outputDims, y)
        case .add:
            let x2 = UnsafePointer((arena + s.pointee.input1).assumingMemoryBound(to: Int8.self))
            return nn_add_s8(&context, &s.pointee.add, &s.pointee.inputDims, x, &s.pointee.input1Dims, x2,
                             &s.pointee.outputDims, y)
        case .gru:
            let state = (arena + model.gruStateOffset).assumingMemoryBound(to: Int16.self)
            state.update(repeating: 0, count: s.pointee.gruStateHidden)
            return nn_gru_s8_s16(&context, &s.pointee.gru, &s.pointee.gruQuant, &s.pointee.inputDims, x,
                                 &s.pointee.filterDims, s.pointee.weight0, &s.pointee.filter1Dims, s.pointee.weight1,
                                 s.pointee.bias0, s.pointee.bias1, state, &s.pointee.outputDims, y)
        case .softmax:
            return nn_softmax_s8(&context, s.pointee.table, &s.pointee.inputDims, x, &s.pointee.outputDims, y)
        case .copy:
            UnsafeMutableRawPointer(y).copyMemory(from: x, byteCount: s.pointee.copyBytes)
            return NN_OK
        case .concat:
            var out = UnsafeMutableRawPointer(y)
            let parts = int32Store.baseAddress.unsafelyUnwrapped + s.pointee.partsStart
            for o in 0..<s.pointee.outer {
                for j in 0..<s.pointee.partsCount {
                    let chunk = Int(parts[2 * j + 1])
                    let source = arena + Int(parts[2 * j]) * GraphPlan.arenaAlignment + o * chunk
                    out.copyMemory(from: source, byteCount: chunk)
                    out += chunk
                }
            }
            return NN_OK
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    ///
    /// - Note: Real-time safe.
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// One prepared layer: the kernel to call and its C argument structs, built at prepare time.
struct Step {
    enum Kind { case conv1d, dense, maxpool, avgpool, globalAvgpool, add, gru, softmax, copy, concat }
    var kind = Kind.copy
    var input0 = 0, input1 = 0, output = 0
    var inputDims = nn_dims(), input1Dims = nn_dims(), outputDims = nn_dims()
    var filterDims = nn_filter_dims(), filter1Dims = nn_filter_dims()
    var weight0: UnsafePointer<Int8>? = nil, weight1: UnsafePointer<Int8>? = nil
    var bias0: UnsafePointer<Int32>? = nil, bias1: UnsafePointer<Int32>? = nil
    var conv = nn_conv_params()
    var dense = nn_dense_params()
    var pool = nn_pool_params()
    var add = nn_add_params()
    var gru = nn_gru_params()
    var perChannel = nn_per_channel_quant()
    var gruQuant = nn_gru_quant()
    var table: UnsafePointer<Int32>? = nil
    var copyBytes = 0
    var outer = 0, partsStart = 0, partsCount = 0
    var gruStateHidden = 0
}
