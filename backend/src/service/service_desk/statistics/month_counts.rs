//! The month's sums per project and fault category (`service_month_counts`), kept in the same
//! transaction as the rows they count, so a month's statistics and its trend read a few thousand
//! sums whatever the number of tickets. A change recounts the project's months it touches from
//! the facts on the rows (one indexed, grouped query per source); on PostgreSQL a transaction
//! that recounts holds the project's advisory lock until it ends, so two writers cannot both
//! count without the other's change. SQLite takes one writer at a time already.
use std::collections::HashMap;

use entity::{return_visit, service_month_count, service_ticket, spare_loan};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set, Statement,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};

use crate::{
    domain::statistics::{Counts, Month},
    error::AppResult,
};

/// Sums by (month key, project, the fault's system type or "" when it has none).
pub type Sums = HashMap<(i32, i32, String), Counts>;

/// Which rows to count: some months (all when none), some projects (all when none).
#[derive(Clone, Copy)]
struct Scope<'a> {
    months: Option<(i32, i32)>,
    projects: Option<&'a [i32]>,
}

impl Scope<'_> {
    fn narrow(&self, q: &mut SelectStatement, month: Expr, project: Expr) {
        match self.months {
            // One month: an equality, so that the planner takes the (month, project) index.
            Some((first, last)) if first == last => {
                q.and_where(month.eq(first));
            }
            Some((first, last)) => {
                q.and_where(month.between(first, last));
            }
            None => {
                // 0: a row whose facts are not filled yet.
                q.and_where(month.gt(0));
            }
        }
        if let Some(ids) = self.projects {
            q.and_where(project.is_in(ids.to_vec()));
        }
    }
}

fn sum(expr: &str) -> Expr {
    // CAST: PostgreSQL sums a bigint into a numeric.
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

fn count_if(condition: &str) -> Expr {
    sum(&format!("CASE WHEN {condition} THEN 1 ELSE 0 END"))
}

/// A count as the database returns it (an i64 on both).
fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Counts the rows in scope: faults, site visits and clocks by the month a fault was reported
/// in (from the covering index), spares taken out for them, 回访 by the month answered in.
async fn counted(db: &impl ConnectionTrait, scope: Scope<'_>) -> AppResult<Sums> {
    let mut sums = Sums::new();
    let ticket = |c: service_ticket::Column| Expr::col((service_ticket::Entity, c));
    let system_type = |row: &sea_orm::QueryResult| -> AppResult<String> {
        Ok(row.try_get_by_index::<Option<String>>(2)?.unwrap_or_default())
    };
    let mut q = Query::select();
    q.from(service_ticket::Entity)
        .column(service_ticket::Column::ReportedMonth)
        .column(service_ticket::Column::ProjectId)
        .column(service_ticket::Column::SystemType)
        .expr(Expr::cust("COUNT(*)"))
        .expr(sum("site_visits"))
        .expr(count_if("response_secs IS NOT NULL OR response_broken"))
        .expr(count_if("response_broken"))
        .expr(sum("response_secs"))
        .expr(count_if("response_secs IS NOT NULL"))
        .expr(count_if("repair_secs IS NOT NULL OR repair_broken"))
        .expr(count_if("repair_broken"))
        .expr(sum("repair_secs"))
        .expr(count_if("repair_secs IS NOT NULL"))
        .group_by_col(service_ticket::Column::ReportedMonth)
        .group_by_col(service_ticket::Column::ProjectId)
        .group_by_col(service_ticket::Column::SystemType);
    scope.narrow(
        &mut q,
        ticket(service_ticket::Column::ReportedMonth),
        ticket(service_ticket::Column::ProjectId),
    );
    for row in db.query_all(&q).await? {
        let key = (row.try_get_by_index(0)?, row.try_get_by_index(1)?, system_type(&row)?);
        let c = sums.entry(key).or_default();
        let n = |i: usize| -> AppResult<u64> { Ok(count(row.try_get_by_index(i)?)) };
        c.faults += n(3)?;
        c.site_visits += n(4)?;
        c.responses += n(5)?;
        c.responses_broken += n(6)?;
        c.response_secs += n(7)?;
        c.responses_timed += n(8)?;
        c.repairs += n(9)?;
        c.repairs_broken += n(10)?;
        c.repair_secs += n(11)?;
        c.repairs_timed += n(12)?;
    }
    let mut q = Query::select();
    q.from(spare_loan::Entity)
        .inner_join(
            service_ticket::Entity,
            ticket(service_ticket::Column::Id).equals((spare_loan::Entity, spare_loan::Column::TicketId)),
        )
        .expr(ticket(service_ticket::Column::ReportedMonth))
        .expr(ticket(service_ticket::Column::ProjectId))
        .expr(ticket(service_ticket::Column::SystemType))
        .expr(Expr::cust("COUNT(*)"))
        .and_where(Expr::col((spare_loan::Entity, spare_loan::Column::CheckedOutAt)).is_not_null())
        .group_by_col((service_ticket::Entity, service_ticket::Column::ReportedMonth))
        .group_by_col((service_ticket::Entity, service_ticket::Column::ProjectId))
        .group_by_col((service_ticket::Entity, service_ticket::Column::SystemType));
    scope.narrow(
        &mut q,
        ticket(service_ticket::Column::ReportedMonth),
        ticket(service_ticket::Column::ProjectId),
    );
    for row in db.query_all(&q).await? {
        let key = (row.try_get_by_index(0)?, row.try_get_by_index(1)?, system_type(&row)?);
        sums.entry(key).or_default().spares_used += count(row.try_get_by_index(3)?);
    }
    let unhappy = ["response", "attitude", "quality", "overall"]
        .map(|c| format!("return_visits.{c} = 'unsatisfied'"))
        .join(" OR ");
    let mut q = Query::select();
    q.from(return_visit::Entity)
        .inner_join(
            service_ticket::Entity,
            ticket(service_ticket::Column::Id).equals((return_visit::Entity, return_visit::Column::TicketId)),
        )
        .expr(Expr::col((return_visit::Entity, return_visit::Column::AnsweredMonth)))
        .expr(ticket(service_ticket::Column::ProjectId))
        .expr(ticket(service_ticket::Column::SystemType))
        .expr(Expr::cust("COUNT(*)"))
        .expr(count_if(&unhappy))
        .expr(count_if("return_visits.complaint"))
        .group_by_col((return_visit::Entity, return_visit::Column::AnsweredMonth))
        .group_by_col((service_ticket::Entity, service_ticket::Column::ProjectId))
        .group_by_col((service_ticket::Entity, service_ticket::Column::SystemType));
    scope.narrow(
        &mut q,
        Expr::col((return_visit::Entity, return_visit::Column::AnsweredMonth)),
        ticket(service_ticket::Column::ProjectId),
    );
    for row in db.query_all(&q).await? {
        let key = (row.try_get_by_index(0)?, row.try_get_by_index(1)?, system_type(&row)?);
        let c = sums.entry(key).or_default();
        c.visits_answered += count(row.try_get_by_index(3)?);
        c.visits_unsatisfied += count(row.try_get_by_index(4)?);
        c.complaints += count(row.try_get_by_index(5)?);
    }
    Ok(sums)
}

/// The kept sums of `first..=last`, for some projects (all when none).
pub async fn read(db: &impl ConnectionTrait, only: Option<&[i32]>, first: Month, last: Month) -> AppResult<Sums> {
    let mut find =
        service_month_count::Entity::find().filter(service_month_count::Column::Month.between(first.key(), last.key()));
    if let Some(ids) = only {
        find = find.filter(service_month_count::Column::ProjectId.is_in(ids.to_vec()));
    }
    let rows = find.all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = count;
            let counts = Counts {
                faults: n(r.faults),
                site_visits: n(r.site_visits),
                responses: n(r.responses),
                responses_broken: n(r.responses_broken),
                response_secs: n(r.response_secs),
                responses_timed: n(r.responses_timed),
                repairs: n(r.repairs),
                repairs_broken: n(r.repairs_broken),
                repair_secs: n(r.repair_secs),
                repairs_timed: n(r.repairs_timed),
                spares_used: n(r.spares_used),
                visits_answered: n(r.visits_answered),
                visits_unsatisfied: n(r.visits_unsatisfied),
                complaints: n(r.complaints),
                ..Counts::default()
            };
            ((r.month, r.project_id, r.system_type), counts)
        })
        .collect())
}

async fn store(db: &impl ConnectionTrait, sums: Sums) -> AppResult<u64> {
    let rows: Vec<service_month_count::ActiveModel> = sums
        .into_iter()
        .map(
            |((month, project_id, system_type), c)| service_month_count::ActiveModel {
                month: Set(month),
                project_id: Set(project_id),
                system_type: Set(system_type),
                faults: Set(signed(c.faults)),
                site_visits: Set(signed(c.site_visits)),
                responses: Set(signed(c.responses)),
                responses_broken: Set(signed(c.responses_broken)),
                response_secs: Set(signed(c.response_secs)),
                responses_timed: Set(signed(c.responses_timed)),
                repairs: Set(signed(c.repairs)),
                repairs_broken: Set(signed(c.repairs_broken)),
                repair_secs: Set(signed(c.repair_secs)),
                repairs_timed: Set(signed(c.repairs_timed)),
                spares_used: Set(signed(c.spares_used)),
                visits_answered: Set(signed(c.visits_answered)),
                visits_unsatisfied: Set(signed(c.visits_unsatisfied)),
                complaints: Set(signed(c.complaints)),
            },
        )
        .collect();
    let stored = rows.len() as u64;
    // 17 values a row: well under either database's limit of bound values.
    for chunk in rows.chunks(500) {
        service_month_count::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(stored)
}

/// On PostgreSQL, waits for and holds the project's lock until the transaction ends.
async fn lock(db: &impl ConnectionTrait, project_id: i32) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        // A namespace in the high bits keeps the key apart from any other advisory lock.
        let key = (0x4a46_i64 << 40) | i64::from(project_id);
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Counts a project's `months` (yyyymm keys) again from its rows; call it in the transaction
/// that changed them.
pub async fn recount(db: &impl ConnectionTrait, project_id: i32, months: &[i32]) -> AppResult<()> {
    let mut months: Vec<i32> = months.iter().copied().filter(|m| *m > 0).collect();
    months.sort_unstable();
    months.dedup();
    if months.is_empty() {
        return Ok(());
    }
    lock(db, project_id).await?;
    let projects = [project_id];
    for month in months {
        service_month_count::Entity::delete_many()
            .filter(service_month_count::Column::Month.eq(month))
            .filter(service_month_count::Column::ProjectId.eq(project_id))
            .exec(db)
            .await?;
        let sums = counted(
            db,
            Scope {
                months: Some((month, month)),
                projects: Some(&projects),
            },
        )
        .await?;
        store(db, sums).await?;
    }
    Ok(())
}

/// Counts every month of a project again (rows written in bulk, as the demo's history).
pub async fn recount_project(db: &impl ConnectionTrait, project_id: i32) -> AppResult<()> {
    lock(db, project_id).await?;
    service_month_count::Entity::delete_many()
        .filter(service_month_count::Column::ProjectId.eq(project_id))
        .exec(db)
        .await?;
    let projects = [project_id];
    let sums = counted(
        db,
        Scope {
            months: None,
            projects: Some(&projects),
        },
    )
    .await?;
    store(db, sums).await?;
    Ok(())
}

/// Counts everything again; returns the sums stored. At start, when the sums are missing (a
/// store from before they were kept), and after tickets were written in bulk.
pub async fn rebuild(db: &impl ConnectionTrait) -> AppResult<u64> {
    service_month_count::Entity::delete_many().exec(db).await?;
    let sums = counted(
        db,
        Scope {
            months: None,
            projects: None,
        },
    )
    .await?;
    store(db, sums).await
}

/// Whether tickets exist but their sums do not (a store from before they were kept).
pub async fn missing(db: &impl ConnectionTrait) -> AppResult<bool> {
    let counted = service_month_count::Entity::find().one(db).await?.is_some();
    if counted {
        return Ok(false);
    }
    Ok(service_ticket::Entity::find()
        .filter(service_ticket::Column::ReportedMonth.gt(0))
        .one(db)
        .await?
        .is_some())
}
