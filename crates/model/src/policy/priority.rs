//! Policy and rule priorities (policy.md, "Policy priorities", "Rule priority" and "Default
//! Policies"): 1 is evaluated first; creating or moving one to priority N shifts those at N
//! and below down by one; a priority past the end means "last"; the default (system) policy
//! or rule always stays last, whatever is asked. After a delete the rest close ranks.
//!
//! Invariant: [`place`] returns every row exactly once, numbered 1..=n without gaps, system
//! rows after all others.

/// One row of a priority list as stored: its id and whether it is the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: String,
    pub system: bool,
}

/// The new priority of every row after `moving` is placed at `wanted` (1-based; None or a
/// value past the end puts it last among the non-default rows). `rows` are in their current
/// order and may or may not include `moving`; a `moving` that is not among them is ignored
/// (deletes pass a gone id to renumber).
pub fn place(rows: &[Slot], moving: Option<&str>, wanted: Option<i64>) -> Vec<(String, i64)> {
    let mover = moving.and_then(|id| rows.iter().find(|r| r.id == id));
    let mut ordinary: Vec<&Slot> = rows
        .iter()
        .filter(|r| !r.system && Some(r.id.as_str()) != moving)
        .collect();
    let system: Vec<&Slot> = rows
        .iter()
        .filter(|r| r.system && Some(r.id.as_str()) != moving)
        .collect();
    let mut tail = system;
    if let Some(m) = mover {
        if m.system {
            tail.push(m);
        } else {
            let index = match wanted {
                Some(p) if p >= 1 => usize::try_from(p - 1).unwrap_or(usize::MAX),
                _ => usize::MAX,
            };
            ordinary.insert(index.min(ordinary.len()), m);
        }
    }
    ordinary
        .into_iter()
        .chain(tail)
        .zip(1_i64..)
        .map(|(slot, priority)| (slot.id.clone(), priority))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(spec: &[(&str, bool)]) -> Vec<Slot> {
        spec.iter()
            .map(|(id, system)| Slot {
                id: (*id).to_owned(),
                system: *system,
            })
            .collect()
    }

    fn order(out: &[(String, i64)]) -> Vec<String> {
        let mut v = out.to_vec();
        v.sort_by_key(|(_, p)| *p);
        v.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn placement_table() {
        let base = [("a", false), ("b", false), ("c", false), ("def", true)];
        // (rows, moving, wanted, expected order)
        let cases: Vec<(Vec<(&str, bool)>, &str, Option<i64>, Vec<&str>)> = vec![
            // A new row with no priority goes last before the default.
            (
                [&base[..], &[("n", false)]].concat(),
                "n",
                None,
                vec!["a", "b", "c", "n", "def"],
            ),
            // A new row at 1 shifts everyone down.
            (
                [&base[..], &[("n", false)]].concat(),
                "n",
                Some(1),
                vec!["n", "a", "b", "c", "def"],
            ),
            // Priority 2 lands second.
            (
                [&base[..], &[("n", false)]].concat(),
                "n",
                Some(2),
                vec!["a", "n", "b", "c", "def"],
            ),
            // Past the end (even past the default) stays before the default.
            (
                [&base[..], &[("n", false)]].concat(),
                "n",
                Some(99),
                vec!["a", "b", "c", "n", "def"],
            ),
            // Zero or negative means last.
            (
                [&base[..], &[("n", false)]].concat(),
                "n",
                Some(0),
                vec!["a", "b", "c", "n", "def"],
            ),
            // Moving an existing row up and down.
            (base.to_vec(), "c", Some(1), vec!["c", "a", "b", "def"]),
            (base.to_vec(), "a", Some(3), vec!["b", "c", "a", "def"]),
            (base.to_vec(), "b", Some(2), vec!["a", "b", "c", "def"]),
            // The default cannot move.
            (base.to_vec(), "def", Some(1), vec!["a", "b", "c", "def"]),
            // A gone id renumbers the rest (delete).
            (
                vec![("a", false), ("c", false), ("def", true)],
                "b",
                None,
                vec!["a", "c", "def"],
            ),
            // Only the default.
            (vec![("def", true)], "def", None, vec!["def"]),
        ];
        for (spec, moving, wanted, expected) in cases {
            let out = place(&rows(&spec), Some(moving), wanted);
            assert_eq!(order(&out), expected, "{spec:?} {moving} {wanted:?}");
            let mut priorities: Vec<i64> = out.iter().map(|(_, p)| *p).collect();
            priorities.sort_unstable();
            assert_eq!(
                priorities,
                (1..=i64::try_from(spec.len()).unwrap()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn nothing_moving_just_renumbers() {
        let out = place(&rows(&[("def", true), ("a", false)]), None, None);
        assert_eq!(order(&out), ["a", "def"]);
    }
}
