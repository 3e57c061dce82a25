import Foundation

extension String {
    /// `trimmingCharacters(in: set)`, without Foundation's bridging when neither end
    /// is in `set`, which is nearly always: every booking trims its name, address and
    /// phone several times (validation, then each planned destination).
    func trimmingEnds(_ set: CharacterSet) -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if !set.contains(first) && !set.contains(last) { return self }
        return trimmingCharacters(in: set)
    }
}
