import CascadiaIO
import CascadiaModels
import Foundation
import Testing

@testable import CascadiaRuntime

/// The pipeline over a generated WAV recording and the shipped acoustic experts C and F.
@Suite struct PipelineTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// An IDK plan over C, F (order F, C) with the shipped experts' names.
    static func plan() -> Plan {
        var plan = Plan(
            kind: .idk,
            catalog: [
                PlanExpert(id: "C", name: "deepsense_acoustic", wcetMs: 20, typicalMs: 2),
                PlanExpert(id: "F", name: "cnn_acoustic", wcetMs: 10, typicalMs: 1),
            ],
            experts: ["F", "C"], stages: [["F"], ["C"]], explanation: [])
        plan.order = ["F", "C"]
        plan.expectedMs = 1.5
        return plan
    }

    /// `seconds` of an 8 kHz int16 WAV (a tone) in a fresh directory, with a labels file.
    static func recording(seconds: Int, labels: String?) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let frames = seconds * 8000
        data.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + 2 * frames))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1); u32(8000); u32(16000); u16(2); u16(16)
        data.append(contentsOf: Array("data".utf8)); u32(UInt32(2 * frames))
        for n in 0..<frames { u16(UInt16(bitPattern: Int16(3000 * sin(2 * Double.pi * 120 * Double(n) / 8000)))) }
        let path = directory.appendingPathComponent("a.wav").path
        try data.write(to: URL(fileURLWithPath: path))
        if let labels { try labels.write(toFile: directory.path + "/labels.csv", atomically: true, encoding: .utf8) }
        return path
    }

    static func pipeline(seconds: Int, labels: String? = nil) throws -> Pipeline {
        let plan = plan()
        let experts = try PipelineExperts.load(plan: plan, planPath: "test-plan", directory: repoRoot.path + "/models")
        let source = try ReplaySource(path: try recording(seconds: seconds, labels: labels))
        return try Pipeline(
            configuration: PipelineConfiguration(plan: plan, planPath: "test-plan", outputFileDescriptor: nil),
            experts: experts, sources: [source])
    }

    @Test func everyWindowReachesTheHookAndTheSummary() throws {
        let pipeline = try Self.pipeline(seconds: 7, labels: "start_s,end_s,class\n0,7,car\n")
        var seen: [Int64] = []
        var labels: [Int32] = []
        try pipeline.run(hooks: PipelineHooks(onWindow: { record in
            seen.append(record.window.index)
            labels.append(record.window.label)
        }))
        #expect(seen == [0, 1, 2, 3, 4, 5])
        #expect(labels == Array(repeating: 1, count: 6))  // car is class 1
        #expect(pipeline.windowsProcessed == 6)
        #expect(pipeline.summary.windows == 6)
        #expect(pipeline.summary.labelled == 6)
        #expect(pipeline.executor.metrics.snapshot().windows == 6)
    }

    @Test func bothExpertsShareOneFeatureSlotPerFeatureKind() throws {
        let pipeline = try Self.pipeline(seconds: 3)
        // C reads acoustic FFT features, F raw or FFT: one slot per distinct kind, never per expert.
        let kinds = Set(pipeline.experts.flatMap { $0.model.description.framing.modalities.map(ModelExpertRunner.slotName) })
        #expect(pipeline.modelRunner.slotNames.count == kinds.count)
        #expect(pipeline.sources.count == 1)
        #expect(pipeline.unusedSources.isEmpty)
    }

    @Test func stopRequestedInTheHookEndsAfterThatWindow() throws {
        let pipeline = try Self.pipeline(seconds: 10)
        var count = 0
        try pipeline.run(hooks: PipelineHooks(onWindow: { _ in
            count += 1
            if count == 3 { pipeline.requestStop() }
        }))
        #expect(count == 3)
        #expect(pipeline.summary.windows == 3)
    }

    @Test func shouldStopBeforeTheFirstWindowProcessesNone() throws {
        let pipeline = try Self.pipeline(seconds: 4)
        try pipeline.run(hooks: PipelineHooks(shouldStop: { true }))
        #expect(pipeline.windowsProcessed == 0)
    }

    @Test func aSeismicExpertWithoutASeismicStreamIsRejected() throws {
        var plan = Self.plan()
        plan.catalog[1] = PlanExpert(id: "G", name: "cnn_seismic", wcetMs: 10, typicalMs: 1)
        plan.experts = ["G", "C"]
        plan.order = ["G", "C"]
        plan.stages = [["G"], ["C"]]
        let experts = try PipelineExperts.load(plan: plan, planPath: "p", directory: Self.repoRoot.path + "/models")
        let source = try ReplaySource(path: try Self.recording(seconds: 3, labels: nil))
        #expect(throws: PipelineError.self) {
            try Pipeline(
                configuration: PipelineConfiguration(plan: plan, planPath: "p", outputFileDescriptor: nil),
                experts: experts, sources: [source])
        }
    }
}

@Suite struct PipelineLabelsTests {
    let names = ["background", "car", "truck"]

    @Test func theLongestOverlapWinsAndTiesGoToTheFirstRow() throws {
        let labels = try PipelineLabels(
            labels: [
                Label(startSeconds: 0, endSeconds: 2.5, className: "background"),
                Label(startSeconds: 2.5, endSeconds: 5, className: "car"),
                Label(startSeconds: 5, endSeconds: 6, className: "truck"),
            ], classNames: names, path: "l.csv")
        #expect(labels.classIndex(startSeconds: 0, lengthSeconds: 2) == 0)
        #expect(labels.classIndex(startSeconds: 1, lengthSeconds: 2) == 0)  // 1.5 s vs 0.5 s
        #expect(labels.classIndex(startSeconds: 2, lengthSeconds: 2) == 1)  // 0.5 s vs 1.5 s
        #expect(labels.classIndex(startSeconds: 4, lengthSeconds: 2) == 1)  // 1 s car, 1 s truck: first row
        #expect(labels.classIndex(startSeconds: 5, lengthSeconds: 2) == 2)
        #expect(labels.classIndex(startSeconds: 6, lengthSeconds: 2) == -1)  // no row overlaps
    }

    @Test func anUnknownClassIsADataError() {
        #expect(throws: PipelineError.self) {
            try PipelineLabels(labels: [Label(startSeconds: 0, endSeconds: 1, className: "bus")], classNames: names, path: "l.csv")
        }
    }
}
