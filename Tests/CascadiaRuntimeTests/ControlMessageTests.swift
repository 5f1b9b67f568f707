import Testing
@testable import CascadiaRuntime

@Suite struct ControlMessageTests {
    func parse(_ text: String) -> ControlRequest.Parsed { ControlRequest.parse(Array(text.utf8)) }

    @Test(arguments: [
        (#"{"cmd":"stats"}"#, ControlRequest.stats),
        (#"{"cmd":"get"}"#, .get),
        (#"{"cmd":"set-k","k":3}"#, .setSkipBack(3)),
        (#"{"cmd":"set-threshold","expert":"A","value":0.5}"#, .setThreshold(expert: "A", value: 0.5)),
        (#"{"cmd":"plan-load","path":"/p.json"}"#, .loadPlan(path: "/p.json")),
        (#"{"cmd":"auto-k","enabled":false}"#, .autoSkipBack(false)),
        (#"{"cmd":"subscribe"}"#, .subscribe),
        (#"{"cmd":"tune-k","candidates":[0,2],"windows":5,"tolerance":0.05}"#,
         .tuneSkipBack(candidates: [0, 2], windowsPerCandidate: 5, accuracyTolerance: 0.05)),
        (#"{"cmd":"tune-k","candidates":[1]}"#, .tuneSkipBack(candidates: [1], windowsPerCandidate: 30, accuracyTolerance: 0.01)),
    ])
    func parsesEveryRequest(line: String, expected: ControlRequest) {
        #expect(parse(line) == .request(expected, id: nil))
        // What a client encodes, the server parses back.
        #expect(parse(expected.encoded(id: 7)) == .request(expected, id: 7))
    }

    @Test(arguments: [
        ("not json", ControlReply.Code.malformed),
        (#"{"command":"stats"}"#, .malformed),
        (#"["stats"]"#, .malformed),
        (#"{"cmd":"reboot"}"#, .unknownCommand),
        (#"{"cmd":"set-k"}"#, .invalid),
        (#"{"cmd":"set-k","k":"two"}"#, .malformed),
        (#"{"cmd":"set-k","k":-1}"#, .invalid),
        (#"{"cmd":"set-threshold","expert":"A","value":1.5}"#, .invalid),
        (#"{"cmd":"set-threshold","value":0.5}"#, .invalid),
        (#"{"cmd":"plan-load","path":""}"#, .invalid),
        (#"{"cmd":"auto-k"}"#, .invalid),
        (#"{"cmd":"tune-k"}"#, .invalid),
        (#"{"cmd":"tune-k","candidates":[]}"#, .invalid),
        (#"{"cmd":"tune-k","candidates":[1,1]}"#, .invalid),
        (#"{"cmd":"tune-k","candidates":[-1]}"#, .invalid),
        (#"{"cmd":"tune-k","candidates":[1],"windows":0}"#, .invalid),
        (#"{"cmd":"tune-k","candidates":[1],"tolerance":2}"#, .invalid),
    ])
    func rejectsBadRequests(line: String, code: ControlReply.Code) {
        guard case .reject(let reply) = parse(line) else {
            Issue.record("accepted \(line)")
            return
        }
        #expect(reply.ok == false)
        #expect(reply.code == code)
        #expect(reply.error?.isEmpty == false)
    }

    @Test func idIsEchoedInErrors() {
        guard case .reject(let reply) = parse(#"{"cmd":"nope","id":42}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(reply.id == 42)
        #expect(reply.encoded == #"{"code":"unknown-command","error":"unknown command \"nope\"","id":42,"ok":false}"#)
    }

    @Test func replyEncodingIsStableAndDecodes() {
        let reply = ControlReply(ok: true, settings: ControlSettings(k: 2, autoK: true, plan: "/a/b.json", thresholds: ["A": 0.5]))
        #expect(reply.encoded == #"{"ok":true,"settings":{"autoK":true,"k":2,"plan":"/a/b.json","thresholds":{"A":0.5}}}"#)
        #expect(ControlReply.decode(reply.encoded) == reply)
    }

    @Test func windowEventsFrameOneRecordPerLine() {
        let event = ControlCodec.windowEvent(#"{"window":1}"#)
        #expect(event == #"{"event":"window","data":{"window":1}}"#)
        #expect(ControlClient.windowRecord(fromEvent: event!) == #"{"window":1}"#)
        #expect(ControlCodec.windowEvent("{\"a\":1}\n{\"b\":2}") == nil)
        #expect(ControlCodec.windowEvent("") == nil)
        #expect(ControlClient.windowRecord(fromEvent: #"{"event":"dropped","count":3}"#) == nil)
    }
}
