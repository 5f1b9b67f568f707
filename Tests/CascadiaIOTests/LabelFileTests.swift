import Foundation
import Testing
@testable import CascadiaIO

@Suite struct LabelFileTests {
    @Test func parsesHeaderCommentsAndRows() throws {
        let text = "start_s,end_s,class\n# a comment\n0,2.5,vehicle\n\n3, 4 ,footstep\n"
        #expect(
            try LabelFile.parse(text, path: "l.csv") == [
                Label(startSeconds: 0, endSeconds: 2.5, className: "vehicle"),
                Label(startSeconds: 3, endSeconds: 4, className: "footstep"),
            ])
    }

    @Test(arguments: [
        ("1,2\n", "l.csv:1", "expected start_s,end_s,class, found 2 fields"),
        ("0,1,a\nx,2,b\n", "l.csv:2", "start_s and end_s must be numbers"),
        ("2,1,a\n", "l.csv:1", "need 0 ≤ start_s < end_s, found 2,1"),
        ("0,1,\n", "l.csv:1", "empty class"),
    ])
    func badRowsNameFileAndLine(text: String, place: String, reason: String) {
        #expect(throws: IOError.badData(place, reason)) { try LabelFile.parse(text, path: "l.csv") }
    }

    @Test func findsTheLabelFileBesideARecording() throws {
        let dir = try TemporaryDirectory()
        #expect(LabelFile.path(besides: dir.path + "/a.wav") == nil)
        try "".write(toFile: dir.path + "/labels.csv", atomically: true, encoding: .utf8)
        #expect(LabelFile.path(besides: dir.path + "/a.wav") == dir.path + "/labels.csv")
        try "".write(toFile: dir.path + "/a.labels.csv", atomically: true, encoding: .utf8)
        #expect(LabelFile.path(besides: dir.path + "/a.wav") == dir.path + "/a.labels.csv")
    }
}
