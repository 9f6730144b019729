import Foundation
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The UDP socket's receive buffer: sizing it, and counting what the kernel
/// dropped because it was full.
///
/// UDP has no backpressure. When the listener falls behind, datagrams wait in
/// this buffer, and once it is full the kernel drops them and counts the drops
/// per socket in the last column of `/proc/net/udp` (`udp6` for IPv6). That
/// counter is the only place such a loss is visible, so the listener polls it.
enum UDPReceiveBuffer {
    /// Asks for `bytes` of receive buffer and returns what the kernel granted.
    ///
    /// `SO_RCVBUF` is capped at `net.core.rmem_max` (often 208 KiB);
    /// `SO_RCVBUFFORCE` is not, but needs `CAP_NET_ADMIN`, so it is tried
    /// first and its failure is expected. Linux reports twice the size it
    /// books (the other half is for its own bookkeeping), so the granted size
    /// is half of what reads back.
    static func configure(_ channel: any Channel, bytes: Int, logger: Logger) async -> Int? {
        let value = SocketOptionValue(clamping: bytes)
        #if os(Linux)
        let force = ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: CInt(SO_RCVBUFFORCE)))
        let forced = (try? await channel.setOption(force, value: value).get()) != nil
        #else
        let forced = false
        #endif
        if !forced {
            do {
                try await channel.setOption(.socketOption(.so_rcvbuf), value: value).get()
            } catch {
                logger.warning("syslog udp receive buffer not set", metadata: ["error": "\(error)"])
            }
        }
        guard let readBack = try? await channel.getOption(.socketOption(.so_rcvbuf)).get() else { return nil }
        #if os(Linux)
        let granted = Int(readBack) / 2
        #else
        let granted = Int(readBack)
        #endif
        if granted < bytes {
            logger.warning(
                "syslog udp receive buffer smaller than configured; raise net.core.rmem_max or run with CAP_NET_ADMIN",
                metadata: ["configured": "\(bytes)", "granted": "\(granted)"])
        }
        return granted
    }

    // MARK: - Drops

    /// One row of `/proc/net/udp` or `/proc/net/udp6`.
    struct SocketRow: Equatable {
        var localPort: Int
        var inode: UInt64
        var drops: UInt64
    }

    /// Where one socket's drop counter lives: the table and the socket's inode.
    struct DropSource: Equatable {
        var table: String
        var inode: UInt64

        /// The kernel's drop count for the socket, or nil when the table or
        /// the socket is gone.
        func drops() -> UInt64? {
            guard let text = UDPReceiveBuffer.readProcFile(table) else { return nil }
            return UDPReceiveBuffer.parse(text).first { $0.inode == inode }?.drops
        }
    }

    /// Finds this process's UDP socket bound to `port`. The port alone could
    /// match another process's socket (`SO_REUSEPORT`) or another of ours on a
    /// different address family, so the row's inode must also be one of the
    /// sockets open in this process, and the match must be unique.
    static func dropSource(port: Int, ipv6: Bool) -> DropSource? {
        let table = ipv6 ? "/proc/net/udp6" : "/proc/net/udp"
        guard let text = readProcFile(table) else { return nil }
        let candidates = parse(text).filter { $0.localPort == port }
        guard !candidates.isEmpty else { return nil }
        let ours = openSocketInodes()
        let matches = candidates.filter { ours.contains($0.inode) }
        guard matches.count == 1, let row = matches.first else { return nil }
        return DropSource(table: table, inode: row.inode)
    }

    /// Parses the rows of `/proc/net/udp(6)`:
    /// `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops`.
    /// Rows that do not have that shape are skipped.
    static func parse(_ text: String) -> [SocketRow] {
        var rows: [SocketRow] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 13,
                let colon = fields[1].lastIndex(of: ":"),
                let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16),
                let inode = UInt64(fields[9]),
                let drops = UInt64(fields[fields.count - 1])
            else { continue }
            rows.append(SocketRow(localPort: port, inode: inode, drops: drops))
        }
        return rows
    }

    /// Inodes of the sockets this process has open (`/proc/self/fd/N -> socket:[inode]`).
    static func openSocketInodes() -> Set<UInt64> {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        var inodes: Set<UInt64> = []
        for entry in entries {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"),
                target.hasPrefix("socket:["), target.hasSuffix("]"),
                let inode = UInt64(target.dropFirst("socket:[".count).dropLast())
            else { continue }
            inodes.insert(inode)
        }
        return inodes
    }

    /// Reads a `/proc` file to its end. Their size reads as 0, so read until
    /// EOF rather than trusting `stat`.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
