//! Sorting large rows by text keys without moving the rows in every swap.
//!
//! Silver sorts its facts by ids (a claim's, an event's patient): random
//! 36-byte texts whose bytes lie in the bronze batches' dictionaries, far
//! from the rows. A sort of the rows themselves moves a row (up to some
//! 300 bytes) in every swap and follows both ids to their bytes in every
//! comparison. Sorting small (prefix, position) entries instead, then
//! putting the rows in that order in place ([`apply`]), does neither: the
//! first eight bytes of a key, held in the entry, decide most comparisons.

/// The first eight bytes of `text` as a big-endian number, zero-padded:
/// texts order as their prefixes do wherever the prefixes differ, so a
/// comparison of prefixes followed, on a tie, by one of the texts orders
/// texts as their bytes do.
pub(crate) fn text_prefix(text: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let head = &text.as_bytes()[..text.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(bytes)
}

/// Sorts `items` by the text `key` gives each (byte order, as `str`
/// compares), through small entries: a prefix, the text and a position are
/// sorted, then the items moved once by [`apply`]. For items read in file
/// order whose table is kept in id order: reading the rows in file order
/// reads the columns as they lie in memory, and the sort moves each item
/// once. Ties keep no particular order, so the keys should be distinct.
pub(crate) fn sort_by_text<'k, T>(items: &mut [T], key: impl Fn(&T) -> &'k str) {
    let mut order: Vec<(u64, &'k str, usize)> = items
        .iter()
        .enumerate()
        .map(|(at, item)| {
            let text = key(item);
            (text_prefix(text), text, at)
        })
        .collect();
    order.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut order: Vec<usize> = order.into_iter().map(|(.., at)| at).collect();
    apply(items, &mut order);
}

/// Puts `items` in `order` in place: afterwards `items[i]` is the item that
/// was at `order[i]`. `order` must be a permutation of `0..items.len()`;
/// it is left as the identity. Each cycle of the permutation is followed
/// once, a swap per item, with no second vector of items.
pub(crate) fn apply<T>(items: &mut [T], order: &mut [usize]) {
    debug_assert_eq!(items.len(), order.len());
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_order_as_the_texts_do_where_they_differ() {
        let texts = [
            "",
            "a",
            "a\u{0}",
            "ab",
            "abcdefgh",
            "abcdefgh1",
            "abcdefgi",
            "b",
            "é",
            "zz",
        ];
        for a in texts {
            for b in texts {
                let by_prefix = text_prefix(a).cmp(&text_prefix(b)).then(a.cmp(b));
                assert_eq!(by_prefix, a.cmp(b), "{a:?} against {b:?}");
            }
        }
    }

    #[test]
    fn apply_puts_each_item_where_the_order_says() {
        // Every permutation of five items: fixed points, 2-, 3-, 5-cycles.
        let mut permutation: Vec<usize> = (0..5).collect();
        let mut count = 0;
        loop {
            let mut items: Vec<String> = (0..5).map(|i| format!("item {i}")).collect();
            let expected: Vec<String> = permutation.iter().map(|&i| format!("item {i}")).collect();
            let mut order = permutation.clone();
            apply(&mut items, &mut order);
            assert_eq!(items, expected);
            assert!(order.iter().enumerate().all(|(i, &o)| o == i));
            count += 1;
            // The next permutation in lexicographic order.
            let Some(i) = (0..4).rev().find(|&i| permutation[i] < permutation[i + 1]) else {
                break;
            };
            let j = (i + 1..5)
                .rev()
                .find(|&j| permutation[j] > permutation[i])
                .unwrap();
            permutation.swap(i, j);
            permutation[i + 1..].reverse();
        }
        assert_eq!(count, 120);
        apply::<u8>(&mut [], &mut []);
    }
}
