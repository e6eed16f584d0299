//! The service flow (服务步骤) as a state machine: which step a ticket may take in which state and
//! where it leads. The original's sixteen steps run 受理 → 调档 → 初步分析 → 回电确认 → 提出处理措施 →
//! 领取备件 → 派工上门 → 到场 → 修复/替换 → 复检 → 填写服务单 → 清场 → 存档 → 回访 → 归档; the desk may
//! record the early ones in any order (a call back before the archive is pulled), but nothing is
//! repaired before someone is on site, nothing after the repair happens before it, and an archived
//! ticket takes nothing more.
use super::types::{TicketStatus, TicketStep};

/// The status after `step`, or why the step cannot be taken now (in words for a 409).
pub fn next(status: TicketStatus, step: TicketStep) -> Result<TicketStatus, String> {
    use TicketStatus as S;
    use TicketStep as T;
    let refuse = |why: &str| Err(format!("{}: {why}（当前状态：{}）", step.label_zh(), status.label_zh()));
    if status == S::Closed {
        return refuse("工单已归档");
    }
    match step {
        T::Reported => refuse("报修只在建单时记录"),
        T::Note | T::Assigned | T::Escalated | T::PhoneTracked | T::Paused | T::Resumed => Ok(status),
        T::ArchivePulled | T::Analysed | T::CalledBack | T::MeasureProposed => Ok(match status {
            S::Reported => S::Responding,
            other => other,
        }),
        T::SolvedRemotely => match status {
            S::Reported | S::Responding | S::Dispatched => Ok(S::Resolved),
            _ => refuse("已有工程师到场，请记录修复或替换"),
        },
        T::SparesDrawn => match status {
            S::Resolved => refuse("故障已排除"),
            other => Ok(other),
        },
        T::Dispatched => match status {
            S::Reported | S::Responding | S::OnSite => Ok(S::Dispatched),
            S::Dispatched => refuse("已派工，等待到场"),
            _ => refuse("故障已排除"),
        },
        T::Arrived => match status {
            S::Reported | S::Responding | S::Dispatched => Ok(S::OnSite),
            S::OnSite => refuse("工程师已在现场"),
            _ => refuse("故障已排除"),
        },
        T::RepairFailed | T::Repaired | T::Replaced => match status {
            S::OnSite => Ok(if step == T::RepairFailed {
                S::OnSite
            } else {
                S::Resolved
            }),
            _ => refuse("需要先记录工程师到场"),
        },
        T::Rechecked | T::ServiceOrderFilled | T::SiteCleaned | T::Filed | T::ReturnVisit | T::Closed => match status {
            S::Resolved => Ok(if step == T::Closed { S::Closed } else { S::Resolved }),
            _ => refuse("故障尚未排除"),
        },
    }
}

/// The steps a person can record in `status`, in the flow's order (for the page's buttons).
pub fn available(status: TicketStatus) -> Vec<TicketStep> {
    TicketStep::ALL
        .iter()
        .copied()
        .filter(|s| {
            !matches!(
                s,
                TicketStep::Assigned | TicketStep::Escalated | TicketStep::Paused | TicketStep::Resumed
            )
        })
        .filter(|s| next(status, *s).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus as S;
    use TicketStep as T;

    #[test]
    fn the_sixteen_steps_carry_a_ticket_from_report_to_archive() {
        let mut status = S::Reported;
        for step in [
            T::ArchivePulled,
            T::Analysed,
            T::CalledBack,
            T::MeasureProposed,
            T::SparesDrawn,
            T::Dispatched,
            T::Arrived,
            T::RepairFailed,
            T::PhoneTracked,
            T::Replaced,
            T::Rechecked,
            T::ServiceOrderFilled,
            T::SiteCleaned,
            T::Filed,
            T::ReturnVisit,
            T::Closed,
        ] {
            status = next(status, step).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(status, S::Closed);
        assert!(next(S::Closed, T::Note).is_err());
        assert!(available(S::Closed).is_empty());
    }

    #[test]
    fn nothing_is_repaired_before_someone_is_on_site_and_nothing_closes_unrepaired() {
        assert!(next(S::Reported, T::Repaired).is_err());
        assert!(next(S::Dispatched, T::Replaced).is_err());
        assert!(next(S::OnSite, T::Closed).is_err());
        assert!(next(S::Reported, T::Reported).is_err());
        assert_eq!(next(S::Responding, T::SolvedRemotely), Ok(S::Resolved));
        assert_eq!(
            next(S::OnSite, T::Dispatched),
            Ok(S::Dispatched),
            "sent again after a failed visit"
        );
        assert!(!available(S::Reported).contains(&T::Repaired));
        assert!(available(S::OnSite).contains(&T::Repaired));
    }
}
