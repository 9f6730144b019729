import Foundation

extension Engine {
    /// The syslog stage, before every other: a message is counted, and the
    /// first syslog rule that selects it (or recognises it as a recovery)
    /// turns it into an alert that goes on through the other stages. A
    /// message no rule selects stops here.
    mutating func receiveSyslogMessage(_ message: Alert, into changes: inout DeskChanges) {
        changes.counters.syslogMessages += 1
        let severity = message.labels[SyslogEvent.Label.severity].flatMap(SyslogSeverity.init(keyword:))
        count(message, severity: severity, into: &changes)
        guard !rules.syslog.isEmpty else {
            changes.verdicts.append(.logged)
            return
        }
        let lookup = Self.lookup(message.labels, source: message.source)
        let text = message.annotations[SyslogEvent.Annotation.message] ?? ""
        // By index: `for rule in` copied every rule it looked at, retaining
        // and releasing everything a rule holds, for every message.
        let syslogRules = rules.syslog
        for index in syslogRules.indices where syslogRules[index].match.matches(lookup) {
            let severeEnough = syslogRules[index].minimumSeverity.map { threshold in severity.map { $0 <= threshold } ?? false } ?? true
            if severeEnough, let groups = Self.select(text, syslogRules[index].message) {
                receive(alert(of: syslogRules[index], from: message, groups: groups, status: .firing), into: &changes)
                return
            }
            if let recovery = syslogRules[index].resolve, let groups = recovery.captures(in: text) {
                receive(alert(of: syslogRules[index], from: message, groups: groups, status: .resolved), into: &changes)
                return
            }
        }
        changes.verdicts.append(.logged)
    }

    /// The named groups of `pattern` in `text` (none without a pattern), or
    /// nil when it does not match.
    private static func select(_ text: String, _ pattern: RE2Pattern?) -> [String: String]? {
        guard let pattern else { return [:] }
        return pattern.captures(in: text)
    }

    /// The alert a rule makes of a message: labels from the rule, the
    /// message's host and app, and the regex's named groups.
    private func alert(of rule: SyslogRule, from message: Alert, groups: [String: String], status: AlertStatus) -> Alert {
        let text = message.annotations[SyslogEvent.Annotation.message] ?? ""
        let lookup: (String) -> String? = { name in
            groups[name] ?? message.labels[name] ?? (name == "message" ? text : nil)
        }
        var labels = LabelSet()
        for name in [SyslogEvent.Label.host, SyslogEvent.Label.app] {
            if let value = message.labels[name] { labels.set(name, to: value) }
        }
        for (name, value) in groups where !value.isEmpty { labels.set(name, to: value) }
        for (name, template) in rule.labels {
            let value = template.render(lookup)
            if !value.isEmpty { labels.set(name, to: value) }
        }
        let alertname = rule.alertname.render(lookup)
        labels.set("alertname", to: alertname.isEmpty ? rule.origin.name : alertname)
        labels.set("severity", to: rule.severity.rawValue)
        var annotations = LabelSet()
        let summary = rule.summary.render(lookup)
        if !summary.isEmpty { annotations.set("summary", to: summary) }
        if !text.isEmpty { annotations.set(SyslogEvent.Annotation.message, to: text) }
        let receivedAt = message.receivedAt
        let endsAt: Date? =
            status == .resolved ? receivedAt : rule.timeout.map { Date(unixMilliseconds: receivedAt.unixMilliseconds + $0.milliseconds) }
        return Alert(
            source: SyslogEvent.source, labels: labels, annotations: annotations, status: status, startsAt: receivedAt, endsAt: endsAt,
            receivedAt: receivedAt)
    }

    /// Adds a message to its minute's count and its template's.
    private func count(_ message: Alert, severity: SyslogSeverity?, into changes: inout DeskChanges) {
        let host = message.labels[SyslogEvent.Label.host] ?? ""
        let app = message.labels[SyslogEvent.Label.app] ?? ""
        let template = message.labels[SyslogEvent.Label.template] ?? ""
        let key = SyslogCountKey(minute: now - ((now % 60_000) + 60_000) % 60_000, host: host, app: app, template: template)
        var tally = SyslogTally()
        tally.messages = 1
        if let severity {
            tally.worstSeverity = severity.rawValue
            if severity <= .err { tally.errors = 1 }
        }
        if message.labels[SyslogEvent.Label.format] == "unparsed" { tally.unparsed = 1 }
        changes.syslogCounts[key, default: SyslogTally()].add(tally)
        guard !template.isEmpty else { return }
        var seen = SyslogTemplateSeen()
        seen.text = message.annotations[SyslogEvent.Annotation.template] ?? ""
        seen.firstSeen = now
        seen.lastSeen = now
        seen.messages = 1
        changes.syslogTemplates[SyslogTemplateKey(app: app, template: template), default: SyslogTemplateSeen()].add(seen)
    }
}
