import CascadiaModels
import Foundation

/// Loading the experts a plan names from a models directory.
public enum PipelineExperts {
    /// Every `*.safetensors` file directly in `directory` whose model id (`id` in the model
    /// description) is in `plan.catalog`, prepared as `Expert`s in catalog order (what the
    /// executor's expert indices mean).
    ///
    /// Errors: an unreadable directory or a catalog id no model file has → `PipelineError`
    /// (69, unavailable); a model file that does not load → `ModelError` (65); two files with the
    /// same id, a model whose name differs from the catalog's, or experts with different class
    /// lists or window framings → `PipelineError` (78, configuration).
    public static func load(plan: Plan, planPath: String, directory: String) throws -> [Expert] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw PipelineError(directory, "cannot read the models directory", exitCode: .unavailable)
        }
        let wanted = Set(plan.catalog.map(\.id))
        var byID: [String: ExpertModel] = [:]
        for name in names.sorted() where name.hasSuffix(".safetensors") {
            let path = directory + "/" + name
            let model = try ExpertModel(path: path)
            let id = model.description.id
            guard wanted.contains(id) else { continue }
            if let other = byID[id] {
                throw PipelineError(path, "model id '\(id)' is also in \(other.path)", exitCode: .config)
            }
            byID[id] = model
        }
        var experts: [Expert] = []
        for (i, entry) in plan.catalog.enumerated() {
            guard let model = byID[entry.id] else {
                throw PipelineError(
                    directory, "no model file with id '\(entry.id)' (\(planPath): catalog[\(i)])", exitCode: .unavailable)
            }
            guard model.description.name == entry.name else {
                throw PipelineError(
                    model.path,
                    "model '\(model.description.name)' but \(planPath) names expert \(entry.id) '\(entry.name)'",
                    exitCode: .config)
            }
            experts.append(try Expert(model: model))
        }
        let first = experts[0].model.description
        for expert in experts.dropFirst() {
            let d = expert.model.description
            guard d.labels == first.labels else {
                throw PipelineError(
                    expert.model.path, "classes \(d.labels) differ from \(first.labels) of \(experts[0].model.path)",
                    exitCode: .config)
            }
            guard d.framing.windowSeconds == first.framing.windowSeconds,
                d.framing.hopSeconds == first.framing.hopSeconds, d.framing.intervals == first.framing.intervals
            else {
                throw PipelineError(
                    expert.model.path, "window framing differs from \(experts[0].model.path)", exitCode: .config)
            }
        }
        return experts
    }
}
