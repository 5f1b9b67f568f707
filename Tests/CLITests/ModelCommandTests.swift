import Foundation
import Testing

/// `cascadia model inspect`, run as a process on the committed test models.
@Suite struct ModelCommandTests {
    static let model = "Tests/CascadiaModelsTests/Golden/test_cnn_both.safetensors"

    @Test func inspectPrintsTheModel() throws {
        let result = try CLIHarness.run(["model", "inspect", Self.model])
        #expect(result.status == 0)
        let out = result.stdout
        #expect(out.contains("id: T1\n"))
        #expect(out.contains("labels: background, vehicle (hazard), footsteps (hazard)\n"))
        #expect(out.contains("thresholds: idk 0.5 "))
        #expect(out.contains("acoustic: 8000 Hz, 1600 samples per interval, fft 2048 points, 32 bins, hann window"))
        #expect(out.contains("graph (12 layers):"))
        // Weights 80 + 192 + 48 + 2560 + 48 int8, biases 8 + 8 + 8 + 16 + 3 int32 (hand count).
        #expect(out.contains("parameters: 2971 (3100 bytes)\n"))
        // conv 10·32·8·(5·2) + conv 10·7·8·(3·8) + conv 10·14·8·(3·2) + dense 160·16 + dense 16·3.
        #expect(out.contains("MACs per run: 48368\n"))
        #expect(out.contains(" fc2 "))
        #expect(out.contains("arena: "))
    }

    @Test func inspectRejectsACorruptFileWithOneLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-bad-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let valid = try Data(contentsOf: CLIHarness.repoRoot.appendingPathComponent(Self.model))
        try valid.prefix(100).write(to: URL(fileURLWithPath: path))
        let result = try CLIHarness.run(["model", "inspect", path])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "cascadia model: \(path): header length 5312 runs past the end of the 100-byte file (truncated?)\n")
    }

    @Test func usageErrors() throws {
        #expect(try CLIHarness.run(["model"]).status == 64)
        #expect(try CLIHarness.run(["model", "inspect"]).status == 64)
        #expect(try CLIHarness.run(["model", "explode", Self.model]).status == 64)
        let help = try CLIHarness.run(["model", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("usage: cascadia model inspect FILE"))
    }
}
