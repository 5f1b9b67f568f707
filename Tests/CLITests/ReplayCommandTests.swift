import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Files for a replay: a generated acoustic recording (8 kHz, 16-bit WAV) with labels, plans made by
/// `cascadia plan` from small profiles over the two shipped acoustic-only experts (C, F), and the
/// shipped model files.
struct ReplayFixture {
    let directory: URL
    var recording: URL { directory.appendingPathComponent("rec") }
    var models: String { CLIHarness.repoRoot.appendingPathComponent("models").path }

    init(seconds: Int = 6) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: recording, withIntermediateDirectories: true)
        try Self.writeWAV(recording.appendingPathComponent("acoustic.wav").path, samples: Self.signal(seconds: seconds))
        // 0–2.5 s background, then a car: windows 0 and 1 are mostly background, later ones car.
        try "start_s,end_s,class\n0,2.5,background\n2.5,\(seconds),car\n"
            .write(to: recording.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A deterministic engine-like tone with noise, 8 kHz int16.
    static func signal(seconds: Int) -> [Int16] {
        var state: UInt64 = 12345
        return (0..<(seconds * 8000)).map { n in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(Int64(bitPattern: state >> 11) % 2000) - 1000
            let t = Double(n) / 8000
            let tone = 4000 * sin(2 * .pi * 90 * t) + 2000 * sin(2 * .pi * 180 * t)
            return Int16(max(-32768, min(32767, (tone + noise).rounded())))
        }
    }

    static func writeWAV(_ path: String, samples: [Int16], rateHz: UInt32 = 8000) throws {
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = UInt32(samples.count * 2)
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes)
        data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1); u32(rateHz); u32(rateHz * 2); u16(2); u16(16)
        data.append(contentsOf: Array("data".utf8)); u32(bytes)
        for s in samples { u16(UInt16(bitPattern: s)) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Hazard plan (adaptive): stage F (lowest FP), escape of ∅ = C (lowest WCET meeting the FN
    /// bound); L = `budgetMs`.
    func hazardPlan(budgetMs: Int = 300) throws -> String {
        let profile = path("hazard-profile.json")
        try """
            {"kind": "hazard",
             "experts": [{"id": "C", "name": "deepsense_acoustic", "wcet_ms": 100, "tcet_ms": 2},
                         {"id": "F", "name": "cnn_acoustic", "wcet_ms": 150, "tcet_ms": 1}],
             "subsets": [{"experts": "", "fp": 0, "fn": 1}, {"experts": "C", "fp": 0.5, "fn": 0.05},
                         {"experts": "F", "fp": 0.1, "fn": 0.05}, {"experts": "C+F", "fp": 0.55, "fn": 0.01}]}
            """.write(toFile: profile, atomically: true, encoding: .utf8)
        let plan = path("hazard-plan.json")
        let result = try CLIHarness.run([
            "plan", "hazard", "--profile", profile, "--max-fn", "0.1", "--budget-ms", String(budgetMs),
            "--policy", "adaptive", "--format", "json", "--out", plan,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return plan
    }

    /// IDK plan: F then C.
    func idkPlan() throws -> String {
        let profile = path("idk-profile.json")
        try """
            {"kind": "idk",
             "experts": [{"id": "C", "name": "deepsense_acoustic", "time_ms": 2, "wcet_ms": 20},
                         {"id": "F", "name": "cnn_acoustic", "time_ms": 1, "wcet_ms": 10}],
             "counts": {"": 10, "C": 30, "F": 20, "C+F": 40}}
            """.write(toFile: profile, atomically: true, encoding: .utf8)
        let plan = path("idk-plan.json")
        let result = try CLIHarness.run([
            "plan", "idk", "--profile", profile, "--min-success", "0.8", "--format", "json", "--out", plan,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return plan
    }
}

private func jsonObjects(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

@Suite struct ReplayCommandTests {
    @Test func idkReplayWritesOneLinePerWindowAndASummary() throws {
        let f = try ReplayFixture(seconds: 6)
        defer { f.remove() }
        let plan = try f.idkPlan()
        let r = try CLIHarness.run(["replay", f.recording.path, "--plan", plan, "--models", f.models, "--summary", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try jsonObjects(r.stdout)
        #expect(lines.count == 5)  // 6 s, window 2 s, hop 1 s
        #expect(lines.map { $0["window"] as? Int } == [0, 1, 2, 3, 4])
        for line in lines {
            #expect(["class", "idk"].contains(line["decision"] as? String))
            #expect((line["experts"] as? [Any])?.isEmpty == false)
            #expect(line["deadline_met"] as? Bool == true)
        }
        #expect(lines.map { $0["label"] as? String } == ["background", "background", "car", "car", "car"])
        let summaryLine = try #require(r.stderr.split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Any])
        #expect(summary["windows"] as? Int == 5)
        #expect(summary["labelled"] as? Int == 5)
        #expect(summary["deadline_misses"] as? Int == 0)
        let accuracy = try #require(summary["accuracy"] as? Double)
        let correct = lines.filter { $0["class"] as? String == $0["label"] as? String && $0["decision"] as? String == "class" }
        #expect(abs(accuracy - Double(correct.count) / 5) < 1e-9)
        let confusion = try #require(summary["confusion"] as? [String: Any])
        let counts = try #require(confusion["counts"] as? [[Int]])
        #expect(counts.joined().reduce(0, +) == 5)
        let expected = try #require(summary["expected_ms"] as? [String: Any])
        #expect((expected["measured"] as? Double ?? 0) > 0)
        #expect(expected["predicted"] as? Double != nil)
        let latency = try #require(summary["latency_ms"] as? [String: Any])
        #expect(Set(latency.keys) == ["mean", "p50", "p99", "max"])
    }

    @Test func outFileGetsTheLinesAndStdoutTheTextSummary() throws {
        let f = try ReplayFixture(seconds: 4)
        defer { f.remove() }
        let plan = try f.hazardPlan()
        let out = f.path("out.jsonl")
        let r = try CLIHarness.run(["replay", f.recording.path, "--plan", plan, "--models", f.models, "--out", out, "--fast"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try jsonObjects(try String(contentsOfFile: out, encoding: .utf8))
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { ["hazard", "clear"].contains($0["decision"] as? String) })
        #expect(r.stdout.contains("windows            3"))
        #expect(r.stdout.contains("deadline misses    0"))
        #expect(r.stdout.contains("accuracy"))
    }

    @Test func severalDirectoriesReplayInTurnThenAnOverviewTable() throws {
        let f = try ReplayFixture(seconds: 4)
        defer { f.remove() }
        let second = f.path("rec2")
        try FileManager.default.copyItem(atPath: f.recording.path, toPath: second)
        let plan = try f.idkPlan()
        let r = try CLIHarness.run(["replay", f.recording.path, second, "--plan", plan, "--models", f.models, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = r.stdout
        #expect(text.components(separatedBy: "windows            3").count == 3)  // one summary each
        let overview = try #require(text.components(separatedBy: "== all recordings").last)
        let rows = overview.split(separator: "\n").dropFirst(2)  // title rest, header
        #expect(rows.count == 2)
        #expect(rows.first?.hasPrefix(f.recording.path) == true)
        #expect(rows.last?.hasPrefix(second) == true)
        #expect(rows.allSatisfy { $0.split(separator: " ")[1] == "3" })  // windows column
    }

    @Test func injectedOverrunIsEscapedWithinTheBudget() throws {
        let f = try ReplayFixture(seconds: 4)
        defer { f.remove() }
        // WCETs are generous (C 100 ms for a run of a few ms, debug build) so a loaded machine
        // cannot make the escape expert itself overrun.
        let plan = try f.hazardPlan(budgetMs: 300)
        // F overruns by 1 s, over three times the budget: it is cut at L − WCET(C) and C decides.
        let r = try CLIHarness.run([
            "replay", f.recording.path, "--plan", plan, "--models", f.models, "--inject-delay", "F:1000", "--summary", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try jsonObjects(r.stdout)
        #expect(lines.count == 3)
        for line in lines {
            #expect(line["escape"] as? Bool == true)
            #expect(line["deadline_met"] as? Bool == true)
            #expect((line["total_ms"] as? Double ?? 1e9) <= 300)
            let experts = try #require(line["experts"] as? [[String: Any]])
            #expect(experts.first?["expert"] as? String == "F")
            #expect(experts.first?["answer"] as? String == "cancelled")
            #expect(experts.last?["expert"] as? String == "C")
            #expect(experts.last?["phase"] as? String == "escape")
        }
        #expect(r.stderr.contains("\"deadline_misses\":0"))
        #expect(r.stderr.contains("\"escapes\":3"))
    }

    @Test func withoutEscapeTheInjectedOverrunMisses() throws {
        let f = try ReplayFixture(seconds: 4)
        defer { f.remove() }
        let plan = try f.hazardPlan(budgetMs: 300)
        let r = try CLIHarness.run([
            "replay", f.recording.path, "--plan", plan, "--models", f.models, "--inject-delay", "F:1000", "--no-escape",
            "--summary", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try jsonObjects(r.stdout)
        #expect(lines.count == 3)
        for line in lines {
            #expect(line["escape"] as? Bool == false)
            #expect(line["deadline_met"] as? Bool == false)
            #expect((line["total_ms"] as? Double ?? 0) >= 1000)
        }
        #expect(r.stderr.contains("\"deadline_misses\":3"))
    }

    @Test func sigtermMidReplayFinishesTheWindowFlushesAndExitsZero() throws {
        let f = try ReplayFixture(seconds: 40)
        defer { f.remove() }
        let plan = try f.idkPlan()
        let process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = ["replay", f.recording.path, "--plan", plan, "--models", f.models, "--speed", "1", "--summary", "json"]
        process.currentDirectoryURL = CLIHarness.repoRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait for the first JSON line (window 0 needs 2 s of paced audio), then SIGTERM.
        var received = Data()
        while !received.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            received.append(chunk)
        }
        kill(process.processIdentifier, SIGTERM)
        received.append(out.fileHandleForReading.readDataToEndOfFile())
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "\(errText)")
        let lines = try jsonObjects(String(decoding: received, as: UTF8.self))
        #expect(lines.count >= 1 && lines.count < 39)  // stopped long before the 39 windows of 40 s
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(errText.utf8)) as? [String: Any])
        #expect(summary["windows"] as? Int == lines.count)  // every processed window was written
    }

    @Test func badInputsExitWithTheirCodes() throws {
        let f = try ReplayFixture(seconds: 3)
        defer { f.remove() }
        let plan = try f.idkPlan()
        let rec = f.recording.path
        func status(_ arguments: [String]) throws -> (Int32, String) {
            let r = try CLIHarness.run(["replay"] + arguments)
            return (r.status, r.stderr)
        }
        // Usage.
        #expect(try status([rec, "--models", f.models]).0 == 64)
        #expect(try status(["--plan", plan]).0 == 64)
        #expect(try status([rec, "--plan", plan, "--speed", "0"]).0 == 64)
        #expect(try status([rec, "--plan", plan, "--models", f.models, "--inject-delay", "Z:5"]).0 == 64)
        // Plan: missing (69), not a plan (65).
        #expect(try status([rec, "--plan", f.path("nope.json"), "--models", f.models]).0 == 69)
        let garbage = f.path("garbage.json")
        try "{\"kind\": 3".write(toFile: garbage, atomically: true, encoding: .utf8)
        let (planCode, planMessage) = try status([rec, "--plan", garbage, "--models", f.models])
        #expect(planCode == 65)
        #expect(planMessage.contains("garbage.json"))
        #expect(planMessage.split(separator: "\n").count == 1)
        // Models: directory missing (69), id missing (69), corrupt file (65), name mismatch (78).
        #expect(try status([rec, "--plan", plan, "--models", f.path("no-models")]).0 == 69)
        let emptyModels = f.path("empty-models")
        try FileManager.default.createDirectory(atPath: emptyModels, withIntermediateDirectories: true)
        #expect(try status([rec, "--plan", plan, "--models", emptyModels]).0 == 69)
        let badModels = f.path("bad-models")
        try FileManager.default.createDirectory(atPath: badModels, withIntermediateDirectories: true)
        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: badModels + "/C_broken.safetensors"))
        let (modelCode, modelMessage) = try status([rec, "--plan", plan, "--models", badModels])
        #expect(modelCode == 65)
        #expect(modelMessage.contains("C_broken.safetensors"))
        let renamed = f.path("renamed-plan.json")
        try String(contentsOfFile: plan, encoding: .utf8).replacingOccurrences(of: "\"cnn_acoustic\"", with: "\"other\"")
            .write(toFile: renamed, atomically: true, encoding: .utf8)
        #expect(try status([rec, "--plan", renamed, "--models", f.models]).0 == 78)
        // Recordings: missing path, truncated WAV, label with an unknown class (all 65).
        #expect(try status([f.path("missing"), "--plan", plan, "--models", f.models]).0 == 65)
        let truncated = f.path("truncated.wav")
        var bytes = try Data(contentsOf: f.recording.appendingPathComponent("acoustic.wav"))
        bytes.removeLast(1001)
        try bytes.write(to: URL(fileURLWithPath: truncated))
        let (wavCode, wavMessage) = try status([truncated, "--plan", plan, "--models", f.models])
        #expect(wavCode == 65)
        #expect(wavMessage.contains("truncated.wav"))
        try "start_s,end_s,class\n0,3,unicorn\n".write(
            to: f.recording.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let (labelCode, labelMessage) = try status([rec, "--plan", plan, "--models", f.models])
        #expect(labelCode == 65)
        #expect(labelMessage.contains("unicorn"))
        // A plan with a seismic expert over an acoustic-only recording (65, naming the modality).
        let seismic = f.path("seismic-plan.json")
        try String(contentsOfFile: plan, encoding: .utf8).replacingOccurrences(of: "\"cnn_acoustic\"", with: "\"cnn_seismic\"")
            .replacingOccurrences(of: "\"F\"", with: "\"G\"").write(toFile: seismic, atomically: true, encoding: .utf8)
        try "start_s,end_s,class\n0,3,car\n".write(
            to: f.recording.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let (streamCode, streamMessage) = try status([rec, "--plan", seismic, "--models", f.models])
        #expect(streamCode == 65)
        #expect(streamMessage.contains("no seismic stream"))
    }
}
