import CKernels
import CascadiaCore
import Testing

/// Deterministic (SplitMix64) so every run draws the same shapes.
struct KernelRandom {
    var source: SplitMix64
    init(state: UInt64) { source = SplitMix64(seed: state) }
    mutating func next() -> UInt64 { source.next() }
    mutating func int(_ range: ClosedRange<Int32>) -> Int32 {
        range.lowerBound + Int32(truncatingIfNeeded: next() % UInt64(Int64(range.upperBound) - Int64(range.lowerBound) + 1))
    }
    mutating func int8s(_ count: Int, _ range: ClosedRange<Int32> = -128...127) -> [Int8] {
        (0..<count).map { _ in Int8(int(range)) }
    }
}

/// The optimized path (`nn_isa_detect()`: AVX2 here on x86-64) against `_ref`, bit for bit, on
/// randomized shapes with odd sizes and SIMD tails. (The C harness in tests/c runs the same
/// comparison for every kernel, natively and for aarch64 NEON under qemu.)
@Suite("Kernel optimized path equals _ref")
struct KernelPathTests {
    let scratch = KernelScratch()

    @Test func detectedPathIsSIMDOnThisMachine() {
        let isa = nn_isa_detect()
        #if arch(arm64)
        #expect(isa == NN_ISA_NEON)
        #else
        // x86-64 CI machines have AVX2; a CPU without it legitimately reports "ref".
        #expect(isa == NN_ISA_AVX2 || isa == NN_ISA_REF)
        #endif
        #expect(String(cString: nn_isa_name(isa)).count >= 3)
    }

    @Test func conv1dRandomShapes() {
        var rng = KernelRandom(state: 1)
        for _ in 0..<60 {
            let k = rng.int(1...9), dil = rng.int(1...3), stride = rng.int(1...3)
            let cin = rng.int(1...37), cout = rng.int(1...21), len = rng.int(1...50) + dil * (k - 1)
            let pl = rng.int(0...(dil * (k - 1))), pr = rng.int(0...(dil * (k - 1)))
            let lOut = nn_conv1d_output_length(len, k, stride, dil, pl, pr)
            var inDims = nn_dims(t: rng.int(1...3), l: len, c: cin), outDims = nn_dims(t: inDims.t, l: lOut, c: cout)
            var fd = nn_filter_dims(out_ch: cout, kernel: k, in_ch: cin)
            let zo = rng.int(-128...127)
            var params = nn_conv_params(input_zero_point: rng.int(-128...127), output_zero_point: zo, stride: stride,
                                        dilation: dil, pad_left: pl, pad_right: pr, act_min: max(-128, zo), act_max: 127)
            let input = rng.int8s(Int(inDims.t * len * cin)), filter = rng.int8s(Int(cout * k * cin))
            let bias = (0..<cout).map { _ in rng.int(-30000...30000) }
            let mult = (0..<cout).map { _ in rng.int((1 << 30)...Int32.max) }
            let shift = (0..<cout).map { _ in rng.int(-14...(-4)) }
            let n = Int(outDims.t * lOut * cout)
            var fast = [Int8](repeating: 1, count: n), ref = [Int8](repeating: 2, count: n)
            var ctx = scratch.context(nn_isa_detect())
            let (a, b) = mult.withUnsafeBufferPointer { m in
                shift.withUnsafeBufferPointer { s in
                    var q = nn_per_channel_quant(multiplier: m.baseAddress, shift: s.baseAddress)
                    return (nn_conv1d_s8(&ctx, &params, &q, &inDims, input, &fd, filter, bias, &outDims, &fast),
                            nn_conv1d_s8_ref(&ctx, &params, &q, &inDims, input, &fd, filter, bias, &outDims, &ref))
                }
            }
            #expect(a == NN_OK && b == NN_OK)
            #expect(fast == ref, "k=\(k) dil=\(dil) stride=\(stride) cin=\(cin) cout=\(cout) len=\(len)")
        }
    }

    @Test func denseRandomShapes() {
        var rng = KernelRandom(state: 2)
        for _ in 0..<60 {
            let cin = rng.int(1...700), cout = rng.int(1...19)
            var inDims = nn_dims(t: 1, l: rng.int(1...2), c: cin), outDims = nn_dims(t: 1, l: inDims.l, c: cout)
            var fd = nn_filter_dims(out_ch: cout, kernel: 1, in_ch: cin)
            var params = nn_dense_params(input_zero_point: rng.int(-128...127), output_zero_point: rng.int(-128...127),
                                         act_min: -128, act_max: 127)
            let input = rng.int8s(Int(inDims.l * cin)), filter = rng.int8s(Int(cout * cin))
            let bias = (0..<cout).map { _ in rng.int(-90000...90000) }
            let mult = (0..<cout).map { _ in rng.int((1 << 30)...Int32.max) }
            let shift = (0..<cout).map { _ in rng.int(-18...(-6)) }
            let n = Int(inDims.l * cout)
            var fast = [Int8](repeating: 1, count: n), ref = [Int8](repeating: 2, count: n)
            var ctx = scratch.context(nn_isa_detect())
            let (a, b) = mult.withUnsafeBufferPointer { m in
                shift.withUnsafeBufferPointer { s in
                    var q = nn_per_channel_quant(multiplier: m.baseAddress, shift: s.baseAddress)
                    return (nn_dense_s8(&ctx, &params, &q, &inDims, input, &fd, filter, bias, &outDims, &fast),
                            nn_dense_s8_ref(&ctx, &params, &q, &inDims, input, &fd, filter, bias, &outDims, &ref))
                }
            }
            #expect(a == NN_OK && b == NN_OK)
            #expect(fast == ref, "cin=\(cin) cout=\(cout)")
        }
    }

    @Test func addRandomParameters() {
        var rng = KernelRandom(state: 3)
        for _ in 0..<80 {
            var d = nn_dims(t: 1, l: rng.int(1...30), c: rng.int(1...17))
            let n = Int(d.l * d.c)
            var params = nn_add_params(
                input1_zero_point: rng.int(-128...127), input2_zero_point: rng.int(-128...127),
                output_zero_point: rng.int(-128...127), left_shift: rng.int(0...20),
                input1: nn_requant(multiplier: rng.int(0...Int32.max), shift: rng.int(-31...0)),
                input2: nn_requant(multiplier: rng.int(0...Int32.max), shift: rng.int(-31...0)),
                output: nn_requant(multiplier: rng.int(0...Int32.max), shift: rng.int(-31...30)),
                act_min: rng.int(-128...0), act_max: rng.int(0...127))
            let a = rng.int8s(n), b = rng.int8s(n)
            var fast = [Int8](repeating: 1, count: n), ref = [Int8](repeating: 2, count: n)
            var ctx = scratch.context(nn_isa_detect())
            #expect(nn_add_s8(&ctx, &params, &d, a, &d, b, &d, &fast) == NN_OK)
            #expect(nn_add_s8_ref(&ctx, &params, &d, a, &d, b, &d, &ref) == NN_OK)
            #expect(fast == ref)
        }
    }

    @Test func rejectsBadArgumentsWithoutWriting() {
        var params = nn_conv_params(input_zero_point: 0, output_zero_point: 0, stride: 0, dilation: 1,
                                    pad_left: 0, pad_right: 0, act_min: -128, act_max: 127)
        var inDims = nn_dims(t: 1, l: 8, c: 1), outDims = nn_dims(t: 1, l: 8, c: 1)
        var fd = nn_filter_dims(out_ch: 1, kernel: 1, in_ch: 1)
        let mult: [Int32] = [1 << 30], shift: [Int32] = [0]
        var out = [Int8](repeating: 7, count: 8)
        var ctx = scratch.context(nn_isa_detect())
        let status = mult.withUnsafeBufferPointer { m in
            shift.withUnsafeBufferPointer { s in
                var q = nn_per_channel_quant(multiplier: m.baseAddress, shift: s.baseAddress)
                return nn_conv1d_s8(&ctx, &params, &q, &inDims, [Int8](repeating: 3, count: 8), &fd, [1], nil,
                                    &outDims, &out)
            }
        }
        #expect(status == NN_ERR_ARGUMENT)
        #expect(out == [Int8](repeating: 7, count: 8))
        #expect(String(cString: nn_status_string(status)) == "argument out of range")
    }
}
