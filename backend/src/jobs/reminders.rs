//! Deadline reminders: every open task whose reminder day has come goes into one digest per
//! recipient per day, grouped by project. Each item (task, kind, due date, recipient) is recorded,
//! so running the job again for the same instant adds nothing; completing a task stops its
//! reminders; moving its due date makes new items for the new date.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use entity::{client_contact, phase, project, project_member, reminder_item, task, user};
use minijinja::context;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Query};
use serde::Serialize;

use crate::{
    db::begin_write,
    domain::{
        plan::{ReminderKind, ReminderPolicy},
        schedule::effective_due,
        types::{MemberRole, ProjectStatus, ReminderFrequency, Role},
    },
    email::{
        messages,
        outbox::{self, NewEmail},
    },
    error::AppResult,
    service::{plans, projects::timezone_of, schedule},
    state::AppState,
};

/// One line of a digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestItem {
    #[serde(skip)]
    pub key: String,
    #[serde(skip)]
    pub task_id: i32,
    #[serde(skip)]
    pub project_id: i32,
    pub phase: String,
    pub task: String,
    pub due_on: NaiveDate,
    pub label: String,
    pub overdue: bool,
    pub escalation: bool,
}

/// One digest to send.
#[derive(Debug, Clone)]
pub struct ReminderDigest {
    pub to_address: String,
    pub to_name: String,
    /// The reminder day (local) the digest is for.
    pub day: NaiveDate,
    /// project id → (code, name, items)
    pub projects: BTreeMap<String, (i32, String, Vec<DigestItem>)>,
}

impl ReminderDigest {
    pub fn items(&self) -> impl Iterator<Item = &DigestItem> {
        self.projects.values().flat_map(|(_, _, items)| items)
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReminderReport {
    pub digests: u32,
    pub items: u32,
}

struct Recipient {
    address: String,
    name: String,
    /// daily, weekly or off (contacts: daily).
    frequency: ReminderFrequency,
}

/// The reminder day of `now` in `tz`: reminders for a day go out from `hour` o'clock local.
fn reminder_day(now: DateTime<Utc>, tz: Tz, hour: u32) -> NaiveDate {
    (now.with_timezone(&tz) - Duration::hours(i64::from(hour))).date_naive()
}

/// Works out the digests due at `now` that have not been sent, without writing anything.
pub async fn plan(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<ReminderDigest>> {
    let db = &state.db;
    let hour = state.settings.reminder_hour;
    let projects: HashMap<i32, project::Model> = project::Entity::find()
        .filter(project::Column::Status.eq(ProjectStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let mut policies: HashMap<i32, ReminderPolicy> = HashMap::new();
    for plan in plans::list(db).await? {
        policies.insert(plan.id, plans::definition(&plan)?.reminders);
    }
    // Only deadlines near enough to remind about: bounded by the widest policy, ±1 day for zones.
    let widest_before = policies
        .values()
        .flat_map(|p| p.days_before.iter().copied())
        .max()
        .unwrap_or(0)
        .max(7);
    let widest_after = policies
        .values()
        .map(|p| p.overdue_days.max(p.escalate_after_days))
        .max()
        .unwrap_or(0);
    let today = now.date_naive();
    let from = today - Days::new(u64::from(widest_after) + 2);
    let to = today + Days::new(u64::from(widest_before) + 2);
    // The stored deadline, through the partial index of counting tasks; the two days' slack on each
    // side covers every zone (the exact day is checked per task below).
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    let tasks = task::Entity::find()
        .filter(schedule::counting_task())
        .filter(task::Column::DueAt.between(midnight(from), midnight(to + Days::new(1))))
        .all(db)
        .await?;
    let tasks: Vec<task::Model> = tasks
        .into_iter()
        .filter(|t| projects.contains_key(&t.project_id))
        .collect();
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    // The active projects' ids, as a subquery: thousands of ids as bind values are slow to plan.
    let active = || {
        Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(project::Column::Status.eq(ProjectStatus::Active))
            .to_owned()
    };
    let phases: HashMap<i32, String> = phase::Entity::find()
        .filter(phase::Column::ProjectId.in_subquery(active()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let members = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.in_subquery(active()))
        .all(db)
        .await?;
    let users: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Disabled.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let contacts = client_contact::Entity::find()
        .filter(client_contact::Column::ProjectId.in_subquery(active()))
        .all(db)
        .await?;
    let as_recipient = |u: &user::Model| {
        u.email.clone().map(|address| Recipient {
            address,
            name: u.display_name.clone(),
            frequency: u.reminder_frequency,
        })
    };
    let admins: Vec<Recipient> = users
        .values()
        .filter(|u| u.role == Role::Admin)
        .filter_map(as_recipient)
        .collect();

    // Who hears about a task: its assignee, else the project's PMs (else all members); its managers on escalation;
    // for tasks that wait on the client, the client's responsible contact.
    let mut responsible: HashMap<i32, Vec<Recipient>> = HashMap::new();
    let mut managers: HashMap<i32, Vec<Recipient>> = HashMap::new();
    for pid in projects.keys() {
        let mine: Vec<&project_member::Model> = members.iter().filter(|m| m.project_id == *pid).collect();
        let pms: Vec<&&project_member::Model> = mine.iter().filter(|m| m.role == MemberRole::Pm).collect();
        let chosen: Vec<&project_member::Model> = if pms.is_empty() {
            mine.clone()
        } else {
            pms.into_iter().copied().collect()
        };
        responsible.insert(
            *pid,
            chosen
                .iter()
                .filter_map(|m| users.get(&m.user_id))
                .filter_map(as_recipient)
                .collect(),
        );
        let mgrs: Vec<Recipient> = mine
            .iter()
            .filter_map(|m| users.get(&m.user_id))
            .filter(|u| u.role == Role::Manager)
            .filter_map(as_recipient)
            .collect();
        managers.insert(
            *pid,
            if mgrs.is_empty() {
                admins
                    .iter()
                    .map(|r| Recipient {
                        address: r.address.clone(),
                        name: r.name.clone(),
                        frequency: r.frequency,
                    })
                    .collect()
            } else {
                mgrs
            },
        );
    }
    let client_contact_of = |pid: i32| -> Option<Recipient> {
        let mine: Vec<&client_contact::Model> = contacts
            .iter()
            .filter(|c| c.project_id == pid && c.email.is_some())
            .collect();
        let lead = mine
            .iter()
            .find(|c| c.role.contains("负责人"))
            .or_else(|| mine.first())?;
        Some(Recipient {
            address: lead.email.clone()?,
            name: lead.name.clone(),
            frequency: ReminderFrequency::Daily,
        })
    };

    let mut digests: BTreeMap<String, ReminderDigest> = BTreeMap::new();
    for t in &tasks {
        let p = &projects[&t.project_id];
        let tz = timezone_of(p);
        let day = reminder_day(now, tz, hour);
        let due = effective_due(t.planned_due_on, t.override_due_on);
        let days_left = (due - day).num_days();
        let policy = policies.get(&p.plan_id).cloned().unwrap_or_default();
        let (own, escalation) = policy.triggers(days_left);
        let mut add = |r: &Recipient, kind: ReminderKind, weekly: bool| {
            let key = if weekly {
                format!("weekly:{}:{}:{}:{}", t.id, day.iso_week().week(), due, r.address)
            } else {
                format!("reminder:{}:{}:{}:{}", t.id, kind.key(), due, r.address)
            };
            let digest = digests.entry(r.address.clone()).or_insert_with(|| ReminderDigest {
                to_address: r.address.clone(),
                to_name: r.name.clone(),
                day,
                projects: BTreeMap::new(),
            });
            let entry = digest
                .projects
                .entry(p.code.clone())
                .or_insert_with(|| (p.id, p.name.clone(), Vec::new()));
            // One line per task: a PM who is reminded of a task and told of its escalation gets
            // the one line, marked as an escalation.
            if let Some(line) = entry.2.iter_mut().find(|i| i.task_id == t.id) {
                line.escalation |= matches!(kind, ReminderKind::Escalation(_));
                return;
            }
            entry.2.push(DigestItem {
                key,
                task_id: t.id,
                project_id: p.id,
                phase: phases.get(&t.phase_id).cloned().unwrap_or_default(),
                task: t.name.clone(),
                due_on: due,
                label: kind.label_zh(),
                overdue: days_left < 0,
                escalation: matches!(kind, ReminderKind::Escalation(_)),
            });
        };
        let assignee = t.assignee_id.and_then(|id| users.get(&id)).and_then(as_recipient);
        let mut people: Vec<&Recipient> = match &assignee {
            Some(a) => vec![a],
            None => responsible[&t.project_id].iter().collect(),
        };
        let client = if t.waits_on_client {
            client_contact_of(t.project_id)
        } else {
            None
        };
        people.extend(client.as_ref());
        for r in people {
            match r.frequency {
                ReminderFrequency::Off => {}
                ReminderFrequency::Weekly => {
                    // Mondays: everything overdue (within the policy) or due within the week.
                    let in_week = days_left >= -i64::from(policy.overdue_days) && days_left <= 7;
                    if day.weekday() == Weekday::Mon && in_week {
                        let kind = if days_left < 0 {
                            ReminderKind::Overdue(days_left.unsigned_abs() as u32)
                        } else if days_left == 0 {
                            ReminderKind::DueToday
                        } else {
                            ReminderKind::Before(days_left as u32)
                        };
                        add(r, kind, true);
                    }
                }
                ReminderFrequency::Daily => {
                    if let Some(kind) = own {
                        add(r, kind, false);
                    }
                }
            }
        }
        if let Some(kind) = escalation {
            // Weekly readers see overdue items in their Monday digest; escalations are daily news.
            for r in managers[&t.project_id]
                .iter()
                .filter(|r| r.frequency == ReminderFrequency::Daily)
            {
                add(r, kind, false);
            }
        }
    }

    // Leave out what has been mailed already. A key names its reminder day (kind and due date, or
    // the week), so it can only have been recorded on that day: recent rows are all there is to
    // check. The unique index on item_key stays the guarantee.
    let sent: HashSet<String> = reminder_item::Entity::find()
        .select_only()
        .column(reminder_item::Column::ItemKey)
        .filter(reminder_item::Column::CreatedAt.gte(now - Duration::days(3)))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for (_, mut digest) in digests {
        for (_, _, items) in digest.projects.values_mut() {
            items.retain(|i| !sent.contains(&i.key));
            items.sort_by(|a, b| (a.due_on, &a.task).cmp(&(b.due_on, &b.task)));
        }
        digest.projects.retain(|_, (_, _, items)| !items.is_empty());
        if !digest.projects.is_empty() {
            out.push(digest);
        }
    }
    Ok(out)
}

/// Queues the digests due at `now`; returns what was queued.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> AppResult<ReminderReport> {
    let digests = plan(state, now).await?;
    if digests.is_empty() {
        return Ok(ReminderReport::default());
    }
    let env = &state.templates.env;
    let base = state.settings.base_url();
    let horizon = Duration::hours(state.settings.mail_retry_horizon_hours);
    let txn = begin_write(&state.db).await?;
    let mut report = ReminderReport::default();
    for digest in &digests {
        let email = render(env, &base, digest)?;
        let Some(outbox_id) = outbox::enqueue(&txn, email, horizon, now).await? else {
            continue;
        };
        let rows = digest.items().map(|i| reminder_item::ActiveModel {
            item_key: Set(i.key.clone()),
            task_id: Set(i.task_id),
            recipient: Set(digest.to_address.clone()),
            outbox_id: Set(outbox_id),
            created_at: Set(now),
            ..Default::default()
        });
        report.items += digest.items().count() as u32;
        reminder_item::Entity::insert_many(rows).exec(&txn).await?;
        report.digests += 1;
    }
    txn.commit().await?;
    Ok(report)
}

fn render(env: &minijinja::Environment<'_>, base: &str, digest: &ReminderDigest) -> AppResult<NewEmail> {
    #[derive(Serialize)]
    struct Group<'a> {
        code: &'a str,
        name: &'a str,
        /// Built by us from the configured base URL and an id: marked safe so the href stays readable.
        url: minijinja::Value,
        items: &'a [DigestItem],
    }
    let groups: Vec<Group> = digest
        .projects
        .iter()
        .map(|(code, (id, name, items))| Group {
            code,
            name,
            // The project's page, where the person signs in and acts (the API would ask for a token).
            url: minijinja::Value::from_safe_string(format!("{base}/projects/{id}")),
            items,
        })
        .collect();
    let total = digest.items().count();
    let overdue = digest.items().filter(|i| i.overdue).count();
    let ctx = context! {
        recipient => digest.to_name,
        day => digest.day.format("%Y年%m月%d日").to_string(),
        total => total,
        overdue => overdue,
        groups => groups,
    };
    let mut keys: Vec<&str> = digest.items().map(|i| i.key.as_str()).collect();
    keys.sort_unstable();
    let hash = crate::service::auth::hash_secret(&keys.join("\n"));
    let project_id = (digest.projects.len() == 1)
        .then(|| digest.projects.values().map(|(id, _, _)| *id).next())
        .flatten();
    Ok(NewEmail {
        key: format!("digest:{}:{}:{}", digest.to_address, digest.day, &hash[..16]),
        kind: "reminder_digest".into(),
        project_id,
        to_address: digest.to_address.clone(),
        to_name: Some(digest.to_name.clone()),
        subject: messages::render(env, "reminder_digest.subject.txt", &ctx)?,
        text: messages::render(env, "reminder_digest.txt", &ctx)?,
        html: Some(messages::render(env, "reminder_digest.html", &ctx)?),
        calendar: None,
    })
}

/// Runs the job, the reminders of unsigned signing requests, the trial runs' weekly summaries
/// and overdue leftover issues, and the warranty-end notices, every five minutes until the process
/// ends.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            let round = run_once(&state, Utc::now()).await;
            crate::metrics::job_run("reminders", round.is_ok());
            match round {
                Ok(r) if r.digests > 0 => tracing::info!(digests = r.digests, items = r.items, "reminders queued"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %format_args!("{e:#}"), "reminder job failed"),
            }
            use crate::service::{service_desk, signing, trial_run};
            let now = Utc::now();
            noted(
                "signing_reminders",
                "signing reminders",
                signing::remind(&state, now).await,
            );
            noted(
                "trial_run_notices",
                "trial-run summaries and overdue issues",
                trial_run::notify(&state, now).await,
            );
            noted(
                "spare_loan_notices",
                "spare-loan reminders",
                service_desk::spares::notify(&state, now).await,
            );
            noted(
                "service_order_reminders",
                "service-order reminders",
                service_desk::orders::notify(&state, now).await,
            );
            noted(
                "warranty_notices",
                "warranty-end notices",
                service_desk::notices::notify(&state, now).await,
            );
            noted(
                "patrol_planning",
                "inspection visits planned",
                service_desk::patrols::plan_delivered(&state, now).await,
            );
            noted(
                "patrol_reminders",
                "inspection reminders",
                service_desk::patrols::notify(&state, now).await,
            );
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
        }
    });
}

/// Logs and counts one of the round's notices: how many it queued, or why it failed.
fn noted(job: &'static str, what: &str, done: crate::error::AppResult<usize>) {
    crate::metrics::job_run(job, done.is_ok());
    match done {
        Ok(n) if n > 0 => tracing::info!(count = n, "{what} queued"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %format_args!("{e:#}"), "{what} failed"),
    }
}
