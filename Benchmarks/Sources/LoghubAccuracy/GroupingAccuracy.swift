/// Grouping accuracy as logparser's `evaluator.get_accuracy` computes it (ICSE'19,
/// "parsing accuracy" in the old evaluator).
///
/// A line is correct when its predicted group holds exactly the lines of its
/// ground-truth group: every line of the predicted group has the same EventId, and no
/// line outside it has that EventId. The score is correct lines / lines. Lines whose
/// ground-truth EventId is empty are left out of both sides first, as `evaluate` does
/// with pandas' null ids (Loghub-2k has none).
///
/// - Parameters:
///   - truth: the ground-truth EventId of each line.
///   - predicted: the predicted group key of each line, same order.
func groupingAccuracy(truth: [String], predicted: [String]) -> Double {
    precondition(truth.count == predicted.count, "one prediction per line")
    let kept = truth.indices.filter { !truth[$0].isEmpty }
    guard !kept.isEmpty else { return 0 }
    var truthSizes: [String: Int] = [:]
    var predictedGroups: [String: [Int]] = [:]
    for line in kept {
        truthSizes[truth[line], default: 0] += 1
        predictedGroups[predicted[line], default: []].append(line)
    }
    var correct = 0
    for lines in predictedGroups.values {
        let event = truth[lines[0]]
        if lines.allSatisfy({ truth[$0] == event }), truthSizes[event] == lines.count {
            correct += lines.count
        }
    }
    return Double(correct) / Double(kept.count)
}
