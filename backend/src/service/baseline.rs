//! The baseline: the approved 分项设备清单审定版 that arrival and installation are recorded
//! against. The one interface between the equipment lists (which approve it) and the features that
//! record work against it (which keep it from being replaced once they have): it depends on
//! neither.
use entity::{equipment_item, equipment_list, received_unit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::access::{Granted, MayRead};
use crate::{
    domain::types::ListKind,
    error::{AppError, AppResult},
};

/// The approved 分项设备清单审定版 and its items: what arrival is measured against.
pub struct Baseline {
    pub list: equipment_list::Model,
    pub items: Vec<equipment_item::Model>,
}

impl Baseline {
    pub fn item(&self, item_id: i32) -> AppResult<&equipment_item::Model> {
        self.items
            .iter()
            .find(|i| i.id == item_id)
            .ok_or_else(|| self.not_an_item(item_id))
    }

    pub fn not_an_item(&self, item_id: i32) -> AppError {
        AppError::invalid(
            "item_id",
            format!(
                "item_id: {item_id} is not an item of the baseline ({} v{}); GET …/arrival lists them",
                ListKind::Approved.label_zh(),
                self.list.version
            ),
        )
    }
}

/// The latest approved itemised list of the project, or a 409 saying how to get one.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn current(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Baseline> {
    let project_id = p.id();
    let list = equipment_list::Entity::find()
        .filter(equipment_list::Column::ProjectId.eq(project_id))
        .filter(equipment_list::Column::Kind.eq(ListKind::Approved))
        .filter(equipment_list::Column::ApprovedAt.is_not_null())
        .order_by_desc(equipment_list::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "the project has no approved {} yet: import one (kind approved) and approve it first",
                ListKind::Approved.label_zh()
            ))
        })?;
    let items = equipment_item::Entity::find()
        .filter(equipment_item::Column::ListId.eq(list.id))
        .order_by_asc(equipment_item::Column::Position)
        .all(db)
        .await?;
    Ok(Baseline { list, items })
}

/// Whether units have been received against the baseline: then it stays put (a newer list cannot
/// replace it).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn in_use(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<bool> {
    let project_id = p.id();
    Ok(received_unit::Entity::find()
        .filter(received_unit::Column::ProjectId.eq(project_id))
        .count(db)
        .await?
        > 0)
}
