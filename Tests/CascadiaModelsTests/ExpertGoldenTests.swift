import Foundation
import Testing
@testable import CascadiaModels

/// One end-to-end golden case: inputs per modality (int8, or float features) and expected outputs.
struct GoldenCase {
    var quantized: [String: [Int8]] = [:]
    var features: [String: [Float]] = [:]
    var logits: [Int8] = []
    var probabilities: [Int8] = []
}

/// A golden file (docs/model-format.md §9): generator line, model path, cases.
struct GoldenFile {
    let path: String
    let generator: String
    let model: String
    let cases: [GoldenCase]

    static func parse(_ text: String, path: String) throws -> GoldenFile {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let first = lines.first, first.hasPrefix("# generator: ") else {
            throw GoldenError("\(path): first line must be '# generator: …'")
        }
        lines.removeFirst()
        var model: String?
        var cases: [GoldenCase] = []
        for line in lines where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { throw GoldenError("\(path): bad line '\(line.prefix(40))'") }
            let key = line[..<colon].split(separator: " ").map(String.init)
            let values = line[line.index(after: colon)...].split(separator: " ").map(String.init)
            switch key.first {
            case "model": model = values.first
            case "case": cases.append(GoldenCase())
            case "input", "features", "logits", "probabilities":
                guard !cases.isEmpty else { throw GoldenError("\(path): data before 'case:'") }
                if key[0] == "features" {
                    let floats = values.compactMap(Float.init)
                    guard floats.count == values.count, key.count == 2 else { throw GoldenError("\(path): bad features line") }
                    cases[cases.count - 1].features[key[1]] = floats
                } else {
                    let ints = values.compactMap(Int8.init)
                    guard ints.count == values.count else { throw GoldenError("\(path): bad int8 values in '\(key[0])'") }
                    switch key[0] {
                    case "input":
                        guard key.count == 2 else { throw GoldenError("\(path): 'input' needs a modality name") }
                        cases[cases.count - 1].quantized[key[1]] = ints
                    case "logits": cases[cases.count - 1].logits = ints
                    default: cases[cases.count - 1].probabilities = ints
                    }
                }
            default: throw GoldenError("\(path): unknown key '\(key.first ?? "")'")
            }
        }
        guard let model else { throw GoldenError("\(path): no 'model:' line") }
        return GoldenFile(path: path, generator: String(first.dropFirst(13)), model: model, cases: cases)
    }
}

struct GoldenError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite struct ExpertGoldenTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let goldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var goldenFiles: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: goldenDir.path)) ?? []
        return names.filter { $0.hasSuffix(".golden.txt") }.sorted().map { goldenDir.appendingPathComponent($0) }
    }

    /// The committed test models are exactly what `TestModels` writes; set
    /// CASCADIA_WRITE_TEST_MODELS=1 to rewrite them (then regenerate their golden vectors).
    @Test(arguments: [("test_cnn_both.safetensors", 0), ("test_deepsense_both.safetensors", 1)])
    func committedTestModelsMatchTheWriter(_ name: String, _ which: Int) throws {
        let bytes = which == 0 ? TestModels.cnnBothFile() : TestModels.deepSenseFile()
        let url = Self.goldenDir.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CASCADIA_WRITE_TEST_MODELS"] == "1" {
            try Data(bytes).write(to: url)
        }
        let committed = try [UInt8](Data(contentsOf: url))
        #expect(committed == bytes)
    }

    @Test func atLeastOneGoldenFileCoversATestModel() throws {
        let files = try Self.goldenFiles.map { try GoldenFile.parse(String(contentsOf: $0, encoding: .utf8), path: $0.lastPathComponent) }
        #expect(files.contains { $0.model.hasPrefix("Tests/CascadiaModelsTests/Golden/") && !$0.cases.isEmpty })
    }

    @Test(arguments: goldenFiles)
    func matchesBitForBit(_ url: URL) throws {
        let golden = try GoldenFile.parse(String(contentsOf: url, encoding: .utf8), path: url.lastPathComponent)
        let expert = try Expert(path: Self.repoRoot.appendingPathComponent(golden.model).path)
        let modalities = expert.model.description.framing.modalities
        #expect(!golden.cases.isEmpty)
        for (n, c) in golden.cases.enumerated() {
            for (m, modality) in modalities.enumerated() {
                if let q = c.quantized[modality.name] {
                    try #require(q.count == expert.inputCount(modality: m), "\(url.lastPathComponent) case \(n) input \(modality.name)")
                    q.withUnsafeBufferPointer { expert.setQuantizedInput(modality: m, $0) }
                } else if let f = c.features[modality.name] {
                    try #require(f.count == expert.inputCount(modality: m), "\(url.lastPathComponent) case \(n) features \(modality.name)")
                    f.withUnsafeBufferPointer { expert.setFeatures(modality: m, $0) }
                } else {
                    Issue.record("\(url.lastPathComponent) case \(n): no input for modality \(modality.name)")
                }
            }
            guard case .answered = expert.run() else {
                Issue.record("\(url.lastPathComponent) case \(n): no answer")
                continue
            }
            #expect(Array(expert.logits) == c.logits, "\(url.lastPathComponent) case \(n) logits")
            #expect(Array(expert.quantizedProbabilities) == c.probabilities, "\(url.lastPathComponent) case \(n) probabilities")
        }
    }
}
