//! 抽样回访 / 质量监督 (1.4.1): "应定时或不定时地对售后服务用户进行电话或现场抽样回访，经过售后服务质检表…考评".
//! A share of a period's closed tickets is drawn for the quality department's audit. The draw is
//! reproducible — the same tickets, share and period always give the same sample, so an audit can
//! be checked afterwards — yet not guessable by the engineers beforehand: each ticket is ranked by
//! the SHA-256 of the period's key and its id, and the first ones are taken.
use sha2::{Digest, Sha256};

/// How many of `population` tickets a share of `percent` draws: rounded up, at least one when
/// there is any ticket and the share is not zero, never more than there are.
pub fn sample_size(population: usize, percent: u32) -> usize {
    if population == 0 || percent == 0 {
        return 0;
    }
    let wanted = (population * percent.min(100) as usize).div_ceil(100);
    wanted.clamp(1, population)
}

/// The tickets drawn from `ids` for the period named by `key` (e.g. `2026-11`, with a secret of
/// the installation mixed in by the caller), in the order drawn.
pub fn draw(ids: &[i32], percent: u32, key: &str) -> Vec<i32> {
    let mut ranked: Vec<([u8; 32], i32)> = ids
        .iter()
        .map(|id| {
            let mut h = Sha256::new();
            h.update(key.as_bytes());
            h.update(b":");
            h.update(id.to_be_bytes());
            (h.finalize().into(), *id)
        })
        .collect();
    ranked.sort_unstable();
    ranked.dedup_by_key(|(_, id)| *id);
    ranked
        .into_iter()
        .take(sample_size(ids.len(), percent))
        .map(|(_, id)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_rounded_up_and_never_empty_nor_more_than_there_are() {
        assert_eq!(sample_size(0, 10), 0);
        assert_eq!(sample_size(5, 0), 0);
        assert_eq!(sample_size(5, 10), 1, "10 % of 5 rounds up to one ticket");
        assert_eq!(sample_size(100, 10), 10);
        assert_eq!(sample_size(101, 10), 11);
        assert_eq!(sample_size(7, 150), 7, "a share above 100 % is everything");
    }

    #[test]
    fn the_same_period_draws_the_same_tickets_whatever_order_they_come_in() {
        let ids: Vec<i32> = (1..=200).collect();
        let once = draw(&ids, 10, "2026-11");
        let mut shuffled = ids.clone();
        shuffled.reverse();
        assert_eq!(once, draw(&shuffled, 10, "2026-11"));
        assert_eq!(once.len(), 20);
        assert!(once.iter().all(|id| ids.contains(id)));
        let mut unique = once.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), once.len(), "no ticket is drawn twice");
    }

    #[test]
    fn another_period_draws_other_tickets() {
        let ids: Vec<i32> = (1..=200).collect();
        let november = draw(&ids, 10, "2026-11");
        let december = draw(&ids, 10, "2026-12");
        assert_ne!(november, december);
        // Not simply the lowest or highest numbers.
        assert_ne!(november, (1..=20).collect::<Vec<_>>());
        assert_ne!(november, (181..=200).collect::<Vec<_>>());
    }

    #[test]
    fn a_larger_share_keeps_the_smaller_ones_tickets() {
        let ids: Vec<i32> = (1..=50).collect();
        let ten = draw(&ids, 10, "2026-11");
        let thirty = draw(&ids, 30, "2026-11");
        assert!(
            ten.iter().all(|id| thirty.contains(id)),
            "raising the share only adds tickets"
        );
    }
}
