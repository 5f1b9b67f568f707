// `cascadia-bench dynamic-k`: what Dynamic-k saves on real recordings with real experts, and
// how much any start policy could save (SkipBackStudy; docs/runtime.md "How much Dynamic-k can
// save").
import CascadiaCore
import CascadiaModels
import CascadiaRuntime
import Foundation

enum DynamicKBench {
    static let usage = """
        usage: cascadia-bench dynamic-k --plan FILE [--order ID,...] [--models DIR] [--shuffle SEED] RECORDING...

        Runs every expert of the plan once on every 2 s window of each recording (a directory with
        the streams and labels.csv), then replays each recording's answer trace through the
        executor with k = 0 … n−1 and learned k, experts priced at the plan's typical (TCET) time.
        Prints per recording: mean priced ms per window, expert runs and probes per window and
        accuracy for each setting; the best start policy of the Dynamic family (exhaustive over
        every map b ↦ s(b), chosen in hindsight) and the oracle (per window the cheapest expert
        that classifies it, known in advance). --order replaces the plan's cascade order (ids from
        its catalog); --shuffle SEED replays each recording's windows in a random order (the same
        windows without dependence between consecutive ones).
        """

    static func run(_ arguments: [String]) throws {
        var planPath: String?
        var orderIDs: [String]?
        var models = "models"
        var recordings: [String] = []
        var shuffleSeed: UInt64?
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchUsage("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--plan": planPath = try value()
            case "--order": orderIDs = try value().split(separator: ",").map(String.init)
            case "--models": models = try value()
            case "--shuffle":
                let text = try value()
                guard let seed = UInt64(text) else { throw BenchUsage("--shuffle needs a seed (unsigned integer), not \(text)") }
                shuffleSeed = seed
            case "-h", "--help":
                print(usage)
                return
            case let a where a.hasPrefix("-"): throw BenchUsage("unknown option \(a)")
            case let a: recordings.append(a)
            }
            i += 1
        }
        guard let planPath, !recordings.isEmpty else { throw BenchUsage("needs --plan and at least one recording") }
        guard let data = FileManager.default.contents(atPath: planPath) else { throw BenchUsage("cannot read \(planPath)") }
        var plan = try Plan.decode(data, file: planPath)
        guard plan.kind == .idk else { throw BenchUsage("\(planPath): Dynamic-k applies to IDK plans") }
        if let orderIDs {
            plan.order = orderIDs
            plan.experts = orderIDs
            plan.stages = orderIDs.map { [$0] }
        }
        let experts = try PipelineExperts.load(plan: plan, planPath: planPath, directory: models)
        let schedule = try CascadeSchedule(plan: plan, file: planPath)
        let thresholds = ExpertThresholds(modelsOf: experts)
        let order = (plan.order ?? plan.experts).joined(separator: " → ")
        print("Dynamic-k study: \(planPath), order \(order), experts priced at the plan's typical ms")
        print(
            "TCET ms: "
                + plan.catalog.map { "\($0.id) \(String(format: "%.4f", $0.typicalMs))" }.joined(separator: ", "))
        for recording in recordings {
            let windows = try ProfilerWindowSet(
                recordingDirectories: [recording], models: experts.map(\.model), requireLabels: false)
            let (answers, labels) = try SkipBackStudy.trace(experts: experts, windows: windows)
            var study = try SkipBackStudy(schedule: schedule, answers: answers, labels: labels, thresholds: thresholds)
            if let shuffleSeed { study = try study.shuffled(seed: shuffleSeed) }
            let outcomes = try study.runAll()
            let plain = outcomes[outcomes.count - 2].pricedNanoseconds
            print("\n\(recording): \(windows.count) windows" + (shuffleSeed.map { ", shuffled (seed \($0))" } ?? ""))
            print("  setting            priced ms   vs plain   runs/window   probes/window   accuracy")
            func line(_ name: String, _ ns: Double, runs: Double? = nil, probes: Double? = nil, accuracy: Double? = nil) {
                let rel = String(format: "%+.1f %%", (ns / plain - 1) * 100)
                let r = runs.map { String(format: "%.3f", $0) } ?? "–"
                let p = probes.map { String(format: "%.3f", $0) } ?? "–"
                let a = accuracy.map { String(format: "%.1f %%", $0 * 100) } ?? "–"
                print(
                    "  " + name.padding(toLength: 18, withPad: " ", startingAt: 0)
                        + String(format: "%10.4f", ns / 1e6) + rel.leftPadded(11) + r.leftPadded(14) + p.leftPadded(16)
                        + a.leftPadded(11))
            }
            for o in outcomes {
                line(o.name, o.pricedNanoseconds, runs: o.runsPerWindow, probes: o.probesPerWindow, accuracy: o.accuracy)
            }
            if let best = study.bestStartPolicy() {
                line("best start policy", best.nanoseconds)
                print("    (s(b) for b = 0…\(best.starts.count - 1): \(best.starts.map(String.init).joined(separator: " ")))")
            } else {
                print("  best start policy  not searched (more than \(SkipBackStudy.maxSearchedPositions) positions)")
            }
            line("oracle", study.oracleNanoseconds())
        }
    }
}

struct BenchUsage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: " ", count: max(width - count, 0)) + self
    }
}
