import Testing
@testable import CascadiaModels

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(FormatProblem) -> JSONValue { try JSONParser.parse(text) }

    @Test func parsesEveryKind() throws {
        let v = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00"}  "#)
        guard case .object(let members) = v, members.count == 2, case .array(let items) = members[0].value,
            case .string(let s) = members[1].value
        else {
            Issue.record("wrong structure")
            return
        }
        #expect(members.map(\.key) == ["a", "b"])
        #expect(items.count == 5)
        if case .number(let n) = items[1] { #expect(n == "-2.5e3") } else { Issue.record("not a number") }
        if case .bool(let b) = items[2] { #expect(b) } else { Issue.record("not a bool") }
        #expect(s == "x\"\\/\n\u{e9}\u{1F600}")
    }

    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", "duplicate key 'a'"),
        ("[01]", "offset 2: expected ',' or ']'"),
        ("[1.]", "bad fraction"),
        ("[1e]", "bad exponent"),
        ("[-]", "bad number"),
        ("[+1]", "unexpected byte 0x2b"),
        ("[\"\\ud800\"]", "lone high surrogate"),
        ("[\"\\udc00\"]", "lone low surrogate"),
        ("[\"\\x\"]", "bad escape"),
        ("[\"a\u{01}\"]", "control character in string"),
        ("[tru]", "bad literal"),
        ("[1,]", "unexpected byte 0x5d"),
        ("{\"a\" 1}", "expected ':'"),
        ("{1:2}", "expected a key"),
        ("[1 2]", "expected ',' or ']'"),
        ("[1", "unterminated array"),
        ("\"abc", "unterminated string"),
        ("", "unexpected end"),
        ("[1] x", "unexpected byte after the JSON value at offset 4"),
        ("[1234567890123456789012345678901234567890123456789012345678901234567890]", "longer than 64"),
    ])
    func rejects(_ text: String, _ expected: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(expected), "\(text): \(error.message)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D]  // ["\xC3("]
        let message = bytes.withUnsafeBytes { b -> String? in
            do {
                _ = try JSONParser.parse(b)
                return nil
            } catch {
                return (error as? FormatProblem)?.message
            }
        }
        #expect(message?.contains("string is not UTF-8") == true)
    }

    @Test func boundsNesting() throws {
        _ = try parse(String(repeating: "[", count: 32) + String(repeating: "]", count: 32))
        #expect(throws: FormatProblem.self) {
            try parse(String(repeating: "[", count: 33) + String(repeating: "]", count: 33))
        }
    }
}
