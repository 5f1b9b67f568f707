import CascadiaIO

/// Ground truth per window from a recording's label rows.
///
/// A window `[t, t + W)` (seconds from the labelled file's first sample) gets the class of the
/// label row that overlaps it longest (the first such row on ties); a window no row overlaps is
/// unlabelled (−1). Classes are indices into the experts' class list, resolved at init.
public struct PipelineLabels: Sendable {
    private let starts: [Double]
    private let ends: [Double]
    private let classes: [Int32]

    /// - Throws: `PipelineError` (65) naming `path` when a row's class is not one of `classNames`.
    public init(labels: [Label], classNames: [String], path: String) throws {
        var starts: [Double] = []
        var ends: [Double] = []
        var classes: [Int32] = []
        for label in labels {
            guard let index = classNames.firstIndex(of: label.className) else {
                throw PipelineError(
                    path, "class '\(label.className)' is not one of the experts' classes \(classNames)", exitCode: .data)
            }
            starts.append(label.startSeconds)
            ends.append(label.endSeconds)
            classes.append(Int32(index))
        }
        self.starts = starts
        self.ends = ends
        self.classes = classes
    }

    public var isEmpty: Bool { classes.isEmpty }

    /// The class of the window `[startSeconds, startSeconds + lengthSeconds)`, or −1.
    /// - Note: Real-time safe.
    public func classIndex(startSeconds: Double, lengthSeconds: Double) -> Int32 {
        let end = startSeconds + lengthSeconds
        var best: Int32 = -1
        var bestOverlap = 0.0
        for i in 0..<classes.count {
            let overlap = min(end, ends[i]) - max(startSeconds, starts[i])
            if overlap > bestOverlap {
                bestOverlap = overlap
                best = classes[i]
            }
        }
        return best
    }
}
