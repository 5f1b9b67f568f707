import Foundation
import Testing
@testable import CascadiaCore

@Suite struct IDKProfileTests {
    static let experts = """
        "experts": [{"id": "A", "name": "big", "time_ms": 10, "wcet_ms": 12}, {"id": "B", "time_ms": 2, "wcet_ms": 3}]
        """

    @Test func probabilitiesLoad() throws {
        let json = "{\(Self.experts), \"prob_s\": {\"\": 0.2, \"A\": 0.5, \"B\": 0.1, \"A+B\": 0.2}}"
        let p = try IDKProfile(data: Data(json.utf8), file: "p.json")
        #expect(p.probS == [0.2, 0.5, 0.1, 0.2])
        #expect(p.experts[0].name == "big" && p.experts[1].name == "B")
        #expect(p.experts[0].timeMs == 10 && p.experts[0].wcetMs == 12)
    }

    @Test func countsAreNormalized() throws {
        let json = "{\(Self.experts), \"counts\": {\"\": 20, \"A\": 50, \"B\": 10, \"AB\": 20}}"
        let p = try IDKProfile(data: Data(json.utf8), file: "p.json")
        #expect(p.probS == [0.2, 0.5, 0.1, 0.2])
    }

    @Test func tableLoads() throws {
        let tsv = "experts\tname\ttime_ms\twcet_ms\tcount\n-\t\t\t\t2\nA\tbig\t10\t12\t5\nB\t\t2\t3\t1\nAB\t\t\t\t2\n"
        let p = try IDKProfile(data: Data(tsv.utf8), file: "p.tsv")
        #expect(p.experts.map(\.name) == ["big", "B"])
        #expect(p.probS == [0.2, 0.5, 0.1, 0.2])
        #expect(p.experts[1].wcetMs == 3)
    }

    @Test func illustrativeProfileLoads() throws {
        let url = SharedTable.url.deletingLastPathComponent().appendingPathComponent("illustrative-idk-profile.json")
        let p = try IDKProfile(data: Data(contentsOf: url), file: url.path)
        #expect(p.count == 4)
        #expect(abs(p.probS.reduce(0, +) - 1) < 1e-12)
    }

    @Test(arguments: [
        ("\"prob_s\": {\"\": 0.2, \"A\": 0.5, \"B\": 0.1, \"AB\": 0.3}", "prob_s", "sums to"),
        ("\"prob_s\": {\"\": -0.2, \"A\": 0.9, \"B\": 0.1, \"AB\": 0.2}", "prob_s[\"\"]", "not a probability"),
        ("\"prob_s\": {\"\": 0.2, \"A\": 0.5, \"B\": 0.3}", "prob_s", "missing subset \"AB\""),
        ("\"prob_s\": {\"\": 0.2, \"A\": 0.5, \"B\": 0.1, \"AB\": 0.1, \"BA\": 0.1}", "prob_s[\"BA\"]", "same subset"),
        ("\"counts\": {\"\": 0, \"A\": 0, \"B\": 0, \"AB\": 0}", "counts", "all counts are zero"),
        ("\"counts\": {\"\": 1, \"A\": -1, \"B\": 0, \"AB\": 0}", "counts[\"A\"]", "non-negative"),
        ("\"nothing\": 1", "prob_s", "missing"),
    ])
    func badProbSTablesAreRejected(table: String, field: String, message: String) {
        let json = "{\(Self.experts), \(table)}"
        do {
            _ = try IDKProfile(data: Data(json.utf8), file: "bad.json")
            Issue.record("accepted a bad profile")
        } catch {
            #expect(error.file == "bad.json")
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func negativeTimesAndDuplicateIDsRejected() {
        let negative = "{\"experts\": [{\"id\": \"A\", \"time_ms\": -1, \"wcet_ms\": 2}], \"prob_s\": {\"\": 0.5, \"A\": 0.5}}"
        #expect(throws: ProfileError(file: "n.json", field: "experts[0].time_ms", "-1.0 is not a non-negative time")) {
            try IDKProfile(data: Data(negative.utf8), file: "n.json")
        }
        let duplicate = "{\"experts\": [{\"id\": \"A\", \"time_ms\": 1, \"wcet_ms\": 2}, {\"id\": \"A\", \"time_ms\": 1, \"wcet_ms\": 2}], \"prob_s\": {}}"
        #expect(throws: ProfileError(file: "d.json", field: "experts[1].id", "duplicate id 'A'")) {
            try IDKProfile(data: Data(duplicate.utf8), file: "d.json")
        }
    }
}
