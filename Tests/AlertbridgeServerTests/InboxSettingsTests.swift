import AlertbridgeStore
import Testing

@testable import AlertbridgeServer

/// `inbox:` in the configuration file.
@Suite struct InboxSettingsTests {
    @Test("inbox.max_recent_alerts bounds the alerts kept in memory for the engine; zero is an error naming file and line")
    func maxRecentAlerts() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.maxRecentAlerts == Inbox.Limits().maxRecentAlerts)
        try configuration.apply(yaml: "inbox:\n  retention: 1h\n  max_recent_alerts: 5000\n", file: "config.yaml")
        #expect(configuration.maxRecentAlerts == 5000)
        #expect(configuration.inboxRetention == .seconds(3600))

        var zero = ServerConfiguration()
        #expect {
            try zero.apply(yaml: "inbox:\n  max_recent_alerts: 0\n", file: "config.yaml")
        } throws: { error in
            "\(error)".contains("config.yaml:2") && "\(error)".contains("expected a positive integer, got 0")
        }
    }
}
