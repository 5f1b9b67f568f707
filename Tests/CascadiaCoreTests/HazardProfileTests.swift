import Foundation
import Testing
@testable import CascadiaCore

@Suite struct HazardProfileTests {
    static let jsonURL = SharedTable.url.deletingPathExtension().appendingPathExtension("json")

    @Test func sharedTSVLoadsAsIs() throws {
        let profile = try HazardProfile(data: Data(SharedTable.text.utf8), file: "shared.tsv")
        #expect(profile.experts.map(\.id) == ["A", "B", "C", "D", "E"])
        #expect(profile.fn[0] == 1 && profile.fp[0] == 0)
        let ab = try #require(profile.codec.mask("AB"))
        #expect(profile.fp[ab] == 0.01 && profile.fn[ab] == 0.0933)
        #expect(profile.wcetMs(ab) == 48.975 && profile.tcetMs(ab) == 35.954)
        // The published table rounds per subset, so it is not exactly additive (AD: 41.3 vs 41.301).
        #expect(!profile.timesAreAdditive)
        #expect(profile.publishedEscape?[0] == profile.codec.mask("CD"))
    }

    @Test func sharedJSONMatchesTSV() throws {
        let tsv = try HazardProfile(table: SharedTable.text, file: "shared.tsv")
        let json = try HazardProfile(data: Data(contentsOf: Self.jsonURL), file: "shared.json")
        #expect(json.fp == tsv.fp && json.fn == tsv.fn)
        #expect(json.wcetNanoseconds == tsv.wcetNanoseconds && json.tcetNanoseconds == tsv.tcetNanoseconds)
        #expect(json.publishedEscape == tsv.publishedEscape)
        #expect(json.experts[0].name == "deepsense_both")
    }

    @Test func csvWithPlusKeysQuotesExtraColumnsAndSummedTimes() throws {
        let csv = #"""
            # two experts with multi-character ids
            set,fp,fn,wcet_ms,tcet_ms,note
            -,0,1,0,0,"empty, nothing runs"
            cnn,0.01,0.3,5,4,x
            gru,0.02,0.2,7.5,6,
            gru+cnn,0.03,0.1,,,"summed ""times"""
            """#
        let p = try HazardProfile(data: Data(csv.utf8), file: "p.csv")
        #expect(p.experts.map(\.id) == ["cnn", "gru"])
        #expect(p.wcetMs(3) == 12.5 && p.tcetMs(3) == 10)
        #expect(p.timesAreAdditive)
        #expect(p.fn[3] == 0.1)
    }

    @Test func jsonWithExpertTimesSumsSubsets() throws {
        let json = """
            {"kind": "hazard", "experts": [{"id": "A", "wcet_ms": 2, "tcet_ms": 1}, {"id": "B", "wcet_ms": 3, "tcet_ms": 2}],
             "subsets": [{"experts": "", "fp": 0, "fn": 1}, {"experts": "A", "fp": 0.1, "fn": 0.2},
                         {"experts": "B", "fp": 0.1, "fn": 0.3}, {"experts": "A+B", "fp": 0.15, "fn": 0.05, "wcet_ms": 4.5}]}
            """
        let p = try HazardProfile(data: Data(json.utf8), file: "p.json")
        #expect(p.wcetMs(3) == 4.5 && p.tcetMs(3) == 3)
        #expect(!p.timesAreAdditive)
    }

    /// Every validation failure names the file and the field.
    @Test(arguments: [
        ("experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\t1.5\t0.1\t1\t1\n", "fp", "not a probability"),
        ("experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\t0.5\t-0.1\t1\t1\n", "fn", "not a probability"),
        ("experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\t0.1\t0.1\t-1\t1\n", "wcet_ms", "non-negative"),
        ("experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\t0.1\t0.1\t1\t1\nB\t0.1\t0.1\t1\t1\n", "subsets", "missing subset 'AB'"),
        ("experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\t0.1\t0.1\t1\t1\nA\t0.1\t0.1\t1\t1\n", "line 4", "already given"),
        ("experts\tfp\twcet_ms\ttcet_ms\n-\t0\t0\t0\n", "fn", "missing column"),
        ("experts\tfp\tfn\twcet_ms\ttcet_ms\n-\t0\t1\t0\t0\nA\tx\t0.1\t1\t1\n", "line 3 fp", "not a finite number"),
        ("{\"experts\": [{\"id\": \"A\"}, {\"id\": \"A\"}], \"subsets\": []}", "experts[1].id", "duplicate id"),
        ("{\"experts\": [{\"id\": \"A\"}], \"subsets\": [{\"experts\": \"A\", \"fp\": \"high\", \"fn\": 0}]}", "subsets[0].fp", "expected a number"),
        ("{\"experts\": [{\"id\": \"A\"}], \"subsets\": [{\"experts\": \"A\", \"fn\": 0}]}", "subsets[0].fp", "missing"),
        ("{\"experts\": [{\"id\": \"A\"}], \"subsets\": [{\"experts\": \"Z\", \"fp\": 0, \"fn\": 0}]}", "subsets[0].experts", "not a set of known"),
        ("{\"experts\": [", "", "malformed JSON"),
        ("{\"kind\": \"idk\", \"experts\": [], \"subsets\": []}", "kind", "'hazard' is expected"),
    ])
    func badProfilesAreRejectedWithFileAndField(text: String, field: String, message: String) {
        do {
            _ = try HazardProfile(data: Data(text.utf8), file: "bad.tsv")
            Issue.record("accepted a bad profile")
        } catch {
            #expect(error.file == "bad.tsv")
            #expect(field.isEmpty ? error.field.isEmpty : error.field.contains(field), "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.exitCode == .data)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func tooManyExpertsRejected() {
        let ids = (0..<21).map { ExpertName(id: "e\($0)", name: "e\($0)") }
        #expect(throws: ProfileError.self) {
            try HazardProfile(experts: ids, fp: [], fn: [], wcetMs: [], tcetMs: [])
        }
    }
}
