import Testing
@testable import CascadiaModels

/// Helpers to edit a test model's document or its bytes.
enum Edit {
    /// The CNN test model with its document transformed.
    static func document(_ change: (J) -> J) -> [UInt8] {
        let m = TestModels.cnnBoth()
        return m.builder.file(change(m.document))
    }

    /// The CNN test model with layer `index` transformed.
    static func layer(_ index: Int, _ change: @escaping (J) -> J) -> [UInt8] {
        document { d in
            guard case .a(var layers)? = d["layers"] else { return d }
            layers[index] = change(layers[index])
            return d.setting("layers", .a(layers))
        }
    }

    /// The CNN test model with activation `name`'s declaration transformed.
    static func tensor(_ name: String, _ change: @escaping (J) -> J) -> [UInt8] {
        document { d in
            guard let t = d["tensors"], let entry = t[name] else { return d }
            return d.setting("tensors", t.setting(name, change(entry)))
        }
    }

    /// The CNN test model's framing modality `index` transformed.
    static func modality(_ index: Int, _ change: @escaping (J) -> J) -> [UInt8] {
        document { d in
            guard let f = d["framing"], case .a(var ms)? = f["modalities"] else { return d }
            ms[index] = change(ms[index])
            return d.setting("framing", f.setting("modalities", .a(ms)))
        }
    }

    /// A container around the CNN test model's tensors, with its header JSON text replaced.
    static func header(_ change: (String) -> String) -> [UInt8] {
        let valid = TestModels.cnnBothFile()
        let n = Int(valid[0]) | Int(valid[1]) << 8 | Int(valid[2]) << 16
        let text = String(decoding: valid[8..<(8 + n)], as: UTF8.self)
        return withHeader(change(text), data: Array(valid[(8 + n)...]))
    }

    static func withHeader(_ text: String, data: [UInt8], pad: Bool = true) -> [UInt8] {
        var header = Array(text.utf8)
        while pad && (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        var n = UInt64(header.count)
        for _ in 0..<8 { out.append(UInt8(n & 0xFF)); n >>= 8 }
        return out + header + data
    }

    /// The file's tensors, metadata kept, with `change` applied to the tensor list.
    static func tensors(_ change: ([RawTensor]) -> [RawTensor]) -> [UInt8] {
        let m = TestModels.cnnBoth()
        return SafetensorsWriter.bytes(tensors: change(m.builder.weights),
                                       metadata: [("format", "cascadia-expert"), ("format_version", "1"), ("cascadia", m.document.text)])
    }

    static func replaceFirst(_ text: String, _ of: String, _ with: String) -> String {
        guard let r = text.range(of: of) else { return text }
        return text.replacingCharacters(in: r, with: with)
    }
}

/// Loads bytes and returns the error's problem text, or nil when the model loads.
func loadProblem(_ bytes: [UInt8]) -> String? {
    do {
        _ = try ExpertModel(bytes: bytes, name: "test.safetensors")
        return nil
    } catch {
        #expect(error.file == "test.safetensors")
        #expect(error.exitCode == .data)
        #expect(!error.description.contains("\n"))
        return error.problem
    }
}

struct RejectCase: CustomTestStringConvertible, Sendable {
    let rule: String
    let expected: String
    let bytes: @Sendable () -> [UInt8]
    var testDescription: String { rule }
    init(_ rule: String, _ expected: String, _ bytes: @escaping @Sendable () -> [UInt8]) {
        self.rule = rule
        self.expected = expected
        self.bytes = bytes
    }
}

@Suite struct ExpertModelTests {
    @Test func validModelsLoad() throws {
        for bytes in [TestModels.cnnBothFile(), TestModels.deepSenseFile()] {
            let model = try ExpertModel(bytes: bytes, name: "ok")
            #expect(model.description.labels == TestModels.labels)
            #expect(model.arenaBytes > 0)
            #expect(model.arenaBytes % 16 == 0)
        }
    }

    @Test func describesTheCNN() throws {
        let model = try ExpertModel(bytes: TestModels.cnnBothFile(), name: "cnn")
        let d = model.description
        #expect(d.id == "T1")
        #expect(d.name == "test_cnn_both")
        #expect(d.hazardClasses == [1, 2])
        #expect(d.idkThreshold == 0.5)
        #expect(d.framing.intervals == 10)
        #expect(d.framing.modalities.map(\.name) == ["acoustic", "seismic"])
        #expect(d.framing.modalities[0].samplesPerInterval == 1600)
        #expect(d.framing.modalities[0].feature == .fft(fftSize: 2048, bins: 32, window: "hann"))
        #expect(model.layerSummaries.map(\.op) == ["conv1d", "maxpool", "conv1d", "global_avgpool", "conv1d", "avgpool",
                                                   "global_avgpool", "concat", "reshape", "dense", "dense", "softmax"])
        // Hand count: weights + biases of every layer.
        let params = (8 * 5 * 2 + 8) + (8 * 3 * 8 + 8) + (8 * 3 * 2 + 8) + (16 * 160 + 16) + (3 * 16 + 3)
        #expect(model.parameterCount == params)
        // MACs: conv [10,32,8]·5·2, conv [10,7,8]·3·8, conv [10,14,8]·3·2, dense 160·16, dense 16·3.
        let macs = 10 * 32 * 8 * 10 + 10 * 7 * 8 * 24 + 10 * 14 * 8 * 6 + 160 * 16 + 16 * 3
        #expect(model.multiplyAccumulates == macs)
    }

    @Test func describesTheDeepSense() throws {
        let model = try ExpertModel(bytes: TestModels.deepSenseFile(), name: "ds")
        #expect(model.layerSummaries.map(\.op) == ["conv1d", "conv1d", "concat", "conv1d", "conv1d", "add", "reshape",
                                                   "gru", "gru", "mean_time", "dense", "softmax"])
        // GRU MACs: T·3H·(D + H).
        let gru = 10 * 36 * (120 + 12) + 10 * 36 * (12 + 12)
        let conv = 10 * 12 * 6 * 6 + 10 * 8 * 6 * 6 + 2 * (10 * 20 * 6 * 18)
        #expect(model.multiplyAccumulates == gru + conv + 12 * 3)
    }

    @Test func mapsAFileFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-model-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(TestModels.cnnBothFile()).write(to: URL(fileURLWithPath: path))
        let model = try ExpertModel(path: path)
        #expect(model.path == path)
        #expect(throws: ModelError.self) { try ExpertModel(path: path + ".missing") }
        do {
            _ = try ExpertModel(path: "/")
            Issue.record("a directory loaded")
        } catch {
            #expect(error.problem == "not a regular file")
        }
    }

    @Test func arenaReusesMemoryOfDeadTensors() throws {
        let model = try ExpertModel(bytes: TestModels.cnnBothFile(), name: "cnn")
        let total = model.description.tensors.reduce(0) { $0 + GraphPlan.aligned($1.shape.count) }
        #expect(model.plan.activationBytes < total)
        // No two tensors whose lifetimes overlap share bytes: each layer's input and output are disjoint.
        for layer in model.plan.layers {
            let out = model.plan.offsets[layer.output]
            let outEnd = out + model.description.tensors[layer.output].shape.count
            for i in layer.inputs {
                let lo = model.plan.offsets[i], hi = lo + model.description.tensors[i].shape.count
                #expect(hi <= out || outEnd <= lo, "layer \(layer.layer.name) output overlaps input")
            }
        }
    }

    static let rejects: [RejectCase] = [
        // Container.
        RejectCase("file shorter than the length", "too short") { [1, 2, 3] },
        RejectCase("header length too large", "outside 2…4194304") { [0, 0, 0, 1, 0, 0, 0, 0] + Array(repeating: 0x20, count: 16) },
        RejectCase("header past end", "runs past the end") { Array(TestModels.cnnBothFile().prefix(200)) },
        RejectCase("header not 8-aligned", "8-byte boundary") { Edit.withHeader("{}", data: [], pad: false) },
        RejectCase("header not JSON", "invalid JSON") { Edit.header { "[" + $0.dropFirst() } },
        RejectCase("header duplicate key", "duplicate key") { Edit.header { Edit.replaceFirst($0, "{", "{\"__metadata__\":{},") } },
        RejectCase("header too deep", "nesting deeper than 32") { Edit.withHeader(String(repeating: "[", count: 40) + String(repeating: "]", count: 40), data: []) },
        RejectCase("header not an object", "must be an object") { Edit.withHeader("[]", data: []) },
        RejectCase("no metadata", "no __metadata__") { SafetensorsWriter.bytes(tensors: TestModels.cnnBoth().builder.weights, metadata: nil) },
        RejectCase("no tensors", "holds no tensors") { Edit.tensors { _ in [] } },
        RejectCase("unknown dtype", "is not I8 or I32") { Edit.header { Edit.replaceFirst($0, "\"I8\"", "\"F32\"") } },
        RejectCase("five dimensions", "has 5 elements") { Edit.header { Edit.replaceFirst($0, "\"shape\":[", "\"shape\":[1,1,1,1,") } },
        RejectCase("offsets size mismatch", "needs") { Edit.header { Edit.replaceFirst($0, "\"data_offsets\":[0,", "\"data_offsets\":[0,1") } },
        RejectCase("negative offset", "outside 0…") { Edit.header { Edit.replaceFirst($0, "\"data_offsets\":[0,", "\"data_offsets\":[-4,") } },
        RejectCase("tensors overlap", "overlap") {
            Edit.tensors { ts in ts }.withOffsetsShifted(tensorIndex: 1, by: -4)
        },
        RejectCase("gap between tensors", "gap") { Edit.tensors { ts in ts }.withOffsetsShifted(tensorIndex: 1, by: 4) },
        RejectCase("trailing bytes", "bytes after the last tensor") { TestModels.cnnBothFile() + [0, 0, 0, 0] },
        RejectCase("truncated data", "run past the end") { Array(TestModels.cnnBothFile().dropLast(3)) },
        RejectCase("misaligned int32", "begin 1 is not 4-byte aligned") {
            Edit.withHeader(#"{"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"I32","shape":[1],"data_offsets":[1,5]}}"#,
                            data: [0, 0, 0, 0, 0])
        },
        RejectCase("bad tensor name", "is not 1–128 bytes") { Edit.tensors { ts in ts.map { var t = $0; t.name = t.name.replacingOccurrences(of: "fc1.bias", with: "fc1 bias"); return t } } },
        RejectCase("unreferenced tensor", "no layer uses it") {
            Edit.tensors { ts in ts + [RawTensor(name: "zzz.extra", dtype: "I8", shape: [2], data: [1, 2])] }
        },
        RejectCase("missing weight tensor", "is not in the file") { Edit.tensors { ts in ts.filter { $0.name != "fc1.weight" } } },
        // Metadata.
        RejectCase("wrong format", "is not cascadia-expert") { Edit.header { Edit.replaceFirst($0, "cascadia-expert", "other-format") } },
        RejectCase("future version", "format_version '2' is not supported") { Edit.header { Edit.replaceFirst($0, "\"format_version\":\"1\"", "\"format_version\":\"2\"") } },
        RejectCase("unknown metadata key", "unknown key") { Edit.header { Edit.replaceFirst($0, "\"format\":", "\"extra\":\"x\",\"format\":") } },
        RejectCase("metadata value not string", "must be a string") { Edit.header { Edit.replaceFirst($0, "\"format_version\":\"1\"", "\"format_version\":1") } },
        RejectCase("document not JSON", "__metadata__.cascadia: invalid JSON") { Edit.header { Edit.replaceFirst($0, "\"cascadia\":\"{", "\"cascadia\":\"{{") } },
        RejectCase("unknown field", "unknown field 'extra'") { Edit.document { $0.setting("extra", .i(1)) } },
        RejectCase("missing field", "missing field 'labels'") { Edit.document { $0.removing("labels") } },
        RejectCase("bad id", "id ''") { Edit.document { $0.setting("id", .s("")) } },
        RejectCase("one label", "has 1 elements") { Edit.document { $0.setting("labels", .a([.s("x")])).setting("hazards", .a([])) } },
        RejectCase("duplicate label", "is a duplicate") { Edit.document { $0.setting("labels", .a([.s("a"), .s("b"), .s("a")])) } },
        RejectCase("hazard not a label", "is not one of the labels") { Edit.document { $0.setting("hazards", .a([.s("tank")])) } },
        RejectCase("idk threshold above 1", "thresholds.idk = 1.5 is outside") {
            Edit.document { $0.setting("thresholds", .o([("idk", .d(1.5)), ("hazard", .d(0.5))])) }
        },
        RejectCase("threshold not a number", "must be a number") {
            Edit.document { $0.setting("thresholds", .o([("idk", .s("0.5")), ("hazard", .d(0.5))])) }
        },
        RejectCase("integer given as float", "must be an integer") { Edit.document { d in d.setting("framing", d["framing"]!.setting("intervals", .d(10.0))) } },
        RejectCase("infinite number", "= 1e999 is not finite") { Edit.tensor("logits") { $0.setting("scale", .raw("1e999")) } },
        RejectCase("zero scale", "must be a normal number > 0") { Edit.tensor("logits") { $0.setting("scale", .d(0)) } },
        RejectCase("negative scale", "must be a normal number > 0") { Edit.tensor("logits") { $0.setting("scale", .d(-0.1)) } },
        RejectCase("zero point out of range", "zero_point = 200 is outside -128…127") { Edit.tensor("logits") { $0.setting("zero_point", .i(200)) } },
        RejectCase("activation rank", "has 2 elements, expected 3") { Edit.tensor("logits") { $0.setting("shape", .a([.i(1), .i(3)])) } },
        // Framing.
        RejectCase("fractional samples", "is not a whole number") { Edit.modality(0) { $0.setting("rate_hz", .i(8001)) } },
        RejectCase("fft shorter than interval", "smaller than the 1600 samples") {
            Edit.modality(0) { $0.setting("feature", .o([("kind", .s("fft")), ("fft_size", .i(1024)), ("bins", .i(32)), ("window", .s("hann"))])) }
        },
        RejectCase("too many bins", "bins = 2000 is outside 1…1025") {
            Edit.modality(0) { $0.setting("feature", .o([("kind", .s("fft")), ("fft_size", .i(2048)), ("bins", .i(2000)), ("window", .s("hann"))])) }
        },
        RejectCase("unknown window", "is not hann or rectangular") {
            Edit.modality(0) { $0.setting("feature", .o([("kind", .s("fft")), ("fft_size", .i(2048)), ("bins", .i(32)), ("window", .s("kaiser"))])) }
        },
        RejectCase("input shape against framing", "framing needs [10, 33, 2]") {
            Edit.modality(0) { $0.setting("feature", .o([("kind", .s("fft")), ("fft_size", .i(2048)), ("bins", .i(33)), ("window", .s("hann"))])) }
        },
        RejectCase("raw input shape", "framing needs [10, 1600, 1]") { Edit.modality(0) { $0.setting("feature", .o([("kind", .s("raw"))])) } },
        RejectCase("modality input undeclared", "is not declared in tensors") { Edit.modality(1) { $0.setting("input", .s("nope")) } },
        RejectCase("hop longer than window", "hop_s = 3.0 is outside") { Edit.document { d in d.setting("framing", d["framing"]!.setting("hop_s", .d(3.0))) } },
        // Graph.
        RejectCase("unknown op", "op 'conv2d' is not a known op") { Edit.layer(0) { $0.setting("op", .s("conv2d")) } },
        RejectCase("layer unknown field", "unknown field 'groups'") { Edit.layer(0) { $0.setting("groups", .i(2)) } },
        RejectCase("weight dtype", "must be a 3-D I8 tensor") { Edit.layer(0) { $0.setting("weight", .s("ac_conv1.bias")).setting("bias", .s("ac_conv1.weight")) } },
        RejectCase("weight count against scales", "has shape [8, 5, 2], expected [7, 5, 2]") {
            Edit.layer(0) { l in guard case .a(let s)? = l["weight_scales"] else { return l }; return l.setting("weight_scales", .a(Array(s.dropLast()))) }
        },
        RejectCase("declared shape disagrees", "is declared [10, 32, 8], the op gives [10, 16, 8]") { Edit.layer(0) { $0.setting("stride", .i(2)) } },
        RejectCase("padding larger than span", "padding must be ≤ dilation·(K−1) = 4") { Edit.layer(0) { $0.setting("padding", .a([.i(5), .i(0)])) } },
        RejectCase("input before it exists", "is not produced by an earlier layer") { Edit.layer(0) { $0.setting("inputs", .a([.s("ac_pool1.out")])) } },
        RejectCase("output produced twice", "is already produced") { Edit.layer(1) { $0.setting("outputs", .a([.s("ac_conv1.out")])) } },
        RejectCase("duplicate layer name", "duplicate layer name") { Edit.layer(1) { $0.setting("name", .s("ac_conv1")) } },
        RejectCase("pool changes quantization", "must have the same scale and zero point") { Edit.tensor("ac_pool1.out") { $0.setting("zero_point", .i(5)) } },
        RejectCase("softmax output quantization", "scale 0.00390625 and zero point -128") { Edit.tensor("probs") { $0.setting("zero_point", .i(0)) } },
        RejectCase("output not softmax", "must be produced by the last layer, a softmax") { Edit.document { $0.setting("output", .s("logits")) } },
        RejectCase("requantization out of range", "requantization scale") { Edit.tensor("fc1.out") { $0.setting("scale", .d(1e-30)) } },
        RejectCase("concat axis changes the shape", "is declared [10, 1, 16], the op gives [10, 2, 8]") { Edit.layer(7) { $0.setting("axis", .i(1)) } },
        RejectCase("reshape count", "changes the element count") { Edit.layer(8) { $0.setting("shape", .a([.i(1), .i(1), .i(161)])) } },
        RejectCase("unused tensor", "is neither a modality input nor produced") {
            Edit.document { d in d.setting("tensors", d["tensors"]!.setting("spare", .o([("shape", .a([.i(1), .i(1), .i(1)])), ("scale", .d(1)), ("zero_point", .i(0))]))) }
        },
        RejectCase("dead layer output", "tensor 'dead.out' is never used by a later layer") {
            Edit.document { d in
                guard case .a(var layers)? = d["layers"], let tensors = d["tensors"], let fc1 = tensors["fc1.out"] else { return d }
                layers.insert(.o([("op", .s("global_avgpool")), ("name", .s("dead")), ("inputs", .a([.s("fc1.out")])),
                                  ("outputs", .a([.s("dead.out")]))]), at: 10)
                return d.setting("layers", .a(layers)).setting("tensors", tensors.setting("dead.out", fc1))
            }
        },
    ]

    @Test(arguments: rejects)
    func rejectsBrokenFile(_ c: RejectCase) {
        let problem = loadProblem(c.bytes())
        #expect(problem != nil, "accepted a file breaking: \(c.rule)")
        if let problem { #expect(problem.contains(c.expected), "\(c.rule): got '\(problem)'") }
    }
}

extension Array where Element == UInt8 {
    /// Shifts the begin and end offsets of the `tensorIndex`-th tensor entry in the header text.
    func withOffsetsShifted(tensorIndex: Int, by delta: Int) -> [UInt8] {
        let n = Int(self[0]) | Int(self[1]) << 8 | Int(self[2]) << 16
        var text = String(decoding: self[8..<(8 + n)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        var search = text.startIndex
        for _ in 0..<tensorIndex { search = text.range(of: "data_offsets", range: search..<text.endIndex)!.upperBound }
        let r = text.range(of: "\"data_offsets\":[", range: search..<text.endIndex)!
        let close = text.range(of: "]", range: r.upperBound..<text.endIndex)!
        let parts = text[r.upperBound..<close.lowerBound].split(separator: ",").map { Int($0)! + delta }
        text.replaceSubrange(r.upperBound..<close.lowerBound, with: "\(parts[0]),\(parts[1])")
        return Edit.withHeader(text, data: Array(self[(8 + n)...]))
    }
}

import Foundation
