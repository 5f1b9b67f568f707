import CKernels

/// A loaded, fully validated expert model file (docs/model-format.md), memory-mapped.
///
/// Loading checks everything before anything is used: the container, the metadata document,
/// the graph, every weight's dtype and shape, every derived requantization, and the arena bound.
/// An `ExpertModel` is immutable; each `Expert` prepared from it owns its own arena.
public final class ExpertModel: @unchecked Sendable {
    /// The format versions this loader reads.
    public static let supportedVersions = ["1"]

    /// The path (or name) the model was loaded from, used in errors.
    public let path: String
    public let description: ModelDescription
    /// The tensors stored in the file, in header order.
    public let storedTensors: [StoredTensor]
    /// The file's `format_version`.
    public let formatVersion: String
    let plan: GraphPlan
    let file: MappedFile
    /// Arena layout: activations first, then kernel scratch, then GRU state.
    let scratchOffset: Int
    let scratchBytes: Int
    let gruStateOffset: Int
    /// Total bytes of the arena each `Expert` allocates.
    public let arenaBytes: Int

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws(ModelError) {
        let file: MappedFile
        do throws(FormatProblem) {
            file = try MappedFile(path: path, minSize: 8, maxSize: SafetensorsContainer.maxFileBytes)
        } catch {
            throw ModelError(file: path, problem: error.message)
        }
        try self.init(file: file, path: path)
    }

    /// Validates a model held in memory (tests, fuzzing); `name` stands for the path in errors.
    public convenience init(bytes: [UInt8], name: String) throws(ModelError) {
        guard bytes.count <= SafetensorsContainer.maxFileBytes else {
            throw ModelError(file: name, problem: "file is \(bytes.count) bytes, larger than the limit")
        }
        try self.init(file: MappedFile(copying: bytes), path: name)
    }

    private init(file: MappedFile, path: String) throws(ModelError) {
        self.path = path
        self.file = file
        do throws(FormatProblem) {
            let container = try SafetensorsContainer(bytes: file.bytes)
            let meta = container.metadata
            for key in meta.keys where !["format", "format_version", "cascadia"].contains(key) {
                throw FormatProblem("__metadata__ has unknown key '\(key.prefix(64))'")
            }
            guard let format = meta["format"] else { throw FormatProblem("__metadata__ has no 'format'") }
            guard format == "cascadia-expert" else { throw FormatProblem("__metadata__.format '\(format.prefix(64))' is not cascadia-expert") }
            guard let version = meta["format_version"] else { throw FormatProblem("__metadata__ has no 'format_version'") }
            guard Self.supportedVersions.contains(version) else {
                throw FormatProblem("format_version '\(version.prefix(32))' is not supported (this loader reads \(Self.supportedVersions.joined(separator: ", ")))")
            }
            guard let text = meta["cascadia"] else { throw FormatProblem("__metadata__ has no 'cascadia' document") }
            let json: JSONValue
            do throws(FormatProblem) {
                json = try JSONParser.parse(text)
            } catch {
                throw FormatProblem("__metadata__.cascadia: \(error.message)")
            }
            let description = try ModelDescription(json: json)
            let plan = try GraphPlan(description: description, tensors: container.tensors)
            for i in plan.modalityInputs {
                let scale = Float(description.tensors[i].scale)
                guard scale.isNormal else {
                    throw FormatProblem("input '\(description.tensors[i].name)': scale \(description.tensors[i].scale) is not a normal float32")
                }
            }
            // Kernel scratch (shared by all layers, which run one after another) and GRU state.
            var scratch = 0, state = 0
            for layer in plan.layers {
                let x = description.tensors[layer.inputs[0]].shape
                var dims = nn_dims(t: Int32(x.t), l: Int32(x.l), c: Int32(x.c))
                var need: Int32 = 0
                switch layer.layer.op {
                case .conv1d:
                    let w = layer.weights[0].shape
                    var f = nn_filter_dims(out_ch: Int32(w[0]), kernel: Int32(w[1]), in_ch: Int32(w[2]))
                    need = nn_conv1d_s8_get_buffer_size(&dims, &f)
                case .dense:
                    let w = layer.weights[0].shape
                    dims = nn_dims(t: 1, l: 1, c: Int32(x.count))
                    var f = nn_filter_dims(out_ch: Int32(w[0]), kernel: 1, in_ch: Int32(w[1]))
                    need = nn_dense_s8_get_buffer_size(&dims, &f)
                case .gru(let h, _, _, _, _, _, _):
                    var f = nn_filter_dims(out_ch: Int32(3 * h), kernel: 1, in_ch: Int32(h))
                    need = nn_gru_s8_s16_get_buffer_size(&f)
                    state = max(state, 2 * h)
                default:
                    need = 0
                }
                guard need >= 0 else { throw FormatProblem("layer '\(layer.layer.name)': the kernel rejects its shapes") }
                scratch = max(scratch, Int(need))
            }
            scratchOffset = plan.activationBytes
            scratchBytes = GraphPlan.aligned(scratch)
            gruStateOffset = scratchOffset + scratchBytes
            arenaBytes = max(gruStateOffset + GraphPlan.aligned(state), GraphPlan.arenaAlignment)
            guard arenaBytes <= GraphPlan.maxArenaBytes else {
                throw FormatProblem("the arena needs \(arenaBytes) bytes, more than the \(GraphPlan.maxArenaBytes)-byte limit")
            }
            self.description = description
            self.plan = plan
            formatVersion = version
            storedTensors = container.tensors
        } catch {
            throw ModelError(file: path, problem: error.message)
        }
    }

    /// Weights and biases stored in the file (elements).
    public var parameterCount: Int { plan.parameterCount }
    /// Bytes of the stored weights and biases.
    public var parameterBytes: Int { storedTensors.reduce(0) { $0 + $1.byteCount } }
    /// Multiply-accumulates of one run.
    public var multiplyAccumulates: Int { plan.totalMACs }

    /// One row per layer for reports: op, name, input and output tensor names, output shape, MACs.
    public var layerSummaries: [(name: String, op: String, inputs: [String], output: String, shape: Shape3, macs: Int)] {
        plan.layers.map { l in
            let out = description.tensors[l.output]
            return (l.layer.name, l.layer.op.opName, l.layer.inputs, out.name, out.shape, l.macs)
        }
    }

    /// Base address of a stored tensor's bytes inside the mapping.
    func pointer(to tensor: StoredTensor) -> UnsafeRawPointer {
        // fileOffset + byteCount ≤ file size was checked by SafetensorsContainer.
        file.bytes.baseAddress.unsafelyUnwrapped + tensor.fileOffset
    }
}
