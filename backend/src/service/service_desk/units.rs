//! The installed units of a project and their warranty (质保): from the project's contractual
//! delivery date (its warranty start) for the equipment-list line's 质保期, else the policy's
//! months; a replacement keeps the end date it was given (the remaining term of the unit it
//! replaced).
use chrono::NaiveDate;
use entity::project;
use sea_orm::ConnectionTrait;

use crate::{
    domain::{plan::ServicePolicy, warranty},
    error::{AppError, AppResult},
    service::{
        access::{Granted, MayRead},
        arrival, baseline, installation,
    },
};

/// An installed unit with its warranty.
#[derive(Debug, Clone, PartialEq)]
pub struct WarrantyUnit {
    pub unit_id: i32,
    pub installation_id: i32,
    pub name: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub location: String,
    /// The line's 质保期 as written, if any.
    pub warranty_text: Option<String>,
    /// The term in months (the line's, else the policy's); none for a replacement's own end.
    pub months: Option<u32>,
    pub ends_on: Option<NaiveDate>,
}

impl WarrantyUnit {
    /// Under warranty on `day`: not before its end. Before delivery there is no warranty yet.
    pub fn in_warranty(&self, day: NaiveDate) -> bool {
        self.ends_on.is_some_and(|end| day <= end)
    }

    /// How people name it: «网络摄像机 DS-2CD (SN123) · 三楼机房».
    pub fn label(&self) -> String {
        let mut s = self.name.clone();
        if let Some(m) = &self.model {
            s.push_str(&format!(" {m}"));
        }
        if let Some(sn) = &self.serial {
            s.push_str(&format!("（{sn}）"));
        }
        if !self.location.is_empty() {
            s.push_str(&format!(" · {}", self.location));
        }
        s
    }
}

/// When a unit's warranty ends when its line names `text` (else the policy's term).
pub fn term(project: &project::Model, text: Option<&str>, policy: &ServicePolicy) -> (u32, Option<NaiveDate>) {
    let months = text.and_then(warranty::months_of).unwrap_or(policy.warranty_months);
    (
        months,
        project.warranty_starts_on.map(|start| warranty::ends_on(start, months)),
    )
}

/// Every installed unit that has a received unit (a serial to find it by), in list order.
pub async fn units(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    policy: &ServicePolicy,
) -> AppResult<Vec<WarrantyUnit>> {
    let base = match baseline::current(db, p).await {
        Ok(base) => base,
        // No approved list (a project taken over from paper): no unit to choose; a fault is
        // described in words.
        Err(AppError::Conflict(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let rows = installation::rows(db, p, None).await?;
    let received = arrival::units(db, p).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let unit_id = r.unit_id?;
            let unit = received.iter().find(|u| u.id == unit_id)?;
            let text = base
                .items
                .iter()
                .find(|i| i.id == r.item_id)
                .and_then(|i| i.warranty.clone())
                .filter(|t| !t.trim().is_empty());
            let (months, ends_on) = match unit.warranty_ends_on {
                Some(own) => (None, Some(own)),
                None => {
                    let (m, end) = term(p.project(), text.as_deref(), policy);
                    (Some(m), end)
                }
            };
            Some(WarrantyUnit {
                unit_id,
                installation_id: r.id,
                name: r.name,
                model: r.model,
                serial: r.serial,
                location: r.location,
                warranty_text: text,
                months,
                ends_on,
            })
        })
        .collect())
}
