import AlertbridgeIngest
@testable import AlertbridgeServer
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Testing

@Suite("Syslog listener: TCP")
struct SyslogListenerTCPTests {
    @Test("octet-counted and LF-delimited frames arrive in order, however the writes are split")
    func bothFramingsSplitAcrossWrites() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(tcp: true), sink: sink) { running in
            let messages = (1...60).map { rfc5424($0) }
            // Alternate framings within one stream.
            let stream = messages.enumerated().map { $0.offset.isMultiple(of: 2) ? octetCounted($0.element) : $0.element + "\n" }
                .joined()
            let client = try await connect(to: try running.address(.tcp))
            var bytes = Array(stream.utf8)[...]
            var size = 1
            while !bytes.isEmpty {
                try await client.send(bytes.prefix(size))
                bytes = bytes.dropFirst(size)
                size = size % 13 + 1
            }
            try await client.close()

            try await eventually("60 frames arrived") { sink.frameCount == 60 }
            let frames = sink.frames
            #expect(frames.map(\.text) == messages)
            #expect(frames.map(\.framing) == messages.indices.map { $0.isMultiple(of: 2) ? .octetCounting : .nonTransparent })
            #expect(frames.allSatisfy { !$0.isIncomplete && !$0.isTruncated && !$0.hasInvalidOctetCount })
            #expect(sink.calls.allSatisfy { $0.peer == SyslogPeer(address: "127.0.0.1", transport: .tcp) })
            #expect(running.metric("alertbridge_syslog_received_bytes_total", ["transport": "tcp"]) == Double(stream.utf8.count))
            #expect(running.metric("alertbridge_syslog_connections_total", ["transport": "tcp"]) == 1)
        }
    }

    @Test("a garbage peer that disconnects mid-frame does not disturb a good peer; its partial frame arrives flagged")
    func garbagePeerIsIsolated() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(tcp: true), sink: sink) { running in
            let address = try running.address(.tcp)
            let good = try await connect(to: address)
            let bad = try await connect(to: address)
            let goodMessages = (1...200).map { rfc5424($0) }

            async let goodSent: Void = {
                for message in goodMessages { try await good.send(octetCounted(message)) }
            }()
            // A count with no SP after it, binary junk, then a frame cut off by the disconnect.
            try await bad.send("123456789012345678 <13>junk\n")
            try await bad.send([0xFF, 0x00, 0xC3, 0x28, 0x0A])
            try await bad.send("500 <13>1 the start of a long message")
            try await bad.close()
            try await goodSent

            try await eventually("the bad peer's partial frame arrived") {
                sink.frames.contains { $0.isIncomplete }
            }
            try await eventually("all good frames arrived") {
                sink.frames.count { $0.framing == .octetCounting && !$0.isIncomplete } == goodMessages.count
            }
            try await good.close()

            let frames = sink.frames
            let goodFrames = frames.filter { $0.framing == .octetCounting && !$0.isIncomplete }
            #expect(goodFrames.map(\.text) == goodMessages)
            let partial = try #require(frames.first { $0.isIncomplete })
            #expect(partial.text == "<13>1 the start of a long message" && partial.declaredLength == 500)
            #expect(frames.contains { $0.hasInvalidOctetCount && $0.text == "123456789012345678 <13>junk" })
        }
    }

    @Test("a connection that stays silent is closed after the idle timeout")
    func idleConnectionIsClosed() async throws {
        let sink = RecordingSink()
        // Long enough that a loaded machine still sends before it strikes
        // (1 s was not, once, on CI's two cores).
        try await withListeners(testConfiguration(tcp: true) { $0.idleTimeout = .seconds(3) }, sink: sink) { running in
            let silent = try await connect(to: try running.address(.tcp))
            let talker = try await connect(to: try running.address(.tcp))
            try await talker.send(octetCounted("<13>1 hello"))
            try await eventually("the silent connection was closed", timeout: .seconds(10)) { !silent.isActive }
            try await eventually("the talker was closed too once silent", timeout: .seconds(10)) { !talker.isActive }
            #expect(sink.frames.map(\.text) == ["<13>1 hello"])
            try await eventually("no connection open") {
                running.metric("alertbridge_syslog_connections", ["transport": "tcp"]) == 0
            }
        }
    }

    @Test("a connection beyond max_connections is closed at once and counted")
    func connectionLimit() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(tcp: true) { $0.maxConnections = 2 }, sink: sink) { running in
            let address = try running.address(.tcp)
            let first = try await connect(to: address)
            let second = try await connect(to: address)
            try await first.send("<13>first\n")
            try await second.send("<13>second\n")
            try await eventually("both served") { sink.frameCount == 2 }

            let third = try await connect(to: address)
            try await eventually("the third connection was closed") { !third.isActive }
            #expect(running.metric("alertbridge_syslog_connections_rejected_total", ["transport": "tcp"]) == 1)
            #expect(running.metric("alertbridge_syslog_connections", ["transport": "tcp"]) == 2)
            #expect(first.isActive && second.isActive)

            try await first.close()
            try await eventually("a slot is free") { running.metric("alertbridge_syslog_connections", ["transport": "tcp"]) == 1 }
            let fourth = try await connect(to: address)
            try await fourth.send("<13>fourth\n")
            try await eventually("the fourth connection was served") { sink.frames.contains { $0.text == "<13>fourth" } }
            #expect(fourth.isActive)
            try await fourth.close()
            try await second.close()
        }
    }

    @Test("while the sink waits the listener stops reading: the sender stalls and buffered bytes stay bounded")
    func backpressure() async throws {
        let gate = Gate()
        let sink = RecordingSink(.wait(gate))
        try await withListeners(testConfiguration(tcp: true), sink: sink) { running in
            let client = try await connect(to: try running.address(.tcp))
            try await client.setOption(.socketOption(.so_sndbuf), value: 64 * 1024).get()
            let frame = octetCounted(rfc5424(0, padTo: 1000))
            let chunk = Array(String(repeating: frame, count: 64).utf8)  // ~64 KiB, 64 frames
            let chunks = 512  // 32 MiB in all: far more than the kernel's buffers on both ends
            var written = 0
            var stalled: EventLoopFuture<Void>?
            while written < chunks {
                // A write the kernel does not take within 500 ms has stalled.
                let promise = client.eventLoop.makePromise(of: Void.self)
                client.writeAndFlush(ByteBuffer(bytes: chunk), promise: promise)
                let write = promise.futureResult
                written += 1
                // (A task group cannot race it: `write.get()` ignores
                // cancellation, so the group would wait for the write.)
                let done = try await Self.completes(write, within: .milliseconds(500), on: client.eventLoop)
                if !done {
                    stalled = write
                    break
                }
            }
            #expect(stalled != nil, "the sender never stalled although the sink was blocked")
            #expect(sink.enteredCount == 1 && sink.frameCount == 0)
            let readWhileBlocked = running.metric("alertbridge_syslog_received_bytes_total", ["transport": "tcp"])
            #expect(readWhileBlocked > 0)
            #expect(readWhileBlocked <= Double(1 << 20), "the listener read \(readWhileBlocked) bytes while its sink was blocked")

            gate.open()
            try await stalled?.get()
            for _ in written..<chunks { try await client.send(chunk) }
            try await client.close()
            try await eventually("everything arrived", timeout: .seconds(20)) { sink.frameCount == chunks * 64 }
            #expect(sink.frames.allSatisfy { $0.bytes.count == 1000 && !$0.isIncomplete })
        }
    }

    @Test("a connection has at most two reads in flight: one queued while the one before commits")
    func twoReadsInFlight() async throws {
        let gate = Gate()
        let sink = RecordingSink(.holdCommits(gate))
        try await withListeners(testConfiguration(tcp: true), sink: sink) { running in
            let client = try await connect(to: try running.address(.tcp))
            // One read each: the next is sent once the listener has read the last.
            var sent = 0.0
            for index in 0..<4 {
                let frame = octetCounted("<13>1 message \(index)")
                try await client.send(frame)
                sent += Double(frame.utf8.count)
                if index < 2 {
                    try await eventually("the sink took read \(index)") { sink.enteredCount == index + 1 }
                }
            }
            // The third read is held by the async channel, the fourth by the
            // socket: neither reaches the sink while the first is not durable.
            try await Task.sleep(for: .milliseconds(300))
            #expect(sink.enteredCount == 2)
            gate.open()
            try await eventually("everything arrived") { sink.frameCount == 4 }
            #expect(sink.frames.map(\.text) == (0..<4).map { "<13>1 message \($0)" })
            #expect(running.metric("alertbridge_syslog_received_bytes_total", ["transport": "tcp"]) == sent)
            try await client.close()
        }
    }

    @Test("graceful shutdown stops accepting and reading, and hands over everything read, the partial frame flagged")
    func gracefulShutdownHandsOver() async throws {
        let gate = Gate()
        let sink = RecordingSink(.wait(gate))
        let registry = PrometheusCollectorRegistry()
        let listeners = try await SyslogListeners.bind(
            configuration: testConfiguration(tcp: true), sink: sink, registry: registry, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [listeners], logger: quietLogger))
        let running = RunningListeners(listeners: listeners, registry: registry, group: group)
        let address = try running.address(.tcp)

        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            let client = try await connect(to: address)
            try await client.send(octetCounted("<13>1 first"))
            try await eventually("the sink holds the first batch") { sink.enteredCount == 1 }
            let rest = octetCounted("<13>1 second") + octetCounted("<13>1 third cut short").dropLast(6)
            try await client.send(rest)
            let total = Double(octetCounted("<13>1 first").utf8.count + rest.utf8.count)
            try await eventually("the listener read everything") {
                running.metric("alertbridge_syslog_received_bytes_total", ["transport": "tcp"]) == total
            }

            await group.triggerGracefulShutdown()
            try await eventually("the listener no longer accepts") {
                do {
                    try await connect(to: address).close()
                    return false
                } catch {
                    return true
                }
            }
            #expect(sink.frameCount == 0, "nothing is handed over before the sink returns")
            gate.open()
            try await tasks.waitForAll()  // run() returned

            #expect(sink.frames.map(\.text) == ["<13>1 first", "<13>1 second", "<13>1 third cut"])
            #expect(sink.frames.map(\.isIncomplete) == [false, false, true])
            try await eventually("the client was disconnected") { !client.isActive }
        }
    }

    @Test("a port in use fails bind with the setting and address named")
    func bindConflictNamesTheSetting() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(tcp: true), sink: sink) { running in
            let taken = try #require(running.listeners.boundAddresses.first?.address)
            var configuration = testConfiguration(tcp: true)
            configuration.tcp = HostPort(taken)
            let error = await #expect(throws: SyslogListenerError.self) {
                _ = try await SyslogListeners.bind(
                    configuration: configuration, sink: sink, registry: PrometheusCollectorRegistry(), logger: quietLogger)
            }
            #expect(error?.description.hasPrefix("syslog.tcp (--syslog-tcp) \(taken): cannot listen:") == true)
        }
    }

    /// Whether `future` completes within `timeout`, without waiting for it
    /// beyond that.
    private static func completes(
        _ future: EventLoopFuture<Void>, within timeout: TimeAmount, on eventLoop: any EventLoop
    ) async throws -> Bool {
        let race = eventLoop.makePromise(of: Bool.self)
        eventLoop.execute {
            // Both callbacks run on `eventLoop`, so the flag needs no lock.
            let settled = NIOLoopBoundBox(false, eventLoop: eventLoop)
            let timer = eventLoop.scheduleTask(in: timeout) {
                if !settled.value { settled.value = true; race.succeed(false) }
            }
            future.whenComplete { result in
                timer.cancel()
                guard !settled.value else { return }
                settled.value = true
                switch result {
                case .success: race.succeed(true)
                case .failure(let error): race.fail(error)
                }
            }
        }
        return try await race.futureResult.get()
    }
}
