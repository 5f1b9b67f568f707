import CascadiaCore
import Foundation
import Testing

/// `cascadia plan …` run as a built binary: output shapes and exit codes.
@Suite struct PlanCommandTests {
    static let table = "profiles/multimodal-hazard-profile.tsv"
    static let idk = "profiles/illustrative-idk-profile.json"

    func json(_ result: CLIResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-plan-\(UUID().uuidString)-\(name)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func hazardStaticText() throws {
        let r = try CLIHarness.run(["plan", "hazard", "--profile", Self.table, "--max-fn", "0.086", "--budget-ms", "60"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Hazard plan (static)"))
        #expect(r.stdout.contains("experts     ABE"))
        #expect(r.stdout.contains("∅ → CD (33.734)"))
    }

    @Test func hazardAdaptiveJSON() throws {
        let r = try CLIHarness.run(["plan", "hazard", "--profile", Self.table, "--max-fn", "0.086", "--budget-ms=60", "--policy", "adaptive", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r)
        #expect(o["policy"] as? String == "adaptive")
        #expect(o["experts"] as? [String] == ["A", "B", "C"])
        #expect(o["fp"] as? Double == 0.0275 && o["fn"] as? Double == 0.085)
        #expect(o["wcet_ms"] as? Double == 66.529 && o["tcet_ms"] as? Double == 48.217)
        #expect((o["escape"] as? [String: String])?.count == 32)
        #expect(o["path"] as? [String] == ["", "C", "AC", "ABC"])
    }

    @Test func hazardTypicalJSONFromJSONProfile() throws {
        let r = try CLIHarness.run(["plan", "hazard", "--profile", "profiles/multimodal-hazard-profile.json", "--max-fn", "0.086", "--budget-ms", "40", "--policy", "typical", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r)
        // TCET < 40 and FN < 0.086: ACE (34.54 ms, FP 0.0458) beats CD, BDE, CDE, ADE.
        #expect(o["experts"] as? [String] == ["A", "C", "E"])
        #expect((o["catalog"] as? [[String: Any]])?.first?["name"] as? String == "deepsense_both")
    }

    @Test func outWritesAReadablePlanFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-plan-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLIHarness.run(["plan", "hazard", "--profile", Self.table, "--max-fn", "0.086", "--budget-ms", "60", "--out", out])
        #expect(r.status == 0)
        let plan = try Plan.decode(try #require(FileManager.default.contents(atPath: out)), file: out)
        #expect(plan.kind == .hazard && plan.policy == .static && plan.experts == ["A", "B", "E"])
    }

    @Test func idkJSON() throws {
        let r = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.7", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r)
        #expect(o["assume"] as? String == "arbitrary")
        let order = try #require(o["order"] as? [String])
        #expect(!order.isEmpty)
        for key in ["expected_ms", "estimated_ms", "worst_ms", "success"] { #expect(o[key] is Double, "\(key)") }
        #expect(o["expected_ms"] as? Double == o["estimated_ms"] as? Double)
        #expect((o["success"] as? Double ?? 0) >= 0.7)
    }

    @Test func idkKIsWrittenIntoThePlan() throws {
        let r = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.7", "--k", "1", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try json(r)["k"] as? Int == 1)
        let learned = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.7", "--format", "json"])
        #expect(try json(learned)["k"] == nil)
        let text = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.7", "--k", "1"])
        #expect(text.stdout.contains("Dynamic-k     k = 1 (fixed)"))
        let bad = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.7", "--k", "-1"])
        #expect(bad.status == 64 && bad.stderr.contains("--k"))
    }

    @Test func idkAssumptionsReportTheirEstimateAndTheTruth() throws {
        let r = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.75", "--assume", "independent", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r)
        #expect(o["assume"] as? String == "independent")
        #expect(o["estimated_success"] as? Double != o["success"] as? Double)
        let text = try CLIHarness.run(["plan", "idk", "--profile", Self.idk, "--min-success", "0.75"])
        #expect(text.stdout.contains("fully-dependent"))
        #expect(text.stdout.contains("Latency CDF"))
    }

    @Test func paretoJSON() throws {
        let r = try CLIHarness.run(["plan", "pareto", "--profile", Self.table, "--max-fn", "0.086", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let front = try #require(try json(r)["front"] as? [[String: Any]])
        #expect(front.map { ($0["experts"] as? [String])?.joined() } == ["CD", "ACE", "ABE", "ABC"])
        #expect(front.first?["budget_ms"] as? Double == 33.734)
        #expect(front.allSatisfy { $0["fp"] is Double && $0["fn"] is Double })
    }

    @Test func paretoAdaptiveReachesABCEarlierThanStatic() throws {
        let r = try CLIHarness.run(["plan", "pareto", "--profile", Self.table, "--max-fn", "0.086", "--policy", "adaptive", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let front = try #require(try json(r)["front"] as? [[String: Any]])
        // ABC via ∅ → A → AB → ABC: the last edge costs TCET(AB) 35.954 + WCET(C) 17.554 = 53.508 ms.
        #expect(front.last?["experts"] as? [String] == ["A", "B", "C"])
        #expect(front.last?["budget_ms"] as? Double == 53.508)
    }

    @Test(arguments: [["plan", "--help"], ["plan", "hazard", "--help"], ["plan", "idk", "--help"], ["plan", "pareto", "--help"]])
    func helpOnEverySubcommand(arguments: [String]) throws {
        let r = try CLIHarness.run(arguments)
        #expect(r.status == 0)
        #expect(r.stdout.contains("usage: cascadia plan"))
    }

    @Test(arguments: [
        ["plan"],
        ["plan", "frobnicate"],
        ["plan", "hazard", "--profile", table, "--budget-ms", "60"],
        ["plan", "hazard", "--profile", table, "--max-fn", "x", "--budget-ms", "60"],
        ["plan", "hazard", "--profile", table, "--max-fn", "0.086", "--budget-ms", "60", "--policy", "greedy"],
        ["plan", "hazard", "--profile", table, "--max-fn", "0.086", "--budget-ms", "60", "--colour", "red"],
        ["plan", "hazard", "--profile", table, "--max-fn", "0", "--budget-ms", "60"],
        ["plan", "hazard", "--profile", table, "--max-fn", "0.086", "--budget-ms", "60", "--format", "xml"],
        ["plan", "idk", "--profile", idk],
        ["plan", "idk", "--profile", idk, "--min-success", "0.7", "--assume", "optimistic"],
        ["plan", "pareto", "--profile", table, "--max-fn", "0.086", "--policy", "dynamic"],
    ])
    func badUsageExits64(arguments: [String]) throws {
        let r = try CLIHarness.run(arguments)
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func infeasiblePlansExit65WithOneLine() throws {
        let cases: [([String], String)] = [
            (["plan", "hazard", "--profile", Self.table, "--max-fn", "0.086", "--budget-ms", "30"], "the fastest subset with FN < 0.086 is CD"),
            (["plan", "hazard", "--profile", Self.table, "--max-fn", "0.086", "--budget-ms", "30", "--policy", "typical"], "escape set of ∅"),
            (["plan", "hazard", "--profile", Self.table, "--max-fn", "0.05", "--budget-ms", "100"], "max FN 0.05 cannot be met"),
            (["plan", "idk", "--profile", Self.idk, "--min-success", "0.99"], "min success 0.99 cannot be met"),
            (["plan", "idk", "--profile", Self.idk, "--min-success", "0.7", "--deadline-ms", "10"], "within deadline 10 ms"),
        ]
        for (arguments, reason) in cases {
            let r = try CLIHarness.run(arguments)
            #expect(r.status == 65, "\(arguments)")
            #expect(r.stderr.contains(reason), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func badProfilesExit65NamingFileAndField() throws {
        let bad = try temporaryFile("bad.tsv", "experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\t1.5\t0.1\t1\t1\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let r = try CLIHarness.run(["plan", "hazard", "--profile", bad, "--max-fn", "0.1", "--budget-ms", "10"])
        #expect(r.status == 65)
        #expect(r.stderr.contains(bad) && r.stderr.contains("subsets[\"A\"].fp"))
        let sum = try temporaryFile("sum.json", #"{"experts": [{"id": "A", "time_ms": 1, "wcet_ms": 2}], "prob_s": {"": 0.5, "A": 0.6}}"#)
        defer { try? FileManager.default.removeItem(atPath: sum) }
        let s = try CLIHarness.run(["plan", "idk", "--profile", sum, "--min-success", "0.5"])
        #expect(s.status == 65)
        #expect(s.stderr.contains("prob_s: sums to"))
        let missing = try CLIHarness.run(["plan", "pareto", "--profile", "/nonexistent/profile.tsv", "--max-fn", "0.1"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("/nonexistent/profile.tsv: cannot read the file"))
        let wrongKind = try CLIHarness.run(["plan", "hazard", "--profile", Self.idk, "--max-fn", "0.1", "--budget-ms", "10"])
        #expect(wrongKind.status == 65)
        #expect(wrongKind.stderr.contains("kind"))
    }
}

extension PlanCommandTests {
    @Test func paretoSVGRenders() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-pareto-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLIHarness.run(["plan", "pareto", "--profile", Self.table, "--max-fn", "0.086", "--format", "svg", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("<?xml") && r.stdout.contains(">ABE</text>") && r.stdout.contains(">latency budget L (ms)</text>"))
        #expect(FileManager.default.contents(atPath: out) == Data(r.stdout.utf8))
        if SVGCheck.rsvg != nil {
            #expect(SVGCheck.nonTrivialPNG(try SVGCheck.render(out)))
        } else {
            print("rsvg-convert not installed (Debian librsvg2-bin): the Pareto SVG was not rendered")
        }
        let hazard = try CLIHarness.run(["plan", "hazard", "--profile", Self.table, "--max-fn", "0.086", "--budget-ms", "60", "--format", "svg"])
        #expect(hazard.status == 64 && hazard.stderr.contains("--format svg is only available for 'cascadia plan pareto'"))
    }
}
