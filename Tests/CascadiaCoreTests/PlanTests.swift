import Foundation
import Testing
@testable import CascadiaCore

@Suite struct PlanTests {
    static let shared = try! HazardProfile(table: SharedTable.text, file: "shared.tsv")

    @Test func roundTripsThroughJSON() throws {
        let plan = try HazardPlanner(profile: Self.shared, maxFN: 0.086).adaptivePlan(budgetMs: 60)
        let data = try plan.jsonData()
        #expect(try Plan.decode(data, file: "plan.json") == plan)
    }

    @Test func usesTheDocumentedFieldNames() throws {
        let plan = try HazardPlanner(profile: Self.shared, maxFN: 0.086).adaptivePlan(budgetMs: 60)
        let object = try #require(JSONSerialization.jsonObject(with: plan.jsonData()) as? [String: Any])
        for key in ["format", "kind", "policy", "catalog", "experts", "stages", "escape", "path", "edges", "budget_ms", "max_fn", "fp", "fn", "wcet_ms", "tcet_ms", "worst_ms", "explanation"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["assume"] == nil && object["min_success"] == nil)
        #expect(object["format"] as? String == "cascadia-plan/1")
        let escape = try #require(object["escape"] as? [String: String])
        #expect(escape.count == 32 && escape[""] == "CD" && escape["ABC"] == "")
    }

    @Test func rejectsMalformedPlanFiles() throws {
        #expect(throws: PlanError.self) { try Plan.decode(Data("{".utf8), file: "p.json") }
        let plan = try HazardPlanner(profile: Self.shared, maxFN: 0.086).staticPlan(budgetMs: 60)
        var object = try #require(JSONSerialization.jsonObject(with: plan.jsonData()) as? [String: Any])
        object["experts"] = ["Z"]
        #expect(throws: PlanError.malformedPlan(file: "p.json", "expert 'Z' is not in the catalog")) {
            try Plan.decode(JSONSerialization.data(withJSONObject: object), file: "p.json")
        }
        object["format"] = "other/2"
        #expect(throws: PlanError.malformedPlan(file: "p.json", "format 'other/2' is not 'cascadia-plan/1'")) {
            try Plan.decode(JSONSerialization.data(withJSONObject: object), file: "p.json")
        }
        object.removeValue(forKey: "kind")
        #expect(throws: PlanError.self) { try Plan.decode(JSONSerialization.data(withJSONObject: object), file: "p.json") }
    }

    @Test func kBelongsToIDKPlansAndIsNotNegative() throws {
        let hazard = try HazardPlanner(profile: Self.shared, maxFN: 0.086).staticPlan(budgetMs: 60)
        var object = try #require(JSONSerialization.jsonObject(with: hazard.jsonData()) as? [String: Any])
        object["k"] = 1
        #expect(throws: PlanError.malformedPlan(file: "p.json", "field k: only IDK plans have a skip-back factor")) {
            try Plan.decode(JSONSerialization.data(withJSONObject: object), file: "p.json")
        }
        object["kind"] = "idk"
        object["k"] = -1
        #expect(throws: PlanError.malformedPlan(file: "p.json", "field k: -1 is negative")) {
            try Plan.decode(JSONSerialization.data(withJSONObject: object), file: "p.json")
        }
        object["k"] = 2
        #expect(try Plan.decode(JSONSerialization.data(withJSONObject: object), file: "p.json").k == 2)
        var roundTrip = hazard
        roundTrip.kind = .idk
        roundTrip.k = 3
        #expect(try Plan.decode(roundTrip.jsonData(), file: "p.json").k == 3)
    }
}
