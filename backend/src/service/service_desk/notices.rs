//! Warranty-end notices: the policy's days before a unit's warranty ends (90 and 30 by default),
//! the project's PMs and the client's lead are told which units end when — so the client can
//! decide on a maintenance contract in time, and our people plan the last inspection. Once per
//! project, end date and notice, however often this runs; a notice missed while the service was
//! down goes out late rather than never (the nearest threshold not yet passed).
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{client_contact, project};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{
    settings::policy_of,
    tickets::managers,
    units::{WarrantyUnit, units},
};
use crate::{
    domain::types::ProjectStatus,
    email::{messages, outbox},
    error::AppResult,
    service::{
        Actor,
        access::{Granted, Read},
        projects::timezone_of,
    },
    state::AppState,
};

/// The notice due for a warranty ending in `days_left` days under `thresholds` (falling, e.g.
/// [90, 30]): the smallest threshold not below `days_left`; none once it has ended.
pub fn due_notice(days_left: i64, thresholds: &[u32]) -> Option<u32> {
    if days_left < 0 {
        return None;
    }
    thresholds.iter().copied().filter(|t| i64::from(*t) >= days_left).min()
}

/// Queues the notices due at `now`; returns how many messages were queued.
#[tracing::instrument(skip_all)]
pub async fn notify(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let delivered = project::Entity::find()
        .filter(project::Column::WarrantyStartsOn.is_not_null())
        .filter(project::Column::Status.ne(ProjectStatus::Closed))
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?;
    let mut queued = 0;
    for project in delivered {
        let policy = policy_of(db, &project).await?;
        if policy.warranty_notice_days.is_empty() {
            continue;
        }
        let today = now.with_timezone(&timezone_of(&project)).date_naive();
        let read = Granted::<Read>::vouched(project.clone(), &Actor::system());
        let mut ending: BTreeMap<(NaiveDate, u32), Vec<WarrantyUnit>> = BTreeMap::new();
        for unit in units(db, &read, &policy).await? {
            let Some(end) = unit.ends_on else { continue };
            if let Some(notice) = due_notice((end - today).num_days(), &policy.warranty_notice_days) {
                ending.entry((end, notice)).or_default().push(unit);
            }
        }
        if ending.is_empty() {
            continue;
        }
        let mut people: Vec<(String, String)> = managers(db, project.id)
            .await?
            .into_iter()
            .filter(|(_, u)| !u.disabled)
            .filter_map(|(_, u)| u.email.map(|e| (e, u.display_name)))
            .collect();
        if let Some(lead) = client_lead(state, project.id).await? {
            people.push(lead);
        }
        for ((end, notice), list) in ending {
            for (address, name) in &people {
                let ctx = minijinja::context! {
                    name => name,
                    project_code => project.code,
                    project_name => project.name,
                    ends_on => end.to_string(),
                    days_left => (end - today).num_days(),
                    units => list.iter().map(|u| minijinja::context! {
                        label => u.label(),
                        term => u.warranty_text.clone().unwrap_or_else(|| u.months.map(|m| format!("{m} 个月")).unwrap_or_default()),
                    }).collect::<Vec<_>>(),
                    company => state.settings.company_name,
                    company_phone => state.settings.company_phone,
                };
                let env = &state.templates.env;
                let render = |t: &str| messages::render(env, t, &ctx);
                let fresh = outbox::enqueue(
                    db,
                    outbox::NewEmail {
                        key: format!("warranty_notice:{}:{end}:{notice}:{address}", project.id),
                        kind: "warranty_notice".into(),
                        project_id: Some(project.id),
                        to_address: address.clone(),
                        to_name: Some(name.clone()).filter(|n| !n.is_empty()),
                        subject: render("warranty_notice.subject.txt")?,
                        text: render("warranty_notice.txt")?,
                        html: None,
                        calendar: None,
                    },
                    Duration::hours(state.settings.mail_retry_horizon_hours),
                    now,
                )
                .await?;
                queued += usize::from(fresh.is_some());
            }
        }
    }
    Ok(queued)
}

/// The client's lead: the contact whose role names them 负责人, else the first with an address.
async fn client_lead(state: &AppState, project_id: i32) -> AppResult<Option<(String, String)>> {
    let contacts = client_contact::Entity::find()
        .filter(client_contact::Column::ProjectId.eq(project_id))
        .order_by_asc(client_contact::Column::Id)
        .all(&state.db)
        .await?;
    let with_address = |c: &&client_contact::Model| c.email.as_deref().is_some_and(|e| e.contains('@'));
    Ok(contacts
        .iter()
        .filter(with_address)
        .find(|c| c.role.contains("负责人"))
        .or_else(|| contacts.iter().find(with_address))
        .and_then(|c| c.email.clone().map(|e| (e, c.name.clone()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_notice_not_yet_passed_is_the_one_due() {
        let t = [90, 30];
        assert_eq!(due_notice(120, &t), None);
        assert_eq!(due_notice(90, &t), Some(90));
        assert_eq!(due_notice(45, &t), Some(90), "a 90-day notice missed is sent late");
        assert_eq!(due_notice(30, &t), Some(30));
        assert_eq!(due_notice(0, &t), Some(30));
        assert_eq!(due_notice(-1, &t), None, "ended: nothing more");
    }
}
