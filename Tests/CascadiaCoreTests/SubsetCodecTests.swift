import Testing
@testable import CascadiaCore

@Suite struct SubsetCodecTests {
    let letters = SubsetCodec(ids: ["A", "B", "C"])
    let words = SubsetCodec(ids: ["cnn", "dsp", "gru"])

    @Test func keysAreCanonical() {
        #expect(letters.key(0) == "")
        #expect(letters.key(0b101) == "AC")
        #expect(words.key(0b101) == "cnn+gru")
        #expect(letters.members(0b110) == ["B", "C"])
    }

    @Test func parsesEveryAcceptedSpelling() {
        #expect(letters.mask("") == 0)
        #expect(letters.mask("-") == 0)
        #expect(letters.mask("AC") == 0b101)
        #expect(letters.mask("CA") == 0b101)
        #expect(letters.mask("A+C") == 0b101)
        #expect(letters.mask(" C + A ") == 0b101)
        #expect(words.mask("gru+cnn") == 0b101)
        #expect(words.mask("dsp") == 0b010)
    }

    @Test func rejectsUnknownAndRepeatedIDs() {
        #expect(letters.mask("AD") == nil)
        #expect(letters.mask("AA") == nil)
        #expect(letters.mask("A++C") == nil)
        #expect(words.mask("cnndsp") == nil)
        #expect(throws: ProfileError.self) { try letters.mask("AX", file: "f.tsv", field: "line 3 experts") }
    }
}
