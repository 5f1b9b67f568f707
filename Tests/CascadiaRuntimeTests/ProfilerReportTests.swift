import CascadiaCore
import Foundation
import Testing
@testable import CascadiaRuntime

@Suite struct ProfilerReportTests {
    /// Two experts with hand-chosen times and the six windows of ProfilerBehaviourTests.
    static func report(behaviour: Bool = true) -> ProfilerReport {
        var options = ProfilerOptions()
        options.runs = 5
        options.wcetMargin = 1.25
        let b = ProfilerBehaviour(
            n: 2, hazardClasses: ["vehicle"], hazardMasks: [1, 3, 0, 2, 0, 3], successMasks: [1, 3, 0, 2, 3, 0],
            truth: [true, true, true, false, false, false])
        let provenance = ProfilerProvenance(
            board: "test-board", cpuModel: "Test CPU × 2 CPUs online", kernel: "Linux 6.1",
            date: "2026-12-04T00:00:00Z",
            models: [
                .init(id: "A", name: "alpha", file: "models/a.safetensors", sha256: String(repeating: "ab", count: 32)),
                .init(id: "B", name: "beta", file: "models/b.safetensors", sha256: String(repeating: "cd", count: 32)),
            ],
            recordings: [
                ProfilerRecording(
                    path: "rec", files: ["a.flac", "s.mseed"], labelsPath: "rec/labels.csv", windows: 6,
                    labelledWindows: 6)
            ],
            options: options, stressThreads: 1)
        return ProfilerReport(
            experts: [ExpertName(id: "A", name: "alpha"), ExpertName(id: "B", name: "beta")],
            timings: [
                ProfilerTiming(samplesMs: [1, 2, 3, 4, 10], margin: 1.25),  // median 3, mean 4, max 10
                ProfilerTiming(samplesMs: [0.5, 0.5, 0.6, 0.7, 0.7], margin: 1.25),  // median 0.6, mean 0.6, max 0.7
            ],
            behaviour: behaviour ? b : nil, provenance: provenance, featureMilliseconds: [0.2, 0.4, 0.3])
    }

    @Test func hazardProfileJSONIsWhatThePlannerReads() throws {
        let data = try Self.report().hazardJSON()
        let profile = try HazardProfile(data: data, file: "profile.json")
        #expect(profile.experts == [ExpertName(id: "A", name: "alpha"), ExpertName(id: "B", name: "beta")])
        #expect(profile.tcetMs(1) == 3 && profile.tcetMs(2) == 0.6)
        #expect(profile.wcetMs(1) == 12.5 && profile.wcetMs(2) == 0.875)
        #expect(profile.wcetMs(3) == 13.375 && profile.timesAreAdditive, "subset times are sums")
        #expect(profile.fp == [0, 0.333333, 0.666667, 0.666667] && profile.fn == [1, 0.333333, 0.666667, 0.333333])
        #expect(profile.source?.contains("TCET = median; WCET = max observed × 1.25") == true)
        // The planner runs on it: FN < 0.5 within 13 ms → only A (FN 1/3) fits.
        let plan = try HazardPlanner(profile: profile, maxFN: 0.5).staticPlan(budgetMs: 13)
        #expect(plan.experts == ["A"])
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let provenance = json["provenance"] as! [String: Any]
        #expect(provenance["board"] as? String == "test-board" && provenance["stress_threads"] as? Int == 1)
        #expect(
            (provenance["models"] as! [[String: Any]])[1]["sha256"] as? String == String(repeating: "cd", count: 32))
        #expect(provenance["time_correlation"] != nil && provenance["success_correlation"] != nil)
    }

    @Test func idkProfileJSONAndTheSharedTable() throws {
        let report = Self.report()
        let idk = try IDKProfile(data: try report.idkJSON(), file: "idk-profile.json")
        #expect(
            idk.experts == [
                IDKExpert(id: "A", name: "alpha", timeMs: 4, wcetMs: 12.5),
                IDKExpert(id: "B", name: "beta", timeMs: 0.6, wcetMs: 0.875),
            ])
        let sixth: Double = 1.0 / 6
        let expectedProbS: [Double] = [2 * sixth, sixth, sixth, 2 * sixth]
        #expect(idk.probS.map { ($0 * 1e12).rounded() } == expectedProbS.map { ($0 * 1e12).rounded() })
        let tsv = Data(try report.profileTSV().utf8)
        let fromTable = try IDKProfile(data: tsv, file: "profile.tsv")
        #expect(fromTable.experts == idk.experts && fromTable.probS == idk.probS)
        let hazard = try HazardProfile(data: tsv, file: "profile.tsv")
        let fromJSON = try HazardProfile(data: try report.hazardJSON(), file: "profile.json")
        #expect(hazard.fp == fromJSON.fp && hazard.fn == fromJSON.fn)
        #expect(
            hazard.wcetNanoseconds == fromJSON.wcetNanoseconds && hazard.tcetNanoseconds == fromJSON.tcetNanoseconds)
        #expect(String(decoding: tsv, as: UTF8.self).hasPrefix("# cascadia profile: board test-board; cpu Test CPU"))
    }

    @Test func timingOnlyWritesNoProfile() throws {
        let report = Self.report(behaviour: false)
        #expect(throws: ProfilerError.self) { try report.hazardJSON() }
        let lines = report.timingTSV.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(
            lines == [
                "id\tname\truns\tmin_ms\tmedian_ms\tmean_ms\tp99_ms\tp99.9_ms\tmax_ms\twcet_ms",
                "A\talpha\t5\t1\t3\t4\t9.76\t9.976\t10\t12.5",
                "B\tbeta\t5\t0.5\t0.6\t0.6\t0.7\t0.7\t0.7\t0.875",
            ])
        #expect(!report.text.contains("Behaviour"))
    }

    @Test func textPrintsTimingBehaviourAndCorrelations() {
        let report = Self.report()
        let text = report.text
        #expect(text.contains("median=TCET"))
        #expect(text.contains("Execution-time correlation"))
        // success series A = 110010, B = 010110 (means 1/2): Σ(a − ½)(b − ½) = 1/2, Σ(a − ½)² = 3/2 → r = 1/3
        #expect(abs(report.successCorrelation![0][1]! - 1.0 / 3) < 1e-12)
        // hazard series A = 110001, B = 010101: Σ = 1/2 → r = 1/3 as well; times: r(A, B) by hand below
        #expect(abs(report.hazardCorrelation![1][0]! - 1.0 / 3) < 1e-12)
        #expect(text.contains("Behaviour correlation: success") && text.contains("  A     1  0.33\n"))
        // times A = 1 2 3 4 10 (mean 4), B = .5 .5 .6 .7 .7 (mean .6): Σdxdy = 0.3 + 0.2 + 0.6 = 1.1, Σdx² = 50, Σdy² = .04
        #expect(abs(report.timeCorrelation[0][1]! - 1.1 / (50 * 0.04).squareRoot()) < 1e-12)
        #expect(ProfilerReport.offDiagonalRange([[1, 0.5, nil], [0.5, 1, -0.2], [nil, -0.2, 1]])! == (-0.2, 0.5))
    }
}

extension ProfilerReportTests {
    static let root = ProfilerFixtures.repoRoot

    /// The shipped profile (written by `cascadia profile`, docs/profiling.md) names the shipped
    /// models with their current hashes, and the demo plans made from it build executor schedules.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: root + "/models/profile.json"), "no shipped profile"))
    func shippedProfileAndPlansFitTheShippedModels() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/models/profile.json"))
        let profile = try HazardProfile(data: data, file: "models/profile.json")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let models = try #require((json["provenance"] as? [String: Any])?["models"] as? [[String: Any]])
        #expect(models.count == profile.count)
        for (model, expert) in zip(models, profile.experts) {
            let file = try #require(model["file"] as? String)
            let bytes = try #require(FileManager.default.contents(atPath: Self.root + "/" + file))
            #expect(model["sha256"] as? String == ProfilerSHA256.hex(bytes), "\(file) changed since it was profiled")
            #expect(model["id"] as? String == expert.id)
        }
        _ = try IDKProfile(data: Data(contentsOf: URL(fileURLWithPath: Self.root + "/models/idk-profile.json")), file: "idk")
        for name in ["hazard-60ms", "hazard-150ms", "idk-0.9"] {
            let path = Self.root + "/plans/\(name).json"
            let plan = try Plan.decode(Data(contentsOf: URL(fileURLWithPath: path)), file: path)
            #expect(plan.catalog.map(\.id) == profile.experts.map(\.id))
            _ = try CascadeSchedule(plan: plan, file: path)
        }
    }
}
