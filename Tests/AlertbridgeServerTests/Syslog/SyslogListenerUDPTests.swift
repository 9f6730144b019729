import AlertbridgeIngest
@testable import AlertbridgeServer
import NIOCore
import Testing

@Suite("Syslog listener: UDP")
struct SyslogListenerUDPTests {
    @Test("each datagram is one frame, with the sender's IP as peer")
    func datagramsArrive() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(udp: true), sink: sink) { running in
            let server = try running.address(.udp)
            let client = try await datagramClient()
            defer { client.close(promise: nil) }
            let messages = (1...50).map { rfc5424($0) }
            for message in messages { try await client.sendDatagram(Array(message.utf8), to: server) }

            try await eventually("50 frames arrived") { sink.frameCount == 50 }
            let frames = sink.frames
            #expect(Set(frames.map(\.text)) == Set(messages))  // UDP may reorder, loopback does not lose
            #expect(frames.allSatisfy { $0.framing == .datagram && !$0.isTruncated && !$0.isIncomplete })
            #expect(sink.calls.allSatisfy { $0.peer == SyslogPeer(address: "127.0.0.1", transport: .udp) })
            #expect(running.metric("alertbridge_syslog_messages_total", ["transport": "udp"]) == 50)
            #expect(
                running.metric("alertbridge_syslog_received_bytes_total", ["transport": "udp"])
                    == Double(messages.reduce(0) { $0 + $1.utf8.count }))
        }
    }

    @Test(
        "the largest datagram arrives whole, or cut at max_message_bytes and flagged",
        arguments: [(65536, false), (4096, true)])
    func largestDatagram(maxMessageBytes: Int, truncated: Bool) async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(udp: true) { $0.maxMessageBytes = maxMessageBytes }, sink: sink) { running in
            let client = try await datagramClient()
            defer { client.close(promise: nil) }
            // 65,507 octets: the largest UDP payload over IPv4.
            let payload = (0..<65_507).map { UInt8(truncatingIfNeeded: $0 % 251) }
            try await client.sendDatagram(payload, to: try running.address(.udp))

            try await eventually("the datagram arrived") { sink.frameCount == 1 }
            let frame = try #require(sink.frames.first)
            #expect(frame.bytes == Array(payload.prefix(maxMessageBytes)))
            #expect(frame.isTruncated == truncated)
            #expect(running.metric("alertbridge_syslog_truncated_total", ["transport": "udp"]) == (truncated ? 1 : 0))
        }
    }

    @Test("frames the sink refuses are counted as dropped, reason refused")
    func refusedFramesAreCounted() async throws {
        let sink = RecordingSink(.refuse)
        try await withListeners(testConfiguration(udp: true), sink: sink) { running in
            let client = try await datagramClient()
            defer { client.close(promise: nil) }
            for sequence in 1...20 { try await client.sendDatagram(Array(rfc5424(sequence).utf8), to: try running.address(.udp)) }

            try await eventually("20 refused frames counted") {
                running.metric("alertbridge_syslog_dropped_total", ["transport": "udp", "reason": "refused"]) == 20
            }
            #expect(sink.enteredCount > 0 && sink.frameCount == 0)
            #expect(running.metric("alertbridge_syslog_messages_total", ["transport": "udp"]) == 20)
        }
    }

    #if os(Linux)
    @Test("datagrams the kernel drops for a full receive buffer are counted; none go unaccounted")
    func receiveBufferDropsAreCounted() async throws {
        let gate = Gate()
        let sink = RecordingSink(.wait(gate))
        let sent = 6000
        try await withListeners(
            testConfiguration(udp: true) { $0.udpReceiveBufferBytes = 16 * 1024 }, sink: sink, datagramFramesInFlight: 100
        ) { running in
            #expect(running.metric("alertbridge_syslog_udp_receive_buffer_bytes") > 0)
            let client = try await datagramClient()
            defer { client.close(promise: nil) }
            // The sink holds every batch; the listener reads until 100 datagrams
            // wait for it and stops; the small kernel buffer overflows.
            let server = try running.address(.udp)
            for sequence in 1...sent { try await client.sendDatagram(Array(rfc5424(sequence).utf8), to: server) }
            try await eventually("kernel drops counted") {
                running.metric("alertbridge_syslog_dropped_total", ["transport": "udp", "reason": "receive_buffer"]) > 0
            }

            gate.open()
            try await eventually("every datagram delivered or counted as dropped") {
                let dropped = running.metric(
                    "alertbridge_syslog_dropped_total", ["transport": "udp", "reason": "receive_buffer"])
                return sink.frameCount + Int(dropped) == sent
            }
        }
    }
    #endif
}
