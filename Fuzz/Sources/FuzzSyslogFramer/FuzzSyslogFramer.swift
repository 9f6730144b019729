import AlertbridgeIngest
import CLibFuzzer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer entry point for `SyslogFramer`. Byte 0 is the configuration, the rest is
/// what a TCP peer sent:
/// - `maxFrameSize = 1 + byte0 % 64`, small so that the truncation and skip paths run
///   on most inputs (and at least `FUZZ_FRAMER_MIN_FRAME_SIZE` from the environment, to
///   fuzz past a known finding until its fix lands, see README.md);
/// - `skipLeadingSpaces` unless bit 6 of byte 0 is set.
///
/// Checks, each from a sentence of `SyslogFramer`'s doc comments:
/// - the frames do not depend on how the stream was split: one piece, two pieces split
///   at a point taken from the data, one byte at a time, and uneven chunks drained only
///   every other append all give the same frames (`finish()` at the end);
/// - no frame exceeds `maxFrameSize`, and after draining the framer holds at most one
///   frame (`bufferedByteCount <= maxFrameSize`); `finish()` leaves it empty and reusable;
/// - each frame is a piece of the stream, in stream order; octet-counted frames have
///   their declared length (or the limit, flagged truncated); non-transparent frames hold
///   no LF or NUL and do not start with a skipped space; only the last frame can be
///   incomplete; the framer never makes `.datagram` frames.
/// The executable's entry point: SwiftPM links `main` as `FuzzSyslogFramer_main`, and
/// `-parse-as-library` leaves that to us. libFuzzer's driver takes it from here.
@_cdecl("FuzzSyslogFramer_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return withUnsafePointer(to: 0 as UInt8) { fuzz($0, 0) } }
        return fuzz(data, size)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = Int(data[0])
    let configuration = SyslogFramer.Configuration(
        maxFrameSize: max(minimumFrameSize, 1 + control % 64),
        skipLeadingSpaces: control & 64 == 0
    )
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    var framer = SyslogFramer(configuration: configuration)
    let whole = frames(of: stream, chunks: [stream.count], framer: &framer)
    check(whole, of: stream, configuration)

    // finish() resets: the same framer gives the same frames again.
    require(frames(of: stream, chunks: [stream.count], framer: &framer) == whole, "a framer reused after finish() differs")

    let split = control % (stream.count + 1)
    var fresh = SyslogFramer(configuration: configuration)
    let twoPieces = frames(of: stream, chunks: [split, stream.count - split], framer: &fresh)
    require(twoPieces == whole, "split at \(split): \(twoPieces) != \(whole)")

    fresh = SyslogFramer(configuration: configuration)
    let byteByByte = frames(of: stream, chunks: Array(repeating: 1, count: stream.count), framer: &fresh)
    require(byteByByte == whole, "byte by byte: \(byteByByte) != \(whole)")

    var uneven: [Int] = []
    var offset = 0
    while offset < stream.count {
        let length = min(1 + Int(stream[offset]) % 17, stream.count - offset)
        uneven.append(length)
        offset += length
    }
    fresh = SyslogFramer(configuration: configuration)
    let chunked = frames(of: stream, chunks: uneven, drainEvery: 2, framer: &fresh)
    require(chunked == whole, "chunks \(uneven): \(chunked) != \(whole)")
    return 0
}

let minimumFrameSize: Int = {
    guard let raw = getenv("FUZZ_FRAMER_MIN_FRAME_SIZE"), let value = Int(String(cString: raw)) else { return 1 }
    return min(max(value, 1), 64)
}()

func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    precondition(condition, message(), file: file, line: line)
}

/// Feeds `stream` in pieces of the given lengths, draining after every `drainEvery`-th
/// append and at the end, then calls `finish()`.
func frames(of stream: [UInt8], chunks: [Int], drainEvery: Int = 1, framer: inout SyslogFramer) -> [SyslogFramer.Frame] {
    let limit = framer.maxHeldBytes
    var out: [SyslogFramer.Frame] = []
    var offset = 0
    for (index, length) in chunks.enumerated() {
        framer.append(stream[offset..<(offset + length)])
        offset += length
        guard (index + 1) % drainEvery == 0 || index == chunks.count - 1 else { continue }
        while let frame = framer.nextFrame() {
            require(!frame.isIncomplete, "nextFrame() returned an incomplete frame")
            out.append(frame)
        }
        // Drained: what is left is at most the frame being assembled (or a count's digits).
        require(framer.bufferedByteCount <= limit,
                "holds \(framer.bufferedByteCount) bytes after draining, at most \(limit) allowed")
    }
    let rest = framer.finish()
    for frame in rest.dropLast() { require(!frame.isIncomplete, "finish(): an incomplete frame before the last") }
    out += rest
    require(framer.bufferedByteCount == 0, "finish() left \(framer.bufferedByteCount) bytes")
    return out
}

func check(_ frames: [SyslogFramer.Frame], of stream: [UInt8], _ configuration: SyslogFramer.Configuration) {
    let limit = configuration.maxFrameSize
    var searchFrom = 0
    for (index, frame) in frames.enumerated() {
        let bytes = frame.bytes
        require(bytes.count <= limit, "\(frame) is longer than maxFrameSize \(limit)")
        require(!frame.isIncomplete || index == frames.count - 1, "\(frame) is incomplete but not last")
        switch frame.framing {
        case .octetCounting:
            guard let declared = frame.declaredLength else { fatalError("\(frame): octet counting without MSG-LEN") }
            require(declared >= 1 && !frame.hasInvalidOctetCount, "\(frame): bad octet-counting metadata")
            require(frame.isTruncated == (declared > limit), "\(frame): isTruncated disagrees with MSG-LEN \(declared)")
            if frame.isIncomplete {
                require(bytes.count < min(declared, limit), "\(frame): incomplete but all octets arrived")
            } else {
                require(bytes.count == min(declared, limit), "\(frame): not MSG-LEN (or the limit) octets")
            }
        case .nonTransparent:
            require(frame.declaredLength == nil, "\(frame): non-transparent with a MSG-LEN")
            require(!bytes.isEmpty, "an empty non-transparent frame")
            require(!bytes.contains(0x0A) && !bytes.contains(0), "\(frame) contains its trailer")
            require(!(configuration.skipLeadingSpaces && bytes.first == 0x20), "\(frame) starts with a skipped space")
            require(!frame.isTruncated || bytes.count == limit, "\(frame): truncated below the limit")
            if frame.hasInvalidOctetCount {
                require(bytes.first.map { $0 >= 0x31 && $0 <= 0x39 } == true, "\(frame): invalid count without digits")
            }
        case .datagram:
            fatalError("the framer made a datagram frame")
        }
        // In stream order and taken from the stream (the leftmost match is enough to
        // show that an ordered, non-overlapping placement exists).
        guard let found = firstIndex(of: bytes, in: stream, from: searchFrom) else {
            fatalError("\(frame) is not a piece of the stream after the previous frame")
        }
        searchFrom = found + bytes.count
    }
}

func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard let first = needle.first else { return start <= haystack.count ? start : nil }
    var i = start
    while i + needle.count <= haystack.count {
        if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        i += 1
    }
    return nil
}
