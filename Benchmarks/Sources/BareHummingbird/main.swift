import Foundation
import Hummingbird

/// `bare-hummingbird HOST PORT`: answers every POST with 202 and an empty
/// JSON body without reading the request, logging `listening http=HOST:PORT`
/// like alertbridge so scripts/loadtest starts both the same way.
let arguments = CommandLine.arguments
let host = arguments.count > 1 ? arguments[1] : "127.0.0.1"
let port = arguments.count > 2 ? Int(arguments[2]) ?? 0 : 0

let router = Router()
router.post("{path}") { _, _ -> Response in
    Response(status: .accepted, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
}
router.post("api/v2/alerts") { _, _ -> Response in
    Response(status: .accepted, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname(host, port: port)),
    onServerRunning: { channel in
        FileHandle.standardError.write(Data("msg=listening http=\(host):\(channel.localAddress?.port ?? 0)\n".utf8))
    })
try await app.runService()
