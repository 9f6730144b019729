@testable import AlertbridgeIngest
import AlertbridgeTestSupport
import Testing

@Suite("TemplateMiner")
struct TemplateMinerTests {
    @Test("Similar messages merge into one template with <*>")
    func merging() {
        var miner = TemplateMiner(configuration: .init(depth: 4, similarityThreshold: 0.5, masking: .none))
        let a = miner.add("session opened for user root by uid 0")
        let b = miner.add("session opened for user alice by uid 1000")
        #expect(a.isNew && !b.isNew)
        #expect(a.clusterID == b.clusterID)
        #expect(b.template == "session opened for user <*> by uid <*>")
        let c = miner.add("connection closed by 10.0.0.1 port 22")
        #expect(c.isNew && c.clusterID != a.clusterID)
        #expect(miner.match("session opened for user bob by uid 7") == a.clusterID)
        #expect(miner.clusterCount == 2)
    }

    @Test("Token count separates clusters; the threshold decides within a leaf")
    func threshold() {
        var strict = TemplateMiner(configuration: .init(similarityThreshold: 0.9, masking: .none))
        let first = strict.add("disk sda1 is full now")
        #expect(strict.add("disk sdb2 is empty today").clusterID != first.clusterID)
        #expect(strict.add("disk sda1 is full").clusterID != first.clusterID, "different length")
        var loose = TemplateMiner(configuration: .init(similarityThreshold: 0.4, masking: .none))
        let x = loose.add("disk sda1 is full now")
        #expect(loose.add("disk sdb2 is empty today").clusterID == x.clusterID)
    }

    @Test("Built-in masking: numbers, hex, IPs, UUIDs at word boundaries only")
    func masking() {
        let masked = TemplateMiner.mask(
            "req 550e8400-e29b-41d4-a716-446655440000 from 192.168.1.10:5514 took 12.5 ms id=0x1F blk_-42 sha deadbeef12 v2 fe80::1",
            .default)
        #expect(masked == "req <*> from <*> took <*> ms id=<*> blk_<*> sha <*> v2 <*>")
        // A number glued to letters is part of a word (drain3's boundary rule): `12ms`, `v2`.
        #expect(TemplateMiner.mask("took 12ms", .default) == "took 12ms")
        #expect(TemplateMiner.mask("/var/run/app-12.pid opened", [.pathsWithDigits]) == "<*> opened")
        #expect(TemplateMiner.mask("key: value", .default) == "key: value")
    }

    /// Each found on Loghub-2k (OpenStack, Android): a template split in two
    /// because one of its variables was not masked.
    @Test("Masking: address lists, every path, hex runs of letters only")
    func maskingFromLoghub() {
        // A proxy chain is one variable, not `<*>,<*>`.
        #expect(TemplateMiner.mask("10.11.21.132,10.11.10.1 GET", [.ipAddresses]) == "<*> GET")
        #expect(TemplateMiner.mask("10.0.0.1:80,10.0.0.2 x", [.ipAddresses]) == "<*> x")
        #expect(TemplateMiner.mask("a 10.0.0.1, b", [.ipAddresses]) == "a <*>, b")
        // `.paths` takes every token starting with `/`; `.pathsWithDigits` only those with a digit.
        #expect(TemplateMiner.mask("GET /latest/meta-data/ HTTP", [.paths]) == "GET <*> HTTP")
        #expect(TemplateMiner.mask("GET /latest/meta-data/ HTTP", [.pathsWithDigits]) == "GET /latest/meta-data/ HTTP")
        #expect(TemplateMiner.mask("in HTTP/1.1 x", [.paths]) == "in HTTP/1.1 x")
        // Eight hex letters are a mask or an id; eight digits are a number, not hex.
        #expect(TemplateMiner.mask("mask=ffffffff vis=deadline", [.hexadecimal]) == "mask=<*> vis=deadline")
        #expect(TemplateMiner.mask("date 20161220", [.hexadecimal]) == "date 20161220")
    }

    @Test("LRU cap bounds the clusters and evicts the least recently matched")
    func lru() {
        var miner = TemplateMiner(configuration: .init(similarityThreshold: 0.9, maxClusters: 3, masking: .none))
        let a = miner.add("alpha one")
        _ = miner.add("beta two")
        _ = miner.add("gamma three")
        #expect(miner.add("alpha one").clusterID == a.clusterID, "touching alpha makes beta the oldest")
        let d = miner.add("delta four")
        #expect(d.isNew && miner.clusterCount == 3 && miner.evictedClusterCount == 1)
        #expect(miner.match("beta two") == nil, "beta was evicted")
        #expect(miner.match("alpha one") == a.clusterID)
        // A flood of unique lines never grows the miner beyond its cap.
        for i in 0..<5_000 { _ = miner.add("unique\(i) token\(i * 7) word\(i % 13)") }
        #expect(miner.clusterCount == 3)
    }

    @Test("Deterministic: same input, same ids and templates")
    func deterministic() {
        let lines = (0..<500).map { "user u\($0 % 17) logged in from host\($0 % 5) after \($0) ms" }
        var first = TemplateMiner()
        var second = TemplateMiner()
        #expect(lines.map { first.add($0) } == lines.map { second.add($0) })
    }

    @Test("Remembered lines change no result: same clusters, templates and evictions as the tree walk")
    func rememberedLines() {
        // Exact repeats (after masking), lines that generalise a template,
        // new templates, and a small cap so that evictions happen mid-stream.
        var lines: [String] = []
        for i in 0..<3_000 {
            switch i % 7 {
            case 0, 1, 2: lines.append("link \(i % 4) on port Gi0/\(i % 9) changed state to down")
            case 3: lines.append("user u\(i % 5) logged in from 10.0.\(i % 3).\(i % 200) after \(i) ms")
            case 4: lines.append("session \(i % 11 == 0 ? "opened" : "closed") for user root by uid \(i)")
            // Twenty lengths, so twenty clusters: more than the cap.
            case 5: lines.append(Array(repeating: "queue stalled", count: 1 + i % 20).joined(separator: " "))
            default: lines.append("kernel: eth0 \(["up", "down", "flapping"][i % 3]) speed \(i % 2 == 0 ? 1000 : 100)")
            }
        }
        let configuration = TemplateMiner.Configuration(maxClusters: 12)
        var remembering = TemplateMiner(configuration: configuration)
        var walking = TemplateMiner(configuration: configuration)
        walking.remembersLines = false
        for (index, line) in lines.enumerated() {
            let expected = remembering.match(line)
            let got = remembering.add(line)
            let walked = walking.add(line)
            #expect(got == walked, "line \(index): \(line)")
            #expect(got.isNew == (expected == nil) && (expected == nil || got.clusterID == expected))
            #expect(remembering.template(forCluster: got.clusterID) == got.template)
        }
        #expect(remembering.evictedClusterCount == walking.evictedClusterCount && remembering.evictedClusterCount > 0)
        #expect(remembering.clusterCount == walking.clusterCount)
    }

    @Test("A remembered line follows its template: once it generalises, the line may belong elsewhere")
    func rememberedLineAfterGeneralising() {
        var miner = TemplateMiner(configuration: .init(similarityThreshold: 0.3))
        let y = miner.add("a ya yb yc yd ye c6 c7 c8 c9")
        let x = miner.add("a b1 b2 b3 b4 b5 x6 x7 x8 x9")
        let line = "a b1 b2 b3 b4 b5 c6 c7 c8 c9"
        #expect(miner.add(line).clusterID == x.clusterID, "6 of 10 equal to x, 5 to y")
        #expect(miner.add(line).clusterID == x.clusterID, "remembered")
        // Three equal tokens are enough to join x, which keeps only `a b1 b2`.
        #expect(miner.add("a b1 b2 z3 z4 z5 n6 n7 n8 n9").clusterID == x.clusterID)
        #expect(miner.add(line).clusterID == y.clusterID, "now 3 of 10 equal to x, still 5 to y")
    }

    @Test("A line prepared with another masking is masked as the miner masks")
    func preparedForOtherMasking() {
        let prepared = TemplateMiner.prepare("retry 42 of 0x1f")
        var unmasked = TemplateMiner(configuration: .init(masking: .none))
        #expect(unmasked.add(prepared).template == "retry 42 of 0x1f")
        var masking = TemplateMiner()
        #expect(masking.add(prepared).template == "retry <*> of <*>")
        #expect(masking.add("retry 43 of 0x2e").clusterID == masking.match("retry 44 of 0x3d"))
    }

    @Test("Template id is a stable hash of the template text")
    func templateID() {
        #expect(TemplateMiner.templateID(for: "a <*> b") == TemplateMiner.templateID(for: "a <*> b"))
        #expect(TemplateMiner.templateID(for: "a <*> b") != TemplateMiner.templateID(for: "a <*> c"))
        #expect(TemplateMiner.templateID(for: "").count == 16)
        #expect(TemplateMiner.templateID(for: "") == "cbf29ce484222325", "FNV-1a 64 offset basis")
    }

    @Test("Empty and whitespace-only messages form their own cluster")
    func empty() {
        var miner = TemplateMiner()
        let a = miner.add("")
        let b = miner.add("   \t ")
        #expect(a.clusterID == b.clusterID && a.template == "")
    }
}
