/// A quick hash of raw bytes for the caches that remember what some bytes
/// decoded to (JSON label objects at intake, encoded label sets in the
/// inbox): FNV-1a over 8-byte words, so a few hundred bytes hash in tens of
/// nanoseconds. Not for identity: those caches compare the bytes in full,
/// and a collision only costs them a miss.
package enum ByteHash {
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        var index = 0
        while index + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 1_099_511_628_211
            hash ^= hash >> 29
            index += 8
        }
        while index < bytes.count {
            hash = (hash ^ UInt64(bytes[index])) &* 1_099_511_628_211
            index += 1
        }
        return hash ^ UInt64(bytes.count)
    }
}
