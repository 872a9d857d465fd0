//! Names a user typed that are not the document's: the closest ones to suggest (operations,
//! parameters, APIs), for the sandbox's steering and the CLI.

use std::collections::BTreeSet;

/// The known names closest to `name` (edit distance at most a third of its length, or sharing a
/// word), best first, at most three.
pub fn closest(name: &str, known: &[&str]) -> Vec<String> {
    let words: BTreeSet<&str> = name.split(['_', '-']).filter(|w| w.len() > 2).collect();
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (distance(name, k), *k))
        .filter(|(d, k)| {
            *d <= name.len().max(3) / 3 || k.split(['_', '-']).any(|w| words.contains(w))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_owned())
        .collect()
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_or_a_shared_word_is_close_and_the_best_comes_first() {
        let known = [
            "create_payment",
            "create_payment_mt",
            "get_accounts",
            "healthcheck",
        ];
        assert_eq!(
            closest("create_paymnt", &known),
            ["create_payment", "create_payment_mt"]
        );
        assert_eq!(closest("accounts", &known), ["get_accounts"]);
        assert!(closest("zzz", &known).is_empty());
    }
}
