import AlertbridgeIngest
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
