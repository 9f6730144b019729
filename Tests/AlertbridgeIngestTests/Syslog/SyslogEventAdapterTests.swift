import AlertbridgeCore
import AlertbridgeIngest
import AlertbridgeTestSupport
import Foundation
import Testing

/// From a parsed line to the event the inbox carries.
@Suite struct SyslogEventAdapterTests {
    static let receivedAt = Date(unixMilliseconds: 1_772_323_200_000)  // 2026-03-01T00:00:00Z

    static func event(_ line: String, miner: inout TemplateMiner) -> Alert {
        let message = SyslogParser.parse(line, reference: SyslogReferenceTime(unixMillis: receivedAt.unixMilliseconds))
        let template = message.message.map { miner.add($0) }
        return SyslogEventAdapter.event(message, peerAddress: "192.0.2.7", template: template, receivedAt: receivedAt)
    }

    @Test("an RFC 5424 line: host, app, facility, severity, msgid, template; text and structured data as annotations")
    func rfc5424() throws {
        var miner = TemplateMiner()
        let event = Self.event(
            #"<165>1 2026-03-01T00:00:01.5Z web-1 nginx 811 ACCESS [meta sequenceId="29"] upstream timed out after 30 seconds"#, miner: &miner)
        #expect(event.source == "syslog" && SyslogEvent.isMessage(event))
        #expect(
            event.labels == [
                "host": "web-1", "app": "nginx", "facility": "local4", "severity": "notice", "msgid": "ACCESS", "format": "rfc5424",
                "template": TemplateMiner.templateID(for: "upstream timed out after <*> seconds"),
            ])
        #expect(event.annotations["message"] == "upstream timed out after 30 seconds")
        #expect(event.annotations["template"] == "upstream timed out after <*> seconds")
        #expect(event.annotations["structured_data"] == #"[meta sequenceId="29"]"#)
        #expect(event.startsAt == Date(unixMilliseconds: 1_772_323_201_500) && event.receivedAt == Self.receivedAt)
    }

    @Test("a line without a hostname takes the peer's address as host")
    func peerAsHost() {
        var miner = TemplateMiner()
        let event = Self.event("<190>589265: Feb 8 18:55:31.306: %SEC-11-IPACCESSLOGP: list 177 denied udp", miner: &miner)
        #expect(event.labels["host"] == "192.0.2.7" && event.labels["format"] == "rfc3164")
    }

    @Test("garbage is an unparsed event that keeps every byte of text, never dropped")
    func unparsed() {
        var miner = TemplateMiner()
        let event = Self.event("this is not syslog at all", miner: &miner)
        #expect(event.labels["format"] == "unparsed" && event.labels["severity"] == nil && event.labels["host"] == "192.0.2.7")
        #expect(event.annotations["message"] == "this is not syslog at all")
    }

    @Test("repeats that differ in numbers and addresses share a template id")
    func sharedTemplate() {
        var miner = TemplateMiner()
        let first = Self.event("<86>Mar  1 00:00:00 bastion sshd[811]: Failed password for root from 203.0.113.9 port 50122 ssh2", miner: &miner)
        let second = Self.event("<86>Mar  1 00:00:03 bastion sshd[812]: Failed password for root from 198.51.100.4 port 41000 ssh2", miner: &miner)
        #expect(first.labels["template"] != nil && first.labels["template"] == second.labels["template"])
        #expect(second.annotations["template"] == "Failed password for root from <*> port <*> ssh2")
    }

    @Test("every corpus line becomes an event with its text kept", arguments: Corpus.rows("rfc5424") + Corpus.rows("rfc3164") + Corpus.rows("malformed"))
    func corpus(row: CorpusRow) {
        var miner = TemplateMiner()
        let message = SyslogParser.parse(row.bytes, reference: SyslogReferenceTime(unixMillis: Self.receivedAt.unixMilliseconds))
        let event = SyslogEventAdapter.event(
            message, peerAddress: "192.0.2.7", template: message.message.map { miner.add($0) }, receivedAt: Self.receivedAt)
        #expect(event.labels["host"]?.isEmpty == false)
        #expect(event.annotations["message"] == ((message.message?.isEmpty ?? true) ? nil : message.message))
        #expect(SyslogEvent.isMessage(event))
    }
}
