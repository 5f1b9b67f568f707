import Foundation
import Testing
@testable import CascadiaModels

@Suite struct FeatureExtractorTests {
    /// A sine of amplitude A exactly on bin k gives |X[k]| = A (dsp.py's normalization 2/Σw),
    /// and nothing far from k.
    @Test func sineOnABinHasItsAmplitude() throws {
        let modality = Modality(
            name: "seismic", rateHz: 100, input: "seismic",
            feature: .fft(fftSize: 20, bins: 11, window: "hann"), samplesPerInterval: 20)
        let dsp = try FeatureExtractor(key: FeatureKey(modality, intervals: 10))
        #expect(dsp.sampleCount == 200)
        #expect(dsp.featureCount == 10 * 11 * 2)
        // 15 Hz at 100 Hz with 20-point intervals: bin k = 15 / (100 / 20) = 3.
        let samples = (0..<200).map { Float(0.8 * sin(2 * Double.pi * 15 * Double($0) / 100)) }
        let features = samples.withUnsafeBufferPointer { Array(dsp.compute($0)) }
        for t in 0..<10 {
            func magnitude(_ k: Int) -> Double {
                let re = Double(features[(t * 11 + k) * 2]), im = Double(features[(t * 11 + k) * 2 + 1])
                return (re * re + im * im).squareRoot()
            }
            #expect(abs(magnitude(3) - 0.8) < 1e-4)
            #expect(magnitude(0) < 1e-4)
            #expect(magnitude(7) < 1e-4)
        }
    }

    @Test func rawPassesSamplesThrough() throws {
        let modality = Modality(name: "acoustic", rateHz: 50, input: "acoustic", feature: .raw, samplesPerInterval: 10)
        let dsp = try FeatureExtractor(key: FeatureKey(modality, intervals: 10))
        let samples = (0..<100).map { Float($0) * 0.5 }
        #expect(samples.withUnsafeBufferPointer { Array(dsp.compute($0)) } == samples)
    }

    /// The front end built from a model feeds that model: features → Expert runs to an answer.
    @Test func feedsTheModelItWasBuiltFrom() throws {
        let model = try ExpertModel(bytes: TestModels.deepSenseFile(), name: "ds")
        let expert = try Expert(model: model)
        for m in model.description.framing.modalities.indices {
            let dsp = try FeatureExtractor(model: model, modality: m)
            #expect(dsp.featureCount == expert.inputCount(modality: m))
            let samples = (0..<dsp.sampleCount).map { Float(sin(Double($0) * 0.37)) }
            samples.withUnsafeBufferPointer { expert.setFeatures(modality: m, dsp.compute($0)) }
        }
        guard case .answered = expert.run() else {
            Issue.record("no answer")
            return
        }
    }

    @Test func equalFramingsShareAKey() {
        let a = Modality(
            name: "seismic", rateHz: 100, input: "x", feature: .fft(fftSize: 32, bins: 16, window: "hann"),
            samplesPerInterval: 20)
        let b = Modality(
            name: "seismic", rateHz: 100, input: "y", feature: .fft(fftSize: 32, bins: 16, window: "hann"),
            samplesPerInterval: 20)
        let c = Modality(
            name: "seismic", rateHz: 100, input: "y", feature: .fft(fftSize: 32, bins: 12, window: "hann"),
            samplesPerInterval: 20)
        #expect(FeatureKey(a, intervals: 10) == FeatureKey(b, intervals: 10))
        #expect(FeatureKey(a, intervals: 10) != FeatureKey(c, intervals: 10))
        #expect(Set([FeatureKey(a, intervals: 10), FeatureKey(b, intervals: 10)]).count == 1)
    }
}
