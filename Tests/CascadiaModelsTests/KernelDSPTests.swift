import CKernels
import Foundation
import Testing

/// The C DSP front end (`nn_dsp_features_f32`) against the numpy definition
/// (training/cascadia_train/dsp.py) within the tolerance of docs/dsp.md.
@Suite("Kernel DSP front end")
struct KernelDSPTests {
    final class Plan {
        let params: nn_dsp_params
        let plan: UnsafeMutableRawPointer
        let scratch: UnsafeMutableRawPointer
        let scratchBytes: Int32
        init(_ params: nn_dsp_params) throws {
            self.params = params
            var p = params
            let bytes = nn_dsp_plan_size(&p)
            plan = .allocate(byteCount: Int(max(bytes, 16)), alignment: 16)
            scratchBytes = nn_dsp_features_f32_get_buffer_size(&p)
            scratch = .allocate(byteCount: Int(max(scratchBytes, 16)), alignment: 16)
            try #require(nn_dsp_plan_init(&p, plan, bytes) == NN_OK)
        }
        deinit {
            plan.deallocate()
            scratch.deallocate()
        }
        func run(_ samples: [Float], intervals: Int32) -> (nn_status, [Float]) {
            var p = params
            var ctx = nn_context(isa: NN_ISA_REF, buf: scratch, size: scratchBytes)
            var inDims = nn_dims(t: intervals, l: params.samples, c: 1)
            var outDims = nn_dims(t: intervals, l: params.bins, c: 2)
            var out = [Float](repeating: .nan, count: Int(intervals * params.bins * 2))
            let status = nn_dsp_features_f32(&ctx, &p, plan, &inDims, samples, &outDims, &out)
            return (status, out)
        }
    }

    @Test func matchesNumpyVectors() throws {
        let file = try KernelGolden.load("dsp")
        #expect(file.cases.count >= 6)
        for c in file.cases {
            let p: [Int32] = c.ints("params"), d: [Int32] = c.ints("dims")
            let plan = try Plan(nn_dsp_params(samples: p[0], fft_size: p[1], bins: p[2], window: p[3]))
            let (status, got) = plan.run(c.floats("input_bits"), intervals: d[0])
            let want = c.floats("output_bits")
            #expect(status == NN_OK)
            let per = Int(p[2]) * 2
            for t in 0..<Int(d[0]) {
                let w = want[t * per..<(t + 1) * per], g = got[t * per..<(t + 1) * per]
                let peak = w.map { abs($0) }.max() ?? 0
                let err = zip(w, g).map { abs($0 - $1) }.max() ?? 0
                #expect(err <= 1e-5 * peak + 1e-12, "\(c.name) interval \(t): error \(err), peak \(peak)")
            }
        }
    }

    @Test func sineOnABinHasItsAmplitude() throws {
        // 100 Hz at 8 kHz, 0.2 s intervals (1600 samples, 5 Hz bins): bin 20, amplitude 0.25; DC removed.
        let plan = try Plan(nn_dsp_params(samples: 1600, fft_size: 1600, bins: 64, window: Int32(NN_DSP_WINDOW_HANN.rawValue)))
        let x = (0..<3200).map { Float(0.25 * sin(2 * Double.pi * 100 * Double($0) / 8000) + 0.5) }
        let (status, y) = plan.run(x, intervals: 2)
        #expect(status == NN_OK)
        for t in 0..<2 {
            let base = t * 128
            #expect(abs(hypot(Double(y[base + 40]), Double(y[base + 41])) - 0.25) < 1e-6)
            #expect(hypot(Double(y[base]), Double(y[base + 1])) < 1e-6)
            #expect(hypot(Double(y[base + 60]), Double(y[base + 61])) < 1e-6)
        }
    }

    @Test func rejectsMismatchedShapesAndSizes() throws {
        let plan = try Plan(nn_dsp_params(samples: 20, fft_size: 20, bins: 11, window: Int32(NN_DSP_WINDOW_HANN.rawValue)))
        var p = plan.params
        var ctx = nn_context(isa: NN_ISA_REF, buf: plan.scratch, size: plan.scratchBytes)
        var inDims = nn_dims(t: 10, l: 21, c: 1), outDims = nn_dims(t: 10, l: 11, c: 2)
        var out = [Float](repeating: 0, count: 220)
        #expect(nn_dsp_features_f32(&ctx, &p, plan.plan, &inDims, [Float](repeating: 0, count: 210), &outDims, &out)
            == NN_ERR_SHAPE)
        var tooMany = nn_dsp_params(samples: 20, fft_size: 20, bins: 12, window: 1)
        #expect(nn_dsp_plan_size(&tooMany) == 0)
        var prime = nn_dsp_params(samples: 67, fft_size: 67, bins: 3, window: 1)
        var mem = [UInt8](repeating: 0, count: 4096)
        #expect(nn_dsp_plan_init(&prime, &mem, 4096) == NN_ERR_ARGUMENT)
    }
}
