import ArgumentParser

/// The `alertbridge` command: serve, and read the desk store.
@main
struct Alertbridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertbridge",
        abstract: "Turns the alert firehose into a short list of incidents a service desk can act on.",
        subcommands: [Serve.self, Incidents.self, Alerts.self, Rules.self, Replay.self],
        defaultSubcommand: nil)
}
