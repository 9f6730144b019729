import AlertbridgeTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The real `alertbridge serve`, started as a child process on port 0 in its
/// own temporary directory, talked to over HTTP.
///
/// End-to-end tests use this rather than an in-process application so they
/// exercise what operators run: argument parsing, signal handling, the
/// logged listening line, and a process that can really be killed.
final class ServerProcess: Sendable {
    let directory: TemporaryDirectory
    let arguments: [String]
    private let process: Process
    /// The write end of the server's stdin: it closes when this test process
    /// dies, and the server (run with --exit-when-stdin-closes) exits too.
    private let lifeline = Pipe()
    private let log = LogBuffer()
    let baseURL: String
    /// The syslog listeners' bound addresses by transport (`udp`, `tcp`,
    /// `tls`), from the listening line.
    let syslogAddresses: [String: String]

    /// The `alertbridge` executable SwiftPM built beside the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("alertbridge")
    }

    /// Starts the server and waits until it logs its listening address;
    /// `environment` is added to the test's own.
    init(
        directory: TemporaryDirectory = TemporaryDirectory("alertbridge-e2e"), arguments: [String] = [],
        environment: [String: String] = [:]
    ) async throws {
        self.directory = directory
        self.arguments = arguments
        let process = Process()
        process.executableURL = Self.executable
        // Port 0 everywhere: tests run side by side.
        process.arguments =
            ["serve", "--http", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--db", directory.path("desk.sqlite"), "--exit-when-stdin-closes"]
            + arguments
        process.standardInput = lifeline
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.currentDirectoryURL = directory.url
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        let log = self.log
        errorPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { log.append(String(decoding: data, as: UTF8.self)) }
        }
        try process.run()
        self.process = process
        let line = try await Self.waitFor(log: log, process: process) { $0.contains("msg=listening") }
        guard let match = line.firstMatch(of: /http=(\S+)/) else {
            throw ProcessError("no http= in the listening line: \(line)")
        }
        baseURL = "http://\(match.1)"
        syslogAddresses = Dictionary(
            line.matches(of: /syslog\.(udp|tcp|tls)=(\S+)/).map { (String($0.1), String($0.2)) }, uniquingKeysWith: { $1 })
    }

    /// Starts the server with `config` as its `--config` file, written into
    /// its directory first.
    convenience init(
        config: String, directory: TemporaryDirectory = TemporaryDirectory("alertbridge-e2e"), environment: [String: String] = [:]
    ) async throws {
        try config.write(toFile: directory.path("config.yaml"), atomically: true, encoding: .utf8)
        try await self.init(directory: directory, arguments: ["--config", directory.path("config.yaml")], environment: environment)
    }

    var logText: String { log.text }
    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw ProcessError("alertbridge did not exit within \(timeout)\n\(logText)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Stops the process if it still runs (tests end with it gone).
    func stop() async {
        if process.isRunning {
            signal(SIGKILL)
            _ = try? await waitForExit()
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static func waitFor(
        log: LogBuffer, process: Process, timeout: Duration = .seconds(30), _ predicate: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = log.text
            if let line = text.split(separator: "\n").first(where: { predicate(String($0)) }) { return String(line) }
            if !process.isRunning { throw ProcessError("alertbridge exited (\(process.terminationStatus)):\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessError("timed out waiting for alertbridge:\n\(log.text)")
    }

    // MARK: - HTTP

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String? = "application/json",
        headers extra: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func get(_ path: String) async throws -> Reply { try await request(.GET, path, contentType: nil) }
    func post(_ path: String, _ body: String, contentType: String? = "application/json") async throws -> Reply {
        try await request(.POST, path, body: body, contentType: contentType)
    }

    /// Polls `path` until `predicate` holds (the engine works asynchronously
    /// after a 202), failing after `timeout`.
    func eventually(
        _ path: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await get(path).json
            if predicate(last) { return last }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("condition on \(path) never held; last answer: \(last)", sourceLocation: sourceLocation)
        return last
    }

    /// Waits until the engine has processed everything committed.
    func settled() async throws -> [String: Any] {
        try await eventually("/api/v1/stats") { stats in
            let inbox = stats["inbox"] as? [String: Any]
            return (inbox?["backlog"] as? Int) == 0
        }
    }
}

/// The child's standard error, collected as it arrives.
final class LogBuffer: Sendable {
    private let storage = Mutex<String>("")
    func append(_ text: String) { storage.withLock { $0 += text } }
    var text: String { storage.withLock { $0 } }
}

struct ProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
