import AlertbridgeIngest
import AlertbridgeTestSupport
import Testing

@Suite("Framer")
struct FramerTests {
    static let rows = Corpus.rows("framing")

    /// Feeds `chunks`, draining after each, and checks the memory bound on the way.
    static func frames(_ chunks: [[UInt8]], _ configuration: SyslogFramer.Configuration = .init()) -> [SyslogFramer.Frame] {
        var framer = SyslogFramer(configuration: configuration)
        var out: [SyslogFramer.Frame] = []
        for chunk in chunks {
            framer.append(chunk)
            while let frame = framer.nextFrame() { out.append(frame) }
            // Drained: only the frame being assembled (or a MSG-LEN's digits) is held.
            #expect(framer.bufferedByteCount <= framer.maxHeldBytes)
        }
        out += framer.finish()
        return out
    }

    static func stream(_ row: CorpusRow) -> [UInt8] { Array((row.fields["stream"]?.string ?? "").utf8) }

    @Test("framing.jsonl", arguments: rows)
    func corpusStream(_ row: CorpusRow) {
        let expected = (row.fields["expect_frames"]?.array ?? []).compactMap(\.string).map { Array($0.utf8) }
        let got = Self.frames([Self.stream(row)])
        if row.fields["error"] != nil {
            // go-syslog stops at the framing error. We keep going frame by frame (nothing is
            // dropped), so the frames it did deliver must come first and intact, and every
            // frame after them must carry a flag that says what went wrong.
            #expect(got.count >= expected.count, "\(row.id)")
            for (frame, want) in zip(got, expected) {
                #expect(frame.bytes == want && !frame.isIncomplete && !frame.hasInvalidOctetCount, "\(row.id)")
            }
            for frame in got.dropFirst(expected.count) {
                #expect(frame.isIncomplete || frame.hasInvalidOctetCount, "\(row.id): unflagged frame after the error")
            }
        } else {
            #expect(got.map(\.bytes) == expected, "\(row.id)")
            // Only a final unterminated frame may be incomplete (go-syslog flushes it at close).
            for frame in got.dropLast() { #expect(!frame.isIncomplete, "\(row.id)") }
            #expect(got.allSatisfy { !$0.isTruncated && !$0.hasInvalidOctetCount }, "\(row.id)")
        }
        let isOctetCounted = (row.fields["framing"]?.string ?? "").hasPrefix("octet")
        if row.fields["error"] == nil, isOctetCounted {
            // framing-1 declares 38 octets for its last frame but the stream holds 37 (the
            // corpus copies go-syslog's vector as is): that frame must come out incomplete.
            for frame in got {
                #expect(frame.framing == .octetCounting, "\(row.id)")
                if frame.isIncomplete {
                    #expect(frame.bytes.count < (frame.declaredLength ?? 0), "\(row.id)")
                } else {
                    #expect(frame.declaredLength == frame.bytes.count, "\(row.id)")
                }
            }
        }
    }

    /// The same stream cut anywhere in two, or fed one octet at a time, must give the same
    /// frames (what NIO's ByteToMessageDecoderVerifier checks for a decoder).
    static func assertSplitInvariant(_ stream: [UInt8], _ configuration: SyslogFramer.Configuration = .init(),
                                     comment: String) {
        let whole = frames([stream], configuration)
        for cut in 0...stream.count {
            let split = frames([Array(stream[..<cut]), Array(stream[cut...])], configuration)
            #expect(split == whole, "\(comment): split at \(cut)")
        }
        #expect(frames(stream.map { [$0] }, configuration) == whole, "\(comment): 1-octet pieces")
    }

    @Test("framing.jsonl streams split anywhere", arguments: rows)
    func splitInvariance(_ row: CorpusRow) {
        Self.assertSplitInvariant(Self.stream(row), comment: row.id)
        // Again with a tiny limit so that truncation and skipping are exercised on every row.
        Self.assertSplitInvariant(Self.stream(row), .init(maxFrameSize: 7), comment: row.id + " (limit 7)")
    }

    @Test("MSG-LEN of more than 10 digits falls back to LF framing",
          arguments: ["99999999999", "9223372036854775808", "18446744073709551616", "123456789012345678901234567890"])
    func absurdCount(_ digits: String) {
        let stream = Array("\(digits) <1>1 - - - - - - x\n<2>1 - - - - - - y\n".utf8)
        let got = Self.frames([stream])
        #expect(got.count == 2)
        #expect(got.first?.bytes == Array("\(digits) <1>1 - - - - - - x".utf8))
        #expect(got.first?.hasInvalidOctetCount == true)
        #expect(got.first?.framing == .nonTransparent)
        #expect(got.last?.bytes == Array("<2>1 - - - - - - y".utf8))
        Self.assertSplitInvariant(stream, comment: digits)
    }

    @Test("A 10-digit MSG-LEN beyond the limit is truncated and skipped without buffering")
    func hugeCountSkipped() {
        let limit = 1024
        var framer = SyslogFramer(configuration: .init(maxFrameSize: limit))
        framer.append(Array("9999999999 ".utf8))
        #expect(framer.nextFrame() == nil)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 65_536)
        var frames: [SyslogFramer.Frame] = []
        for _ in 0..<64 {  // 4 MiB of payload
            framer.append(chunk)
            while let frame = framer.nextFrame() { frames.append(frame) }
            #expect(framer.bufferedByteCount <= limit)
        }
        #expect(frames.count == 1)
        #expect(frames.first?.bytes.count == limit)
        #expect(frames.first?.isTruncated == true)
        #expect(frames.first?.declaredLength == 9_999_999_999)
        #expect(framer.finish().isEmpty, "the skipped tail is not reported twice")
    }

    @Test("An honest oversized octet-counted frame keeps the stream in sync")
    func oversizedStaysInSync() {
        let limit = 64 * 1024
        let big = [UInt8](repeating: UInt8(ascii: "b"), count: 200_000)
        let stream = Array("200000 ".utf8) + big + Array("11 <1>1 hello".utf8)
        let got = Self.frames(stride(from: 0, to: stream.count, by: 4096).map { Array(stream[$0..<min($0 + 4096, stream.count)]) },
                              .init(maxFrameSize: limit))
        #expect(got.count == 2)
        #expect(got[0].bytes.count == limit && got[0].isTruncated && got[0].declaredLength == 200_000)
        #expect(got[1].bytes == Array("<1>1 hello".utf8) && !got[1].isTruncated)
    }

    @Test("A non-transparent line beyond the limit is truncated, the rest skipped")
    func longLineTruncated() {
        let limit = 100
        let line = [UInt8](repeating: UInt8(ascii: "z"), count: 1_000_000)
        let stream = line + [Byte.lf] + Array("<13>next\n".utf8)
        let got = Self.frames(stride(from: 0, to: stream.count, by: 65_536).map { Array(stream[$0..<min($0 + 65_536, stream.count)]) },
                              .init(maxFrameSize: limit))
        #expect(got.count == 2)
        #expect(got[0].bytes.count == limit && got[0].isTruncated)
        #expect(got[1].bytes == Array("<13>next".utf8))
        // Exactly at the limit is not truncated, wherever the stream is cut.
        Self.assertSplitInvariant(Array(String(repeating: "q", count: 10).utf8) + [Byte.lf, 0x61, Byte.lf],
                                  .init(maxFrameSize: 10), comment: "exact limit")
    }

    /// Found by FuzzSyslogFramer: digits that were not a MSG-LEN became a
    /// frame longer than a limit below 10 octets. (Configurations allow no
    /// less than 2048; the framer itself must still keep its promise.)
    @Test("Digits that are no MSG-LEN never make a frame longer than a tiny limit", arguments: [1, 3, 9])
    func digitsOverTinyLimit(_ limit: Int) {
        let configuration = SyslogFramer.Configuration(maxFrameSize: limit)
        for stream in ["1234567x rest\n<13>ok\n", "123456", "12345678\n"] {
            for split in 0...stream.utf8.count {
                let bytes = Array(stream.utf8)
                let got = Self.frames([Array(bytes[..<split]), Array(bytes[split...])], configuration)
                #expect(got.allSatisfy { $0.bytes.count <= limit }, "\(stream) split at \(split): \(got)")
                #expect(got.first?.hasInvalidOctetCount == true, "\(stream) split at \(split): \(got)")
                let firstLine = stream.prefix { $0 != "\n" }
                #expect(got.first?.isTruncated == (firstLine.utf8.count > limit), "\(stream) split at \(split): \(got)")
            }
        }
    }

    @Test("Hostile counts, zero, negative and empty input")
    func odds() {
        #expect(Self.frames([]).isEmpty)
        #expect(Self.frames([Array("\n\n\0\0".utf8)]).isEmpty, "empty frames are skipped")
        let zero = Self.frames([Array("0 x\n".utf8)])
        #expect(zero.map(\.bytes) == [Array("0 x".utf8)], "a leading 0 is no MSG-LEN")
        let negative = Self.frames([Array("-1 x\n".utf8)])
        #expect(negative.map(\.bytes) == [Array("-1 x".utf8)])
        let unfinished = Self.frames([Array("5 ab".utf8)])
        #expect(unfinished.count == 1 && unfinished[0].isIncomplete && unfinished[0].declaredLength == 5)
        Self.assertSplitInvariant(Array("3 abc\n\n 4 defg<1>x\0 5 hij".utf8), comment: "mixed")
    }
}

enum Byte {
    static let lf: UInt8 = 0x0A
}
