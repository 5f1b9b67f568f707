import CascadiaCore
import CascadiaModels

/// `cascadia model inspect FILE`: validates an expert model file and prints what it holds.
enum ModelCommand: Command {
    static let name = "model"
    static let summary = "inspect an expert model file (graph, parameters, MACs, arena, labels)"

    static let help = """
        usage: cascadia model inspect FILE

        Loads and fully validates an expert model file (.safetensors, docs/model-format.md) and
        prints its labels, thresholds, input framing, layer graph with output shapes and
        multiply-accumulates, parameter count, MACs per run and arena size.
        Exits 65 with one line naming the file and the problem when the file is invalid.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help)
            return .ok
        }
        guard let sub = arguments.first else { throw UsageError("missing subcommand; usage: cascadia model inspect FILE") }
        guard sub == "inspect" else { throw UsageError("unknown subcommand '\(sub)'; usage: cascadia model inspect FILE") }
        let rest = Array(arguments.dropFirst())
        guard rest.count == 1, let path = rest.first, !path.hasPrefix("-") else {
            throw UsageError("usage: cascadia model inspect FILE")
        }
        let model = try ExpertModel(path: path)
        print(report(model), terminator: "")
        return .ok
    }

    /// The text `inspect` prints.
    static func report(_ model: ExpertModel) -> String {
        let d = model.description
        var out = "model: \(model.path)\n"
        out += "id: \(d.id)\nname: \(d.name)\nformat_version: \(model.formatVersion)\n"
        let labels = d.labels.enumerated().map { d.hazardClasses.contains($0.offset) ? "\($0.element) (hazard)" : $0.element }
        out += "labels: \(labels.joined(separator: ", "))\n"
        out += "thresholds: idk \(d.idkThreshold) (IDK when the top probability is below), "
            + "hazard \(d.hazardThreshold) (hazard when the hazard classes' probability reaches it)\n"
        out += "framing: window \(d.framing.windowSeconds) s, hop \(d.framing.hopSeconds) s, \(d.framing.intervals) intervals\n"
        for m in d.framing.modalities {
            let feature: String
            switch m.feature {
            case let .fft(size, bins, window): feature = "fft \(size) points, \(bins) bins, \(window) window"
            case .raw: feature = "raw samples"
            }
            let input = d.tensors.first { $0.name == m.input }
            let quant = input.map { "\($0.shape) scale \($0.scale) zero point \($0.zeroPoint)" } ?? ""
            out += "  \(m.name): \(m.rateHz) Hz, \(m.samplesPerInterval) samples per interval, \(feature); input '\(m.input)' \(quant)\n"
        }
        out += "graph (\(d.layers.count) layers):\n"
        let rows = model.layerSummaries
        let nameWidth = max(5, rows.map(\.name.count).max() ?? 0)
        let opWidth = max(2, rows.map(\.op.count).max() ?? 0)
        out += "  #   " + pad("layer", nameWidth) + "  " + pad("op", opWidth) + "  output shape     MACs  inputs -> output\n"
        for (i, r) in rows.enumerated() {
            out += "  " + pad(String(i), 3) + " " + pad(r.name, nameWidth) + "  " + pad(r.op, opWidth) + "  "
                + pad(r.shape.description, 14) + " " + leftPad(String(r.macs), 7)
                + "  \(r.inputs.joined(separator: ", ")) -> \(r.output)\n"
        }
        out += "parameters: \(model.parameterCount) (\(model.parameterBytes) bytes)\n"
        out += "MACs per run: \(model.multiplyAccumulates)\n"
        out += "arena: \(model.arenaBytes) bytes\n"
        return out
    }

    private static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private static func leftPad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
