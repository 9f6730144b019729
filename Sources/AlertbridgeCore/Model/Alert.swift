public import Foundation

/// Whether an alert's condition holds.
public enum AlertStatus: String, Sendable, Hashable, CaseIterable {
    case firing
    case resolved
}

/// One alert as every adapter normalizes it, whatever format it came in.
///
/// Adapters decode a source's payload into `Alert`s and do nothing else; the
/// engine sees only this shape, so dedup, correlation and rules work the same
/// for Prometheus, a webhook or syslog. The raw payload is not carried here:
/// it stays in the inbox entry the alert arrived in (see the desk store).
///
/// Times are whole milliseconds (adapters round), so an alert survives a
/// round trip through the store bit for bit and a replay after a crash sees
/// exactly what the first run saw.
public struct Alert: Equatable, Sendable {
    /// The adapter that produced the alert (`prometheus`, `alertmanager`, `generic`, …).
    public var source: String
    /// The labels that identify the alert; `alertname`, `severity`, `service`,
    /// `host` and `env` are well known.
    public var labels: LabelSet {
        didSet { fingerprint = Fingerprint(labels) }
    }
    /// Descriptive text: `summary`, `description`, `runbook_url`.
    public var annotations: LabelSet
    public var status: AlertStatus
    /// When the condition began, as the sender says.
    public var startsAt: Date
    /// When the condition ended (resolved alerts) or will be considered ended
    /// unless the sender refreshes it (Alertmanager API v2); `nil` when a
    /// firing alert stays firing until the sender resolves it.
    public var endsAt: Date?
    /// When alertbridge received it: the engine's notion of "now" for this alert.
    public var receivedAt: Date
    public var generatorURL: String?
    /// The sender's own key for the alert, when it has one that is not its
    /// labels: PagerDuty's `dedup_key`, Zabbix's problem event id.
    ///
    /// Such senders identify a condition by that key alone, and their later
    /// events (a resolve, a severity change) do not repeat the labels of the
    /// first. With an identity, the engine recognises an alert by
    /// ``source`` and this key instead of by its labels, so the first event
    /// can carry labels that rules and correlation use (severity, host,
    /// service) and the later ones still find it. `nil` for senders, like
    /// Prometheus, whose labels are the identity.
    public var identity: String?
    /// The hash of ``labels``; Alertmanager's value for the same label set.
    public private(set) var fingerprint: Fingerprint

    public init(
        source: String,
        labels: LabelSet,
        annotations: LabelSet = .empty,
        status: AlertStatus = .firing,
        startsAt: Date,
        endsAt: Date? = nil,
        receivedAt: Date,
        generatorURL: String? = nil,
        identity: String? = nil
    ) {
        self.init(
            source: source, labels: labels, fingerprint: Fingerprint(labels), annotations: annotations, status: status,
            startsAt: startsAt, endsAt: endsAt, receivedAt: receivedAt, generatorURL: generatorURL, identity: identity)
    }

    /// ``init(source:labels:annotations:status:startsAt:endsAt:receivedAt:generatorURL:identity:)``
    /// for labels whose fingerprint is already known: a decoder that
    /// remembers the label sets it read, or the engine's enrich cache. The
    /// caller vouches that `fingerprint` is `Fingerprint(labels)`.
    package init(
        source: String, labels: LabelSet, fingerprint: Fingerprint, annotations: LabelSet, status: AlertStatus, startsAt: Date,
        endsAt: Date?, receivedAt: Date, generatorURL: String?, identity: String?
    ) {
        self.source = source
        self.labels = labels
        self.annotations = annotations
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.receivedAt = receivedAt
        self.generatorURL = generatorURL
        self.identity = identity
        self.fingerprint = fingerprint
    }

    /// Sets the labels with their known fingerprint, without hashing them again.
    mutating func replaceLabels(_ labels: LabelSet, fingerprint: Fingerprint) {
        self = Alert(
            source: source, labels: labels, fingerprint: fingerprint, annotations: annotations, status: status, startsAt: startsAt,
            endsAt: endsAt, receivedAt: receivedAt, generatorURL: generatorURL, identity: identity)
    }

    public var alertname: String? { labels["alertname"] }
    public var severity: Severity { Severity(label: labels["severity"]) }
}
