import CascadiaCore
import Testing
@testable import CascadiaModels

/// Mutates valid model files thousands of times: every mutant is either rejected with a
/// `ModelError` or loads, prepares and runs to an answer. Nothing may crash (also run under
/// AddressSanitizer by `make test-asan`). Deterministic: a failure names its seed and iteration.
@Suite struct ModelMutationTests {
    enum Kind: String, CaseIterable, Sendable {
        case bitFlips, headerBitFlips, truncation, numberEdit, offsetEdit, tokenSwap, byteDeleteInsert, lengthField
    }

    struct Tally {
        var accepted = 0
        var rejected = 0
    }

    static let iterationsPerKind = 400

    @Test(arguments: Kind.allCases)
    func mutantsAreRejectedOrRunSafely(_ kind: Kind) {
        var tally = Tally()
        for (m, valid) in [TestModels.cnnBothFile(), TestModels.deepSenseFile()].enumerated() {
            var rng = SplitMix64(seed: UInt64(0xC0FFEE + m * 1000 + Kind.allCases.firstIndex(of: kind)!))
            for iteration in 0..<Self.iterationsPerKind {
                let mutant = Mutator.mutate(valid, kind, &rng)
                let model: ExpertModel
                do {
                    model = try ExpertModel(bytes: mutant, name: "mutant")
                } catch {
                    #expect(error.file == "mutant")
                    #expect(!error.problem.isEmpty && !error.problem.contains("\n"))
                    tally.rejected += 1
                    continue
                }
                tally.accepted += 1
                do {
                    let expert = try Expert(model: model)
                    feedRandomInputs(expert, seed: UInt64(iteration))
                    let outcome = expert.run()
                    guard case .answered(let answer) = outcome else {
                        Issue.record(
                            "\(kind) model \(m) iteration \(iteration): accepted mutant did not answer: \(outcome)")
                        continue
                    }
                    #expect((0..<model.description.labels.count).contains(answer.topClass))
                    #expect((0...1).contains(answer.topProbability))
                } catch {
                    // Preparation may still reject (e.g. a softmax scale exp() cannot tabulate).
                    #expect(!error.problem.isEmpty)
                }
            }
        }
        // Each kind must exercise both paths somewhere, or the mutator is not doing its job.
        switch kind {
        case .bitFlips:
            #expect(tally.accepted > 0)
            #expect(tally.rejected > 0)
        case .truncation, .lengthField:
            #expect(tally.rejected > 0)
        default:
            #expect(tally.rejected > 0)
        }
    }
}

/// Mutation operators over a safetensors file.
enum Mutator {
    static func headerRange(_ bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count >= 8 else { return nil }
        var n = 0
        for i in (0..<8).reversed() { n = n << 8 | Int(bytes[i]) }
        guard n > 0, 8 + n <= bytes.count else { return nil }
        return 8..<(8 + n)
    }

    /// Re-wraps an edited header text: fixes the length and the padding so later checks run.
    static func rewrap(_ header: [UInt8], data: ArraySlice<UInt8>) -> [UInt8] {
        var h = header
        while let last = h.last, last == 0x20 { h.removeLast() }
        while (8 + h.count) % 8 != 0 { h.append(0x20) }
        var out: [UInt8] = []
        var n = UInt64(h.count)
        for _ in 0..<8 { out.append(UInt8(n & 0xFF)); n >>= 8 }
        return out + h + data
    }

    /// Ranges of number tokens in the header text (also inside the escaped metadata document).
    static func numberTokens(_ h: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < h.count {
            let b = h[i]
            let isStart = (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-")
            let prev = i > 0 ? h[i - 1] : 0
            let prevIsWord =
                (prev >= 0x41 && prev <= 0x5A) || (prev >= 0x61 && prev <= 0x7A) || prev == 0x5F || prev == 0x2E
                || (prev >= 0x30 && prev <= 0x39)
            if isStart && !prevIsWord {
                var j = i + 1
                while j < h.count,
                    (h[j] >= 0x30 && h[j] <= 0x39) || h[j] == 0x2E || h[j] == 0x65 || h[j] == 0x45 || h[j] == 0x2D
                        || h[j] == 0x2B
                { j += 1 }
                out.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return out
    }

    static let interesting = [
        "0", "-1", "1", "2", "3", "7", "127", "128", "-128", "-129", "255", "256", "4096", "65536",
        "65537", "16777216", "16777217", "2147483647", "2147483648", "-2147483648", "4294967296",
        "9223372036854775807", "9223372036854775808", "1e308", "1e-320", "-0.0", "0.5", "1.5",
        "0.0000001", "1e999", "12345678901234567890",
    ]

    /// Quoted string tokens (without quotes) of the header, to swap with one another.
    static func stringTokens(_ h: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < h.count {
            if h[i] == 0x22 {  // a quote, possibly escaped (inside the document) — take letters after it
                var j = i + 1
                while j < h.count, h[j] != 0x22, h[j] != 0x5C { j += 1 }
                if j > i + 1, j - i < 40 { out.append((i + 1)..<j) }
                i = j + 1
            } else {
                i += 1
            }
        }
        return out
    }

    static func mutate(_ valid: [UInt8], _ kind: ModelMutationTests.Kind, _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = valid
        guard let hr = headerRange(valid) else { return bytes }
        let header = Array(valid[hr])
        let data = valid[hr.upperBound...]
        switch kind {
        case .bitFlips:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            return bytes
        case .headerBitFlips:
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: hr, using: &rng)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            return bytes
        case .truncation:
            return Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case .numberEdit:
            var h = header
            let tokens = numberTokens(h)
            guard let r = tokens.randomElement(using: &rng) else { return bytes }
            h.replaceSubrange(r, with: Array(interesting.randomElement(using: &rng)!.utf8))
            return rewrap(h, data: data)
        case .offsetEdit:
            var h = header
            let text = String(decoding: h, as: UTF8.self)
            let starts = text.utf8.indices.filter { text.utf8[$0...].starts(with: "data_offsets".utf8) }
            guard let s = starts.randomElement(using: &rng) else { return bytes }
            let from = text.utf8.distance(from: text.utf8.startIndex, to: s)
            guard let r = numberTokens(Array(h[from...])).prefix(2).randomElement(using: &rng) else { return bytes }
            let old = Int(String(decoding: h[(from + r.lowerBound)..<(from + r.upperBound)], as: UTF8.self)) ?? 0
            let delta = [-8, -4, -1, 1, 4, 8, 1000, -1000, 1 << 20].randomElement(using: &rng)!
            h.replaceSubrange((from + r.lowerBound)..<(from + r.upperBound), with: Array(String(old + delta).utf8))
            return rewrap(h, data: data)
        case .tokenSwap:
            var h = header
            let tokens = stringTokens(h)
            guard tokens.count > 2, let a = tokens.randomElement(using: &rng), let b = tokens.randomElement(using: &rng)
            else { return bytes }
            let replacement = Array(h[b])
            h.replaceSubrange(a, with: replacement)
            return rewrap(h, data: data)
        case .byteDeleteInsert:
            var h = header
            let i = Int.random(in: 0..<h.count, using: &rng)
            if Bool.random(using: &rng) {
                h.remove(at: i)
            } else {
                h.insert(Array("{}[],:\"\\0-e.".utf8).randomElement(using: &rng)!, at: i)
            }
            return rewrap(h, data: data)
        case .lengthField:
            let n = UInt64(header.count)
            let choices: [UInt64] = [
                0, 1, n - 8, n - 1, n + 1, n + 8, UInt64(valid.count), UInt64.max, 1 << 32, n << 1,
            ]
            var v = choices.randomElement(using: &rng)!
            for i in 0..<8 { bytes[i] = UInt8(v & 0xFF); v >>= 8 }
            return bytes
        }
    }
}
