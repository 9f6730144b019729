import AlertbridgeCore
import AlertbridgeTestSupport
import Foundation
import Testing

private let t = AlertBuilder.time
private func alert(
    _ labels: LabelSet, status: AlertStatus = .firing, startsAt: Double? = nil, endsAt: Double? = nil, at: Double,
    annotations: LabelSet = .empty
) -> Alert {
    AlertBuilder.alert(labels, annotations: annotations, status: status, startsAt: startsAt, endsAt: endsAt, at: at)
}

private let apiDown: LabelSet = ["alertname": "InstanceDown", "service": "api", "env": "prod", "instance": "api-1"]
private let apiLatency: LabelSet = ["alertname": "HighLatency", "service": "api", "env": "prod", "severity": "critical"]
private let dbDown: LabelSet = ["alertname": "InstanceDown", "service": "db", "env": "prod"]
private let diskFull: LabelSet = ["alertname": "DiskFull", "instance": "web-1", "severity": "warning"]

@Suite struct DedupTests {
    @Test("the same fingerprint again is a duplicate: counted, no new alert, no new incident")
    func duplicate() {
        var engine = Engine()
        let first = engine.process([alert(apiDown, at: 0)], at: t(0))
        let second = engine.process([alert(apiDown, at: 30)], at: t(30))
        #expect(first.verdicts == [.opened(alert: 1, incident: 1, reason: "group_by service=api env=prod")])
        #expect(second.verdicts == [.duplicate(alert: 1, incident: 1)])
        let tracked = engine.alert(1)!
        #expect(tracked.duplicateCount == 1)
        #expect(tracked.firstSeenAt == t(0) && tracked.lastSeenAt == t(30))
        #expect(engine.liveIncidents.count == 1)
        #expect(engine.incident(1)!.lastAlertAt == t(30))
        #expect(second.counters.duplicates == 1 && second.counters.received == 1)
    }

    @Test("a duplicate takes the latest annotations but opens nothing")
    func annotationChange() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, at: 0, annotations: ["summary": "down"])], at: t(0))
        _ = engine.process([alert(apiDown, at: 5, annotations: ["summary": "still down"])], at: t(5))
        #expect(engine.alert(1)!.annotations["summary"] == "still down")
        #expect(engine.liveIncidents.count == 1)
    }

    @Test("100 deliveries from two HA peers make one alert with 99 duplicates")
    func haPeers() {
        var engine = Engine()
        for index in 0..<100 {
            _ = engine.process([alert(apiDown, startsAt: 0, at: Double(index / 2))], at: t(Double(index / 2)))
        }
        #expect(engine.liveAlerts.count == 1)
        #expect(engine.alert(1)!.duplicateCount == 99)
        #expect(engine.liveIncidents.count == 1)
    }

    @Test("a resolution that arrives before its firing wins: the late firing is stale")
    func outOfOrder() {
        var engine = Engine()
        let resolved = engine.process([alert(apiDown, status: .resolved, startsAt: 0, endsAt: 60, at: 61)], at: t(61))
        let lateFiring = engine.process([alert(apiDown, startsAt: 0, at: 62)], at: t(62))
        #expect(resolved.verdicts.first?.alertID == 1)
        guard case .stale = lateFiring.verdicts.first else {
            Issue.record("expected stale, got \(lateFiring.verdicts)")
            return
        }
        #expect(engine.alert(1)!.status == .resolved)
        #expect(engine.incident(1)!.status == .resolved)
    }

    @Test("a resolution that ended before the firing started is stale")
    func staleResolution() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, startsAt: 100, at: 100)], at: t(100))
        let changes = engine.process([alert(apiDown, status: .resolved, startsAt: 0, endsAt: 50, at: 101)], at: t(101))
        guard case .stale(_, _, let reason) = changes.verdicts.first else {
            Issue.record("expected stale, got \(changes.verdicts)")
            return
        }
        #expect(reason.contains("predates"))
        #expect(engine.alert(1)!.status == .firing)
    }
}

@Suite struct CorrelationTests {
    @Test("alerts of one service and env share an incident, and say why")
    func groupByServiceEnv() {
        var engine = Engine()
        let changes = engine.process([alert(apiDown, at: 0), alert(apiLatency, at: 0), alert(dbDown, at: 0)], at: t(0))
        #expect(
            changes.verdicts == [
                .opened(alert: 1, incident: 1, reason: "group_by service=api env=prod"),
                .joined(alert: 2, incident: 1, reason: "group_by service=api env=prod"),
                .opened(alert: 3, incident: 2, reason: "group_by service=db env=prod"),
            ])
        #expect(engine.incident(1)!.groupKey == "{service=\"api\",env=\"prod\"}")
        #expect(engine.incident(1)!.alertCount == 2)
        #expect(engine.alert(2)!.joinReason == "group_by service=api env=prod")
        let events = changes.events.filter { $0.incidentID == 1 }
        // The critical alert that joins raises the incident from P4 to P1.
        #expect(events.map(\.kind) == [.opened, .alertJoined, .priorityChanged])
        #expect(events.last?.detail == "priority P4 -> P1")
    }

    @Test("without a service label, alerts group by alertname")
    func groupByAlertname() {
        var engine = Engine()
        let other: LabelSet = ["alertname": "DiskFull", "instance": "web-2"]
        let changes = engine.process([alert(diskFull, at: 0), alert(other, at: 1)], at: t(1))
        #expect(changes.verdicts.last == .joined(alert: 2, incident: 1, reason: "group_by alertname=DiskFull"))
        #expect(engine.incident(1)!.title == "DiskFull")
    }

    @Test("the title is the first alert's summary when it has one")
    func title() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, at: 0, annotations: ["summary": "api-1 is down"])], at: t(0))
        #expect(engine.incident(1)!.title == "api-1 is down")
        var other = Engine()
        _ = other.process([alert(apiDown, at: 0)], at: t(0))
        #expect(other.incident(1)!.title == "InstanceDown (service=api, env=prod)")
    }

    @Test("severity is the worst firing alert's, and the priority follows it")
    func severityAndPriority() {
        var engine = Engine()
        _ = engine.process([alert(apiDown.setting("severity", to: "warning"), at: 0)], at: t(0))
        #expect(engine.incident(1)!.severity == .warning && engine.incident(1)!.priority == .p4)
        _ = engine.process([alert(apiLatency, at: 10)], at: t(10))
        #expect(engine.incident(1)!.severity == .critical && engine.incident(1)!.priority == .p1)
        _ = engine.process([alert(apiLatency, status: .resolved, endsAt: 20, at: 20)], at: t(20))
        #expect(engine.incident(1)!.severity == .warning && engine.incident(1)!.priority == .p4)
    }
}

@Suite struct LifecycleTests {
    @Test("an incident resolves when its last alert resolves")
    func resolvesWithAlerts() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, at: 0), alert(apiLatency, at: 0)], at: t(0))
        _ = engine.process([alert(apiDown, status: .resolved, endsAt: 50, at: 50)], at: t(50))
        #expect(engine.incident(1)!.status == .open && engine.incident(1)!.firingCount == 1)
        let changes = engine.process([alert(apiLatency, status: .resolved, endsAt: 60, at: 60)], at: t(60))
        #expect(engine.incident(1)!.status == .resolved)
        #expect(engine.incident(1)!.resolvedAt == t(60) && engine.incident(1)!.resolvedBy == "engine")
        #expect(changes.events.map(\.kind) == [.alertResolved, .resolved])
    }

    @Test("an alert firing again within the window reopens its incident")
    func reopensWithinWindow() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, startsAt: 0, at: 0)], at: t(0))
        _ = engine.process([alert(apiDown, status: .resolved, startsAt: 0, endsAt: 60, at: 60)], at: t(60))
        let changes = engine.process([alert(apiDown, startsAt: 300, at: 300)], at: t(300))
        #expect(changes.verdicts == [.refired(alert: 1, incident: 1)])
        #expect(engine.incident(1)!.status == .open && engine.incident(1)!.reopenCount == 1)
        #expect(engine.alert(1)!.refireCount == 1)
        #expect(changes.events.map(\.kind) == [.alertRefired, .reopened])
    }

    @Test("after the window a firing is a new alert in a new incident")
    func newIncidentAfterWindow() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, startsAt: 0, at: 0)], at: t(0))
        _ = engine.process([alert(apiDown, status: .resolved, startsAt: 0, endsAt: 60, at: 60)], at: t(60))
        let changes = engine.process([alert(apiDown, startsAt: 1000, at: 1000)], at: t(1000))
        #expect(changes.verdicts == [.opened(alert: 2, incident: 2, reason: "group_by service=api env=prod")])
        #expect(engine.incident(1)!.status == .resolved)
    }

    @Test("a resolved incident closes after the hold time and is forgotten")
    func closesAfterHold() {
        var engine = Engine(configuration: EngineConfiguration(closeAfter: .seconds(3600)))
        _ = engine.process([alert(apiDown, startsAt: 0, at: 0)], at: t(0))
        _ = engine.process([alert(apiDown, status: .resolved, startsAt: 0, endsAt: 60, at: 60)], at: t(60))
        #expect(engine.advance(to: t(3659)).isEmpty)
        let changes = engine.advance(to: t(3660))
        #expect(changes.incident(1)?.status == .closed && changes.incident(1)?.closedAt == t(3660))
        #expect(engine.incident(1) == nil && engine.alert(1) == nil)
        let again = engine.process([alert(apiDown, startsAt: 4000, at: 4000)], at: t(4000))
        #expect(again.verdicts == [.opened(alert: 2, incident: 2, reason: "group_by service=api env=prod")])
    }

    /// The engine reuses the room of forgotten alerts for new ones: each id
    /// must still find its own alert, and only its own.
    @Test("alerts forgotten and created in turn: every id finds its own alert, repeats their own occurrence")
    func forgetAndCreateInTurn() {
        var engine = Engine(configuration: EngineConfiguration(closeAfter: .seconds(60)))
        var live: [Int64: LabelSet] = [:]
        var time = 0.0
        for round in 0..<6 {
            // Three services fire; the first of the previous round resolves
            // and, a minute later, is forgotten with its incident.
            for service in 0..<3 {
                let labels: LabelSet = ["alertname": "Down", "service": "svc-\(round)-\(service)", "env": "prod"]
                let changes = engine.process([alert(labels, startsAt: time, at: time)], at: t(time))
                guard case .opened(let id, _, _)? = changes.verdicts.first else {
                    Issue.record("round \(round): \(changes.verdicts)")
                    return
                }
                live[id] = labels
            }
            if let (id, labels) = live.min(by: { $0.key < $1.key }) {
                _ = engine.process([alert(labels, status: .resolved, startsAt: 0, endsAt: time + 1, at: time + 1)], at: t(time + 1))
                _ = engine.advance(to: t(time + 62))
                #expect(engine.alert(id) == nil, "alert \(id) is forgotten")
                live[id] = nil
            }
            time += 100
            #expect(engine.liveAlerts.map(\.id) == live.keys.sorted())
            for (id, labels) in live {
                #expect(engine.alert(id)?.labels == labels)
                let repeated = engine.process([alert(labels, at: time)], at: t(time))
                #expect(repeated.verdicts.first?.alertID == id, "a repeat of \(labels) goes to alert \(id)")
            }
        }
        #expect(live.count == 12)
    }

    @Test("acknowledge, then the alerts resolve: resolved; a resolved incident cannot be acknowledged")
    func acknowledge() throws {
        var engine = Engine()
        _ = engine.process([alert(apiDown, at: 0)], at: t(0))
        let changes = try engine.acknowledge(incident: 1, at: t(10), by: "alice", note: "on it")
        #expect(changes.incident(1)?.status == .acknowledged && changes.incident(1)?.acknowledgedBy == "alice")
        #expect(changes.events.first?.actor == "alice" && changes.events.first?.detail == "on it")
        #expect(try engine.acknowledge(incident: 1, at: t(11), by: "bob").isEmpty)
        _ = engine.process([alert(apiDown, status: .resolved, endsAt: 20, at: 20)], at: t(20))
        #expect(engine.incident(1)!.status == .resolved)
        #expect(throws: IncidentCommandError.notAllowed(incident: 1, status: .resolved, action: "acknowledged")) {
            try engine.acknowledge(incident: 1, at: t(30), by: "alice")
        }
        #expect(throws: IncidentCommandError.unknownIncident(99)) { try engine.resolve(incident: 99, at: t(30), by: "alice") }
    }

    @Test("an operator resolves while alerts fire; on closing they are marked, and a repeat opens anew")
    func operatorResolve() throws {
        var engine = Engine(configuration: EngineConfiguration(closeAfter: .seconds(600)))
        _ = engine.process([alert(apiDown, at: 0)], at: t(0))
        let changes = try engine.resolve(incident: 1, at: t(10), by: "alice")
        #expect(changes.incident(1)?.status == .resolved && changes.incident(1)?.resolvedBy == "alice")
        #expect(engine.process([alert(apiDown, at: 20)], at: t(20)).verdicts == [.duplicate(alert: 1, incident: 1)])
        #expect(engine.incident(1)!.status == .resolved)
        let closing = engine.advance(to: t(610))
        #expect(closing.alert(1)?.resolution == .incidentClosed && closing.alert(1)?.status == .resolved)
        #expect(closing.incident(1)?.status == .closed)
        #expect(engine.process([alert(apiDown, at: 700)], at: t(700)).verdicts.first?.incidentID == 2)
    }
}

@Suite struct ResolveTimeoutTests {
    @Test("an alert whose endsAt passes without a refresh resolves at endsAt")
    func timesOut() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, startsAt: 0, endsAt: 300, at: 0)], at: t(0))
        #expect(engine.advance(to: t(299)).isEmpty)
        let changes = engine.advance(to: t(400))
        #expect(changes.alert(1)?.status == .resolved && changes.alert(1)?.resolution == .timeout)
        #expect(changes.alert(1)?.resolvedAt == t(300))
        #expect(changes.incident(1)?.status == .resolved && changes.incident(1)?.resolvedAt == t(300))
        #expect(changes.counters.resolvedByTimeout == 1)
        #expect(changes.events.first?.detail == "resolve timeout: endsAt 2024-05-13T10:05:00.000Z passed without a refresh")
    }

    @Test("refreshes keep it firing; the last endsAt counts")
    func refreshes() {
        var engine = Engine()
        for minute in 0..<10 {
            let now = Double(minute * 60)
            _ = engine.process([alert(apiDown, startsAt: 0, endsAt: now + 240, at: now)], at: t(now))
        }
        #expect(engine.alert(1)!.status == .firing)
        #expect(engine.advance(to: t(779)).isEmpty)
        #expect(engine.advance(to: t(780)).alert(1)?.resolvedAt == t(780))
    }

    @Test("a late resend after a timeout fires the alert again (as Alertmanager)")
    func resendAfterTimeout() {
        var engine = Engine()
        _ = engine.process([alert(apiDown, startsAt: 0, endsAt: 240, at: 0)], at: t(0))
        let changes = engine.process([alert(apiDown, startsAt: 0, endsAt: 540, at: 300)], at: t(300))
        #expect(changes.verdicts == [.refired(alert: 1, incident: 1)])
        #expect(engine.incident(1)!.status == .open)
    }

    @Test("processing timeouts late gives the same result as on time")
    func lateAdvance() {
        var onTime = Engine()
        var late = Engine()
        let first = [alert(apiDown, startsAt: 0, endsAt: 100, at: 0)]
        _ = onTime.process(first, at: t(0))
        _ = late.process(first, at: t(0))
        _ = onTime.advance(to: t(100))
        _ = onTime.advance(to: t(200))
        _ = late.advance(to: t(200))
        #expect(onTime.snapshot == late.snapshot)
    }
}

@Suite struct DeterminismTests {
    @Test("the same input gives the same incidents, twice")
    func sameTwice() {
        let storm = StormFixture.storm(seed: 42, count: 500)
        var a = Engine(configuration: EngineConfiguration(closeAfter: .seconds(900)))
        var b = Engine(configuration: EngineConfiguration(closeAfter: .seconds(900)))
        for (at, alerts) in storm {
            _ = a.process(alerts, at: t(at))
            _ = b.process(alerts, at: t(at))
        }
        #expect(a.snapshot == b.snapshot)
        #expect(a.liveIncidents.count > 1)
    }

    @Test("restoring a snapshot mid-storm continues exactly as without the interruption", arguments: [1, 137, 250, 499])
    func restoreContinues(cut: Int) {
        let configuration = EngineConfiguration(closeAfter: .seconds(900))
        let storm = StormFixture.storm(seed: 7, count: 500)
        var uninterrupted = Engine(configuration: configuration)
        var first = Engine(configuration: configuration)
        var uninterruptedChanges: [DeskChanges] = []
        var resumedChanges: [DeskChanges] = []
        for (index, (at, alerts)) in storm.enumerated() {
            let changes = uninterrupted.process(alerts, at: t(at))
            if index < cut {
                _ = first.process(alerts, at: t(at))
            } else {
                uninterruptedChanges.append(changes)
            }
        }
        var resumed = Engine(configuration: configuration, restoring: first.snapshot)
        for (at, alerts) in storm[cut...] {
            resumedChanges.append(resumed.process(alerts, at: t(at)))
        }
        #expect(resumed.snapshot == uninterrupted.snapshot)
        #expect(resumedChanges.map(\.verdicts) == uninterruptedChanges.map(\.verdicts))
    }
}
