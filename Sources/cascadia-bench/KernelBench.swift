import CKernels

/// `cascadia-bench kernels`: throughput of the fixed-point kernels on representative expert shapes,
/// the portable `_ref` path against the optimized path `nn_isa_detect()` picks (docs/benchmarks.md).
enum KernelBench {
    struct Result {
        let name: String
        let macs: Int
        let refNanoseconds: Double
        let optNanoseconds: Double
    }

    /// Runs every kernel case and prints one table row per case.
    static func run(minimumSeconds: Double = 0.5) {
        let isa = nn_isa_detect()
        let scratchBytes = 1 << 22
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
        defer { scratch.deallocate() }
        var results: [Result] = []
        for bench in cases() {
            func time(_ path: nn_isa) -> Double {
                var ctx = nn_context(isa: path, buf: scratch, size: Int32(scratchBytes))
                precondition(bench.body(&ctx) == NN_OK, "\(bench.name) failed")
                return nanosecondsPerCall(minimumSeconds: minimumSeconds) { _ = bench.body(&ctx) }
            }
            results.append(Result(name: bench.name, macs: bench.macs, refNanoseconds: time(NN_ISA_REF),
                                  optNanoseconds: time(isa)))
        }
        let path = String(cString: nn_isa_name(isa))
        print("| kernel (shape) | MACs | ref µs | ref GMAC/s | \(path) µs | \(path) GMAC/s | speed-up |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in results {
            let refRate = Double(r.macs) / r.refNanoseconds, optRate = Double(r.macs) / r.optNanoseconds
            print("| \(r.name) | \(r.macs) | \(fmt(r.refNanoseconds / 1000)) | \(fmt(refRate)) | "
                + "\(fmt(r.optNanoseconds / 1000)) | \(fmt(optRate)) | \(fmt(r.refNanoseconds / r.optNanoseconds))× |")
        }
    }

    /// Nanoseconds per call of `body`: the best of 5 batches, each repeating the call for at least
    /// a fifth of `minimumSeconds` (the minimum is robust to other load on a shared machine).
    static func nanosecondsPerCall(minimumSeconds: Double, _ body: () -> Void) -> Double {
        body()
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<5 {
            var iterations = 0
            let start = clock.now
            var elapsed = Duration.zero
            repeat {
                body()
                iterations += 1
                elapsed = clock.now - start
            } while elapsed < .seconds(minimumSeconds / 5)
            let (s, atto) = elapsed.components
            best = min(best, (Double(s) * 1e9 + Double(atto) / 1e9) / Double(iterations))
        }
        return best
    }

    /// DSP front end: one window (10 intervals of 0.2 s) per modality framing.
    static func runDSP(minimumSeconds: Double = 0.5) {
        print("")
        print("| DSP features (10 intervals) | samples S | fft_size N | bins B | µs per window |")
        print("|---|---:|---:|---:|---:|")
        for (name, s, n, bins) in [("acoustic 8 kHz", 1600, 1600, 256), ("acoustic 8 kHz, N = 2048", 1600, 2048, 256),
                                   ("acoustic 16 kHz", 3200, 3200, 256), ("seismic 100 Hz", 20, 20, 11),
                                   ("seismic 200 Hz", 40, 40, 21)] {
            var p = nn_dsp_params(samples: Int32(s), fft_size: Int32(n), bins: Int32(bins), window: 1)
            let planBytes = nn_dsp_plan_size(&p), scratchBytes = nn_dsp_features_f32_get_buffer_size(&p)
            let plan = UnsafeMutableRawPointer.allocate(byteCount: Int(planBytes), alignment: 16)
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: Int(scratchBytes), alignment: 16)
            defer { plan.deallocate(); scratch.deallocate() }
            precondition(nn_dsp_plan_init(&p, plan, planBytes) == NN_OK)
            let x = bytes(10 * s, seed: 9).map { Float($0) / 128 }
            var out = [Float](repeating: 0, count: 10 * bins * 2)
            var ctx = nn_context(isa: NN_ISA_REF, buf: scratch, size: scratchBytes)
            var inDims = nn_dims(t: 10, l: Int32(s), c: 1), outDims = nn_dims(t: 10, l: Int32(bins), c: 2)
            let ns = nanosecondsPerCall(minimumSeconds: minimumSeconds) {
                precondition(nn_dsp_features_f32(&ctx, &p, plan, &inDims, x, &outDims, &out) == NN_OK)
            }
            print("| \(name) | \(s) | \(n) | \(bins) | \(fmt(ns / 1000)) |")
        }
    }

    private static func fmt(_ v: Double) -> String {
        let scaled = (v * 100).rounded() / 100
        return String(scaled)
    }

    struct Case {
        let name: String
        let macs: Int
        let body: (inout nn_context) -> nn_status
    }

    /// Deterministic pseudo-random int8 data.
    private static func bytes(_ n: Int, seed: UInt32) -> [Int8] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 1_664_525 &+ 1_013_904_223
            return Int8(truncatingIfNeeded: s >> 24)
        }
    }

    /// Buffers a case keeps alive (the kernels read them through raw pointers).
    final class Buffers {
        let input: UnsafeMutablePointer<Int8>, filter: UnsafeMutablePointer<Int8>
        let filter2: UnsafeMutablePointer<Int8>, output: UnsafeMutablePointer<Int8>
        let bias: UnsafeMutablePointer<Int32>, mult: UnsafeMutablePointer<Int32>
        let shift: UnsafeMutablePointer<Int32>, state: UnsafeMutablePointer<Int16>
        init(input: Int, filter: Int, filter2: Int = 1, output: Int, channels: Int) {
            func fill(_ n: Int, _ seed: UInt32) -> UnsafeMutablePointer<Int8> {
                let p = UnsafeMutablePointer<Int8>.allocate(capacity: n)
                p.initialize(from: bytes(n, seed: seed), count: n)
                return p
            }
            self.input = fill(input, 1)
            self.filter = fill(filter, 2)
            self.filter2 = fill(filter2, 3)
            self.output = .allocate(capacity: output)
            bias = .allocate(capacity: channels)
            bias.initialize(repeating: 1000, count: channels)
            mult = .allocate(capacity: channels)
            mult.initialize(repeating: 1_518_500_250, count: channels)
            shift = .allocate(capacity: channels)
            shift.initialize(repeating: -9, count: channels)
            state = .allocate(capacity: 512)
            state.initialize(repeating: 0, count: 512)
        }
        deinit {
            for p in [input, filter, filter2, output] { p.deallocate() }
            for p in [bias, mult, shift] { p.deallocate() }
            state.deallocate()
        }
    }

    static func conv(_ t: Int32, _ l: Int32, _ cin: Int32, _ cout: Int32, _ k: Int32, stride: Int32 = 1) -> Case {
        let pad = (k - 1) / 2
        let lOut = nn_conv1d_output_length(l, k, stride, 1, pad, pad)
        let b = Buffers(input: Int(t * l * cin), filter: Int(cout * k * cin), output: Int(t * lOut * cout),
                        channels: Int(cout))
        var params = nn_conv_params(input_zero_point: 3, output_zero_point: -5, stride: stride, dilation: 1,
                                    pad_left: pad, pad_right: pad, act_min: -5, act_max: 127)
        var q = nn_per_channel_quant(multiplier: b.mult, shift: b.shift)
        var inDims = nn_dims(t: t, l: l, c: cin), outDims = nn_dims(t: t, l: lOut, c: cout)
        var fd = nn_filter_dims(out_ch: cout, kernel: k, in_ch: cin)
        return Case(name: "conv1d [\(t),\(l),\(cin)] k\(k) s\(stride) → \(cout)",
                    macs: Int(t * lOut * cout * k * cin)) { ctx in
            nn_conv1d_s8(&ctx, &params, &q, &inDims, b.input, &fd, b.filter, b.bias, &outDims, b.output)
        }
    }

    static func dense(_ cin: Int32, _ cout: Int32) -> Case {
        let b = Buffers(input: Int(cin), filter: Int(cout * cin), output: Int(cout), channels: Int(cout))
        var params = nn_dense_params(input_zero_point: -7, output_zero_point: 2, act_min: -128, act_max: 127)
        var q = nn_per_channel_quant(multiplier: b.mult, shift: b.shift)
        var inDims = nn_dims(t: 1, l: 1, c: cin), outDims = nn_dims(t: 1, l: 1, c: cout)
        var fd = nn_filter_dims(out_ch: cout, kernel: 1, in_ch: cin)
        return Case(name: "dense \(cin) → \(cout)", macs: Int(cin * cout)) { ctx in
            nn_dense_s8(&ctx, &params, &q, &inDims, b.input, &fd, b.filter, b.bias, &outDims, b.output)
        }
    }

    static func gru(_ t: Int32, _ d: Int32, _ h: Int32) -> Case {
        let b = Buffers(input: Int(t * d), filter: Int(3 * h * d), filter2: Int(3 * h * h), output: Int(t * h),
                        channels: Int(3 * h))
        var params = nn_gru_params(input_zero_point: 0, output_zero_point: 0,
                                   output: nn_requant(multiplier: 1 << 30, shift: -7))
        var q = nn_gru_quant(input_multiplier: b.mult, input_shift: b.shift, hidden_multiplier: b.mult,
                             hidden_shift: b.shift)
        var inDims = nn_dims(t: t, l: 1, c: d), outDims = nn_dims(t: t, l: 1, c: h)
        var wi = nn_filter_dims(out_ch: 3 * h, kernel: 1, in_ch: d), wh = nn_filter_dims(out_ch: 3 * h, kernel: 1, in_ch: h)
        return Case(name: "gru T\(t) D\(d) H\(h)", macs: Int(t * 3 * h * (d + h))) { ctx in
            b.state.update(repeating: 0, count: Int(h))
            return nn_gru_s8_s16(&ctx, &params, &q, &inDims, b.input, &wi, b.filter, &wh, b.filter2, b.bias, b.bias,
                                 b.state, &outDims, b.output)
        }
    }

    /// DeepSense/CNN-like shapes: acoustic spectra [10 intervals, 256 bins, re/im], seismic
    /// [10, 16, 2], merged features, a 2-layer GRU with H = 64, dense heads.
    static func cases() -> [Case] {
        [
            conv(10, 256, 2, 32, 5, stride: 2), conv(10, 128, 32, 32, 5), conv(10, 16, 2, 16, 3),
            conv(1, 2000, 1, 16, 9, stride: 4), conv(1, 500, 16, 32, 5),
            dense(2560, 64), dense(512, 128), dense(64, 3),
            gru(10, 512, 64), gru(10, 64, 64),
        ]
    }
}
