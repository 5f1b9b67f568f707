import Testing
@testable import CascadiaRuntime

@Suite struct ProfilerSHA256Tests {
    @Test func fipsExamples() {
        // FIPS 180-4 examples (one block, empty, two blocks).
        #expect(
            ProfilerSHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ProfilerSHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            ProfilerSHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Padding boundaries (55 and 64 bytes) and a multi-block message; digests from coreutils sha256sum.
    @Test func paddingBoundariesAndChunkedUpdates() {
        #expect(
            ProfilerSHA256.hex([UInt8](repeating: 0x61, count: 55))
                == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(
            ProfilerSHA256.hex([UInt8](repeating: 0x61, count: 64))
                == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        let expected = "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d"
        #expect(ProfilerSHA256.hex(bytes) == expected)
        var hash = ProfilerSHA256()
        hash.update(bytes[0..<7])
        hash.update(bytes[7..<700])
        hash.update(bytes[700...])
        #expect(hash.hexDigest() == expected)
    }
}
