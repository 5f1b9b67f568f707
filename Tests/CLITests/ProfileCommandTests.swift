import CascadiaCore
import Foundation
import Testing

/// Renders an SVG file to PNG with rsvg-convert (Debian librsvg2-bin) when it is installed.
enum SVGCheck {
    static let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// PNG bytes of the rendered file, or nil when rsvg-convert fails.
    static func render(_ svgPath: String) throws -> Data? {
        let png = svgPath + ".png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rsvg!)
        process.arguments = ["-o", png, svgPath]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: png) }
        return process.terminationStatus == 0 ? FileManager.default.contents(atPath: png) : nil
    }

    /// True for a PNG (signature) of more than `bytes` bytes: axes, text and lines, not a blank page.
    static func nonTrivialPNG(_ data: Data?, bytes: Int = 8000) -> Bool {
        guard let data else { return false }
        return data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > bytes
    }
}

/// `cascadia profile` run as a built binary on the shipped models and recordings (few runs).
@Suite struct ProfileCommandTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cascadia-profile-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let shipped = FileManager.default.fileExists(
        atPath: CLIHarness.repoRoot.appendingPathComponent("recordings/rapid/labels.csv").path)

    @Test(.enabled(if: shipped, "shipped recordings/ and models/ not present"))
    func profileThenPlanEndToEnd() throws {
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLIHarness.run([
            "profile", "--experts", "E,G,D", "--recordings", "recordings/rapid", "--runs", "20", "--warmup", "2",
            "--board", "test-board", "--out", out, "--plots", out,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Execution time per expert") && r.stdout.contains("median=TCET"))
        #expect(r.stdout.contains("Behaviour on 124 labelled windows"))  // 125 s: windows at 0…123 s
        #expect(r.stdout.contains("Execution-time correlation") && r.stdout.contains("Behaviour correlation: success"))
        // Not a terminal: plain progress lines, no carriage returns.
        #expect(r.stderr.contains("profile: timing done: 20 rounds × 3 experts") && !r.stderr.contains("\r"))
        for file in ["profile.json", "idk-profile.json", "profile.tsv", "timing.tsv", "latency-cdf.svg"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        let profile = try HazardProfile(
            data: try Data(contentsOf: URL(fileURLWithPath: out + "/profile.json")), file: "p")
        #expect(profile.experts.map(\.id) == ["E", "G", "D"] && profile.timesAreAdditive)
        #expect(profile.source?.contains("on test-board") == true)
        // The planner reads every profile written, unchanged.
        for (kind, file, extra) in [
            ("hazard", "profile.json", ["--max-fn", "0.5", "--budget-ms", "1000"]),
            ("hazard", "profile.tsv", ["--max-fn", "0.5", "--budget-ms", "1000", "--policy", "adaptive"]),
            ("idk", "idk-profile.json", ["--min-success", "0.1"]), ("idk", "profile.tsv", ["--min-success", "0.1"]),
            ("pareto", "profile.json", ["--max-fn", "0.5"]),
        ] {
            let plan = try CLIHarness.run(["plan", kind, "--profile", out + "/" + file] + extra)
            #expect(plan.status == 0, "plan \(kind) \(file): \(plan.stderr)")
        }
        if SVGCheck.rsvg != nil {
            #expect(SVGCheck.nonTrivialPNG(try SVGCheck.render(out + "/latency-cdf.svg")))
        }
    }

    @Test(.enabled(if: shipped, "shipped recordings/ and models/ not present"))
    func unlabelledRecordingsNeedTimingOnly() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for file in ["acoustic.flac", "seismic.mseed"] {
            try FileManager.default.copyItem(
                atPath: CLIHarness.repoRoot.appendingPathComponent("recordings/rapid/" + file).path,
                toPath: dir + "/" + file)
        }
        let r = try CLIHarness.run(["profile", "--experts", "G", "--recordings", dir, "--runs", "3"])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("cascadia profile: \(dir): no labels") && r.stderr.hasSuffix("--timing-only\n"))
        #expect(r.stderr.split(separator: "\n").count == 1, "one line")
        let timing = try CLIHarness.run([
            "profile", "--experts", "G", "--recordings", dir, "--runs", "3", "--timing-only", "--out", dir + "/out",
        ])
        #expect(timing.status == 0, "\(timing.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out") == ["timing.tsv"])
        #expect(!timing.stdout.contains("Behaviour"))
    }

    @Test func usageAndEnvironmentErrors() throws {
        for (arguments, code, message) in [
            (["--runs", "0"], Int32(64), "--runs: '0' is not an integer ≥ 1"),
            (["--frobnicate", "1"], 64, "unknown option --frobnicate"),
            (["--stress=yes"], 64, "--stress takes no value"),
            (["--runs", "3", "--runs", "4"], 64, "--runs given twice"),
            (["--wcet-margin", "0.5"], 64, "--wcet-margin: '0.5' is not a number ≥ 1"),
            (["--models", "/nonexistent"], 65, "/nonexistent: cannot list the models directory"),
            (
                ["--models", "Tests/CascadiaModelsTests/Golden", "--experts", "Z"], 64,
                "--experts: no model with id or name 'Z'"
            ),
            (
                ["--models", "Tests/CascadiaModelsTests/Golden", "--recordings", "/nonexistent"], 65,
                "/nonexistent: no such recordings directory"
            ),
        ] {
            let r = try CLIHarness.run(["profile"] + arguments)
            #expect(r.status == code, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        let help = try CLIHarness.run(["profile", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--timing-only"))
        let top = try CLIHarness.run(["--help"])
        #expect(top.stdout.contains("  profile "))
    }

    /// On a terminal the progress is a redrawn bar: run under util-linux `script`, which gives the
    /// command a pseudo-terminal.
    @Test(.enabled(if: shipped && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) and the shipped data"))
    func progressBarOnATerminal() throws {
        let command = [CLIHarness.binary.path, "profile", "--experts", "G", "--recordings", "recordings/rapid", "--runs", "40", "--timing-only"]
        let r = try CLIHarness.run(["-qec", command.joined(separator: " "), "/dev/null"], executable: "/usr/bin/script")
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("\rtiming     [") && r.stdout.contains("] 40/50") && r.stdout.contains("[#"))
        #expect(r.stdout.contains("\r\u{1B}[Kprofile: timing done: 40 rounds × 1 experts"))
    }

    @Test(.enabled(if: shipped, "shipped recordings/ and models/ not present"))
    func unusableCPUIsUnavailable() throws {
        let r = try CLIHarness.run([
            "profile", "--experts", "G", "--recordings", "recordings/rapid", "--runs", "1", "--timing-only", "--cpu",
            "1000",
        ])
        #expect(r.status == 69)
        #expect(r.stderr.contains("--cpu 1000: sched_setaffinity failed"))
    }
}
