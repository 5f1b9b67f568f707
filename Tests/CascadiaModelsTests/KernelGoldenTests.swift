import CKernels
import Foundation
import Testing

/// One case of a golden vector file written by training/golden/gen_kernel_golden.py
/// (`case NAME OP`, then `KEY COUNT V1 … VCOUNT` lines, then `end`).
struct KernelGoldenCase {
    let name: String
    let op: String
    let values: [String: [Int64]]

    func ints<T: FixedWidthInteger>(_ key: String, as _: T.Type = T.self) -> [T] {
        (values[key] ?? []).map { T(truncatingIfNeeded: $0) }
    }
    func floats(_ key: String) -> [Float] {
        (values[key] ?? []).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
    }
    func dims(_ key: String) -> nn_dims {
        let v: [Int32] = ints(key)
        return nn_dims(t: v[0], l: v[1], c: v[2])
    }
    func floatBits(_ key: String) -> [UInt32] { ints(key) }

    /// Calls `body` with this case's per-channel multipliers/shifts (conv1d, dense).
    func withPerChannelQuant(_ body: (inout nn_per_channel_quant) -> nn_status) -> nn_status {
        let mult: [Int32] = ints("multiplier"), shift: [Int32] = ints("shift")
        return mult.withUnsafeBufferPointer { m in
            shift.withUnsafeBufferPointer { s in
                var q = nn_per_channel_quant(multiplier: m.baseAddress, shift: s.baseAddress)
                return body(&q)
            }
        }
    }
}

/// Reader of the committed golden vectors in `tests/golden/` (shared with the C tests).
enum KernelGolden {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tests/golden")

    static func load(_ op: String) throws -> (header: String, cases: [KernelGoldenCase]) {
        let text = try String(contentsOf: directory.appendingPathComponent("\(op).txt"), encoding: .utf8)
        let firstNewline = text.firstIndex(of: "\n") ?? text.endIndex
        let header = String(text[..<firstNewline])
        var tokens = text[firstNewline...].split(whereSeparator: { $0 == " " || $0 == "\n" })[...]
        var cases: [KernelGoldenCase] = []
        while let word = tokens.popFirst() {
            guard word == "case", let name = tokens.popFirst(), let caseOp = tokens.popFirst() else {
                throw GoldenFormatError(file: op, token: String(word))
            }
            var values: [String: [Int64]] = [:]
            while let key = tokens.popFirst(), key != "end" {
                guard let countToken = tokens.popFirst(), let count = Int(countToken) else {
                    throw GoldenFormatError(file: op, token: String(key))
                }
                values[String(key)] = tokens.prefix(count).map { Int64($0)! }
                tokens = tokens.dropFirst(count)
            }
            cases.append(KernelGoldenCase(name: String(name), op: String(caseOp), values: values))
        }
        return (header, cases)
    }

    /// Both paths: the one `nn_isa_detect` picks on this machine, and the portable C path.
    static let paths: [nn_isa] = [nn_isa_detect(), NN_ISA_REF]
}

struct GoldenFormatError: Error {
    let file: String
    let token: String
}

/// A 64-byte aligned scratch buffer for kernel contexts, freed with the test.
final class KernelScratch {
    let bytes: Int
    let pointer: UnsafeMutableRawPointer
    init(bytes: Int = 1 << 20) {
        self.bytes = bytes
        pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }
    deinit { pointer.deallocate() }
    func context(_ isa: nn_isa) -> nn_context { nn_context(isa: isa, buf: pointer, size: Int32(bytes)) }
}

@Suite("Kernel golden vectors (numpy qref) on the optimized and the reference path")
struct KernelGoldenTests {
    let scratch = KernelScratch()

    @Test func everyFileNamesItsGenerator() throws {
        for op in ["conv1d", "dense", "maxpool1d", "avgpool1d", "global_avgpool", "add", "gru", "softmax",
                   "quantize", "dequantize", "requantize", "dsp"] {
            let file = try KernelGolden.load(op)
            #expect(file.header.hasPrefix("# generator: training/golden/gen_kernel_golden.py"), "\(op)")
            #expect(file.header.contains("numpy"), "\(op)")
            #expect(!file.cases.isEmpty, "\(op)")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func conv1d(isa: nn_isa) throws {
        for c in try KernelGolden.load("conv1d").cases {
            let p: [Int32] = c.ints("params")
            var params = nn_conv_params(input_zero_point: p[0], output_zero_point: p[1], stride: p[2],
                                        dilation: p[3], pad_left: p[4], pad_right: p[5], act_min: p[6], act_max: p[7])
            let f: [Int32] = c.ints("filter_dims")
            var fd = nn_filter_dims(out_ch: f[0], kernel: f[1], in_ch: f[2])
            var inDims = c.dims("dims"), outDims = c.dims("output_dims")
            let bias: [Int32] = c.ints("bias"), input: [Int8] = c.ints("input"), filter: [Int8] = c.ints("filter")
            var out = [Int8](repeating: 0, count: c.ints("output", as: Int8.self).count)
            var ctx = scratch.context(isa)
            let status = c.withPerChannelQuant { q in
                nn_conv1d_s8(&ctx, &params, &q, &inDims, input, &fd, filter, bias, &outDims, &out)
            }
            #expect(status == NN_OK, "\(c.name)")
            #expect(out == c.ints("output"), "conv1d \(c.name) on \(String(cString: nn_isa_name(isa)))")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func dense(isa: nn_isa) throws {
        for c in try KernelGolden.load("dense").cases {
            let p: [Int32] = c.ints("params")
            var params = nn_dense_params(input_zero_point: p[0], output_zero_point: p[1], act_min: p[2], act_max: p[3])
            let f: [Int32] = c.ints("filter_dims")
            var fd = nn_filter_dims(out_ch: f[0], kernel: f[1], in_ch: f[2])
            var inDims = c.dims("dims"), outDims = c.dims("output_dims")
            let bias: [Int32] = c.ints("bias"), input: [Int8] = c.ints("input"), filter: [Int8] = c.ints("filter")
            var out = [Int8](repeating: 0, count: c.ints("output", as: Int8.self).count)
            var ctx = scratch.context(isa)
            let status = c.withPerChannelQuant { q in
                nn_dense_s8(&ctx, &params, &q, &inDims, input, &fd, filter, bias, &outDims, &out)
            }
            #expect(status == NN_OK, "\(c.name)")
            #expect(out == c.ints("output"), "dense \(c.name) on \(String(cString: nn_isa_name(isa)))")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func pools(isa: nn_isa) throws {
        for op in ["maxpool1d", "avgpool1d"] {
            for c in try KernelGolden.load(op).cases {
                let p: [Int32] = c.ints("params")
                var params = nn_pool_params(kernel: p[0], stride: p[1], pad_left: p[2], pad_right: p[3],
                                            act_min: p[4], act_max: p[5])
                var inDims = c.dims("dims"), outDims = c.dims("output_dims")
                let input: [Int8] = c.ints("input")
                var out = [Int8](repeating: 0, count: c.ints("output", as: Int8.self).count)
                var ctx = scratch.context(isa)
                let status = op == "maxpool1d"
                    ? nn_maxpool1d_s8(&ctx, &params, &inDims, input, &outDims, &out)
                    : nn_avgpool1d_s8(&ctx, &params, &inDims, input, &outDims, &out)
                #expect(status == NN_OK)
                #expect(out == c.ints("output"), "\(op) \(c.name)")
            }
        }
        for c in try KernelGolden.load("global_avgpool").cases {
            var inDims = c.dims("dims"), outDims = c.dims("output_dims")
            let input: [Int8] = c.ints("input")
            var out = [Int8](repeating: 0, count: c.ints("output", as: Int8.self).count)
            var ctx = scratch.context(isa)
            #expect(nn_global_avgpool_s8(&ctx, &inDims, input, &outDims, &out) == NN_OK)
            #expect(out == c.ints("output"), "global_avgpool \(c.name)")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func add(isa: nn_isa) throws {
        for c in try KernelGolden.load("add").cases {
            let p: [Int32] = c.ints("params")
            var params = nn_add_params(input1_zero_point: p[0], input2_zero_point: p[1], output_zero_point: p[2],
                                       left_shift: p[3], input1: nn_requant(multiplier: p[4], shift: p[5]),
                                       input2: nn_requant(multiplier: p[6], shift: p[7]),
                                       output: nn_requant(multiplier: p[8], shift: p[9]), act_min: p[10], act_max: p[11])
            var d = c.dims("dims")
            let a: [Int8] = c.ints("input1"), b: [Int8] = c.ints("input2")
            var out = [Int8](repeating: 0, count: a.count)
            var ctx = scratch.context(isa)
            #expect(nn_add_s8(&ctx, &params, &d, a, &d, b, &d, &out) == NN_OK)
            #expect(out == c.ints("output"), "add \(c.name)")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func gru(isa: nn_isa) throws {
        for c in try KernelGolden.load("gru").cases {
            let h: Int32 = c.ints("hidden")[0]
            let p: [Int32] = c.ints("params")
            var params = nn_gru_params(input_zero_point: p[0], output_zero_point: p[1],
                                       output: nn_requant(multiplier: p[2], shift: p[3]))
            var inDims = c.dims("dims")
            var outDims = nn_dims(t: inDims.t, l: inDims.l, c: h)
            var wi = nn_filter_dims(out_ch: 3 * h, kernel: 1, in_ch: inDims.c)
            var wh = nn_filter_dims(out_ch: 3 * h, kernel: 1, in_ch: h)
            let mi: [Int32] = c.ints("input_multiplier"), si: [Int32] = c.ints("input_shift")
            let mh: [Int32] = c.ints("hidden_multiplier"), sh: [Int32] = c.ints("hidden_shift")
            let input: [Int8] = c.ints("input"), wIH: [Int8] = c.ints("weight_ih"), wHH: [Int8] = c.ints("weight_hh")
            let bIH: [Int32] = c.ints("bias_ih"), bHH: [Int32] = c.ints("bias_hh")
            var state: [Int16] = c.ints("state")
            var out = [Int8](repeating: 0, count: c.ints("output", as: Int8.self).count)
            var ctx = scratch.context(isa)
            let status = mi.withUnsafeBufferPointer { mi in
                si.withUnsafeBufferPointer { si in
                    mh.withUnsafeBufferPointer { mh in
                        sh.withUnsafeBufferPointer { sh in
                            var q = nn_gru_quant(input_multiplier: mi.baseAddress, input_shift: si.baseAddress,
                                                 hidden_multiplier: mh.baseAddress, hidden_shift: sh.baseAddress)
                            return nn_gru_s8_s16(&ctx, &params, &q, &inDims, input, &wi, wIH, &wh, wHH, bIH, bHH,
                                                 &state, &outDims, &out)
                        }
                    }
                }
            }
            #expect(status == NN_OK)
            #expect(out == c.ints("output"), "gru \(c.name)")
            #expect(state == c.ints("final_state"), "gru \(c.name) final state")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func softmax(isa: nn_isa) throws {
        for c in try KernelGolden.load("softmax").cases {
            var d = c.dims("dims")
            let table: [Int32] = c.ints("table"), input: [Int8] = c.ints("input")
            var out = [Int8](repeating: 0, count: input.count)
            var probs = [Float](repeating: 0, count: input.count)
            var ctx = scratch.context(isa)
            #expect(nn_softmax_s8(&ctx, table, &d, input, &d, &out) == NN_OK)
            #expect(nn_softmax_s8_f32(&ctx, table, &d, input, &d, &probs) == NN_OK)
            #expect(out == c.ints("output"), "softmax \(c.name)")
            #expect(probs.map(\.bitPattern) == c.floatBits("output_f32_bits"), "softmax_f32 \(c.name)")
        }
        for c in try KernelGolden.load("softmax_exp_table").cases {
            let scale = Double(bitPattern: UInt64(bitPattern: c.ints("scale_bits")[0]))
            var table = [Int32](repeating: 0, count: 256)
            #expect(nn_softmax_s8_exp_table(scale, &table) == NN_OK)
            #expect(table == c.ints("table"), "exp table \(c.name)")
        }
    }

    @Test(arguments: KernelGolden.paths)
    func quantizeAndDequantize(isa: nn_isa) throws {
        for c in try KernelGolden.load("quantize").cases {
            var d = c.dims("dims")
            var q = nn_quant_f32(scale: c.floats("scale_bits")[0], zero_point: c.ints("zero_point")[0])
            let input = c.floats("input_bits")
            var out = [Int8](repeating: 0, count: input.count)
            var ctx = scratch.context(isa)
            #expect(nn_quantize_f32_s8(&ctx, &q, &d, input, &d, &out) == NN_OK)
            #expect(out == c.ints("output"), "quantize \(c.name)")
        }
        for c in try KernelGolden.load("dequantize").cases {
            var d = c.dims("dims")
            var q = nn_quant_f32(scale: c.floats("scale_bits")[0], zero_point: c.ints("zero_point")[0])
            let input: [Int8] = c.ints("input")
            var out = [Float](repeating: 0, count: input.count)
            var ctx = scratch.context(isa)
            #expect(nn_dequantize_s8_f32(&ctx, &q, &d, input, &d, &out) == NN_OK)
            #expect(out.map(\.bitPattern) == c.floatBits("output_bits"), "dequantize \(c.name)")
        }
    }

    @Test func requantizeRule() throws {
        let c = try #require(KernelGolden.load("requantize").cases.first)
        let x: [Int32] = c.ints("x"), m: [Int32] = c.ints("multiplier"), s: [Int32] = c.ints("shift")
        let y: [Int32] = c.ints("y")
        let got = x.indices.map { nn_requantize(x[$0], m[$0], s[$0]) }
        #expect(got == y)
        // Hand-checkable: 0.5·x rounds half up in SRDHM (−1.5 → −1, 1.5 → 2); RDBPOT rounds half away.
        #expect(nn_requantize(-3, 1 << 30, 0) == -1)
        #expect(nn_requantize(3, 1 << 30, 0) == 2)
        #expect(nn_requantize(-12, 1 << 30, -2) == -2)  // −6/4 = −1.5 → −2
        #expect(nn_requantize(10, 1 << 30, -2) == 1)    // 5/4 = 1.25 → 1
    }

    @Test func gruTablesMatchTheFormulas() throws {
        let c = try #require(KernelGolden.load("gru_tables").cases.first)
        let sigmoid = withUnsafeBytes(of: NN_SIGMOID_TABLE) { Array($0.bindMemory(to: Int16.self)) }
        let tanh = withUnsafeBytes(of: NN_TANH_TABLE) { Array($0.bindMemory(to: Int16.self)) }
        #expect(sigmoid == c.ints("sigmoid"))
        #expect(tanh == c.ints("tanh"))
        #expect(nn_sigmoid_s16(0) == 16384)
        #expect(nn_tanh_s16(0) == 0)
    }
}
