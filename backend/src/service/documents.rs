//! The project's forms as Word documents: gathering their data, drafts, the document register
//! (issue, versions, hashes, the file as issued), the distribution log, verification by code,
//! and the work log the 工作记录单 prints.
use super::access::{Granted, MayManage, MayRead, MayRecordWork};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{change_notice, document_copy, issued_document, photo, project, user, work_log};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::{
    db::begin_write,
    documents::{
        self, Block, Dossier, FormKind, House, Meta, Picture,
        forms::{
            ArrivalLine, CheckData, DifferenceLine, InstallationLine, ItemLine, ListData, NoticeData, OrderTerms,
            Person, PhaseLine, ProjectFacts, ReceiptLine, ShipmentData, TaskLine, WorkLogLine,
        },
    },
    domain::{
        schedule::phase_status,
        types::{CheckResult, Commissioning, InspectionRound, ListKind, PhotoSubject, SystemType, TaskStatus},
    },
    error::{AppError, AppResult},
    files::Files,
    service::{
        arrival,
        auth::sha256_hex,
        equipment,
        history::{self, Change},
        installation, photos, projects, schedule, test_plans,
    },
};

/// The day an instant falls on where the project is (a form prints the site's dates).
fn day(d: Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> String {
    d.map(|d| d.with_timezone(&tz).date_naive().to_string())
        .unwrap_or_default()
}

fn check_label(v: &str) -> String {
    match CheckResult::parse(v) {
        Ok(CheckResult::Pass) => "合格".into(),
        Ok(CheckResult::Fail) => "不合格".into(),
        Ok(CheckResult::NotApplicable) => "不适用".into(),
        Err(_) => v.to_string(),
    }
}

async fn names(db: &impl ConnectionTrait) -> AppResult<HashMap<i32, String>> {
    Ok(user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

fn list_data(
    list: &entity::equipment_list::Model,
    items: &[entity::equipment_item::Model],
    tz: chrono_tz::Tz,
    approved_by: String,
) -> ListData {
    let day_of = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    ListData {
        approved_by,
        terms: OrderTerms {
            supplier: list.supplier.clone(),
            ordered_on: day_of(list.ordered_on),
            delivery_due_on: day_of(list.delivery_due_on),
            delivery_place: list.delivery_place.clone(),
        },
        version: list.version,
        file_name: list.file_name.clone(),
        imported_on: day(Some(list.imported_at), tz),
        approved_on: list.approved_at.map(|d| day(Some(d), tz)),
        items: items
            .iter()
            .map(|i| ItemLine {
                category: i.category.clone(),
                seq: i.seq.clone().unwrap_or_default(),
                name: i.name.clone(),
                brand: i.brand.clone().unwrap_or_default(),
                model: i.model.clone().unwrap_or_default(),
                spec: i.spec.clone().unwrap_or_default(),
                quantity: i.quantity,
                unit: i.unit.clone().unwrap_or_default(),
                unit_price: i.unit_price,
                amount: i.amount,
                remark: i.remark.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// Everything the forms print about a project.
#[tracing::instrument(skip_all)]
pub async fn dossier(db: &impl ConnectionTrait, house: &House, p: &Granted<impl MayRead>) -> AppResult<Dossier> {
    let (id, project) = (p.id(), p.project());
    let tz = projects::timezone_of(project);
    let names = names(db).await?;
    let name_of = |uid: Option<i32>| uid.and_then(|u| names.get(&u).cloned()).unwrap_or_default();
    let mut d = Dossier {
        project: ProjectFacts {
            code: project.code.clone(),
            name: project.name.clone(),
            client: project.client_name.clone(),
            contractor: house.letterhead.company.clone(),
            contract_number: project.contract_number.clone(),
            supervisor: project.supervisor.clone(),
            site: project.site_address.clone(),
            signed_on: project.contract_signed_on.to_string(),
            delivery_due_on: project.delivery_due_on.map(|d| d.to_string()).unwrap_or_default(),
            delivered_on: project.delivered_on.map(|d| d.to_string()).unwrap_or_default(),
            warranty_starts_on: project.warranty_starts_on.map(|d| d.to_string()).unwrap_or_default(),
            systems: projects::system_types(project)
                .iter()
                .map(|t| SystemType::parse(t).map_or_else(|_| t.clone(), |t| t.label_zh().to_string()))
                .collect::<Vec<_>>()
                .join("、"),
        },
        ..Dossier::default()
    };
    d.team = projects::members(db, p)
        .await?
        .into_iter()
        .map(|(m, u)| Person {
            name: u.display_name,
            role: m.role.label_zh().to_string(),
        })
        .collect();
    d.contacts = projects::contacts(db, p)
        .await?
        .into_iter()
        .map(|c| Person {
            name: c.name,
            role: c.role,
        })
        .collect();
    let (phases, tasks) = schedule::load(db, p).await?;
    let status = TaskStatus::label_zh;
    d.phases = phases
        .iter()
        .map(|p| {
            let mine: Vec<_> = tasks.iter().filter(|t| t.phase_id == p.id).collect();
            let phase_status = status(phase_status(mine.iter().map(|t| t.status)));
            PhaseLine {
                name: p.name.clone(),
                due_on: p.override_due_on.unwrap_or(p.planned_due_on).to_string(),
                status: phase_status.into(),
                tasks: mine
                    .iter()
                    .map(|t| TaskLine {
                        name: t.name.clone(),
                        due_on: t.override_due_on.unwrap_or(t.planned_due_on).to_string(),
                        status: status(t.status).into(),
                        owner: name_of(t.assignee_id),
                        finished_on: day(t.finished_at, tz),
                    })
                    .collect(),
            }
        })
        .collect();
    for kind in [ListKind::Contract, ListKind::PurchaseOrder, ListKind::Approved] {
        if let Some(list) = equipment::latest(db, p, kind).await? {
            let data = list_data(
                &list,
                &equipment::items(db, &list).await?,
                tz,
                name_of(list.approved_by),
            );
            match kind {
                ListKind::Contract => d.contract_list = Some(data),
                ListKind::PurchaseOrder => d.purchase_order = Some(data),
                ListKind::Approved => d.approved_list = Some(data),
            }
        }
    }
    if d.contract_list.is_some() && d.purchase_order.is_some() {
        let r = equipment::reconciliation(db, p).await?;
        let notice = change_notice::Entity::find()
            .filter(change_notice::Column::ProjectId.eq(id))
            .order_by_desc(change_notice::Column::IssuedAt)
            .one(db)
            .await?;
        d.change_notice = Some(NoticeData {
            issued: notice.map(|n| (n.number, day(Some(n.issued_at), tz))),
            differences: r
                .differences
                .iter()
                .map(|x| {
                    let decision = r.decisions.get(&r.key(x));
                    DifferenceLine {
                        kind: x.kind.label_zh().into(),
                        item: r.item_name(x),
                        contract_value: x.contract_value.clone().unwrap_or_default(),
                        order_value: x.order_value.clone().unwrap_or_default(),
                        reason: decision.map(|k| k.reason.clone()).unwrap_or_default(),
                        decision: decision
                            .map(|k| match k.adopt {
                                Some(a) => format!("{}（审定版{}）", k.decision, a.label_zh()),
                                None => k.decision.clone(),
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        });
    }
    if d.approved_list.as_ref().is_some_and(|l| l.approved_on.is_some()) {
        let status = arrival::status(db, p).await?;
        let item_label = |item_id: i32| {
            status
                .baseline
                .items
                .iter()
                .find(|i| i.id == item_id)
                .map(|i| {
                    (
                        i.seq.clone().unwrap_or_default(),
                        i.name.clone(),
                        i.model.clone().unwrap_or_default(),
                    )
                })
                .unwrap_or_default()
        };
        d.shipments = status
            .shipments
            .iter()
            .map(|s| {
                let mut lines: Vec<ReceiptLine> = Vec::new();
                for unit in status.units.iter().filter(|u| u.shipment_id == s.id) {
                    let (seq, name, model) = item_label(unit.item_id);
                    let unit_name = status
                        .baseline
                        .items
                        .iter()
                        .find(|i| i.id == unit.item_id)
                        .and_then(|i| i.unit.clone())
                        .unwrap_or_default();
                    match lines.iter_mut().find(|l| l.seq == seq && l.name == name) {
                        Some(line) => {
                            line.quantity += unit.quantity;
                            line.serials.extend(status.serial_shown(unit));
                        }
                        None => lines.push(ReceiptLine {
                            seq,
                            name,
                            model,
                            unit: unit_name,
                            quantity: unit.quantity,
                            serials: status.serial_shown(unit).into_iter().collect(),
                        }),
                    }
                }
                ShipmentData {
                    id: s.id,
                    reference: s.reference.clone(),
                    dispatched_by: s.dispatched_by.clone(),
                    carrier: s.carrier.clone().unwrap_or_default(),
                    arrived_on: s.arrived_on.map(|d| d.to_string()).unwrap_or_default(),
                    received_by: s.received_by.clone(),
                    receipt_signed_on: s.receipt_signed_at.map(|d| day(Some(d), tz)),
                    lines,
                }
            })
            .collect();
        let check = |round: crate::domain::types::InspectionRound, item_id: i32| {
            let held = || {
                status
                    .inspections
                    .iter()
                    .filter(|i| i.item_id == item_id && i.round == round.as_str())
            };
            let rounds = held().count();
            held().max_by_key(|i| (i.inspected_at, i.id)).map(|i| CheckData {
                recheck: rounds > 1,
                documents: check_label(&i.documents),
                appearance: check_label(&i.appearance),
                power_on: check_label(&i.power_on),
                inspector: name_of(i.inspector_id),
                witness: i.witness.clone().unwrap_or_default(),
                on: day(Some(i.inspected_at), tz),
                note: i.note.clone().unwrap_or_default(),
            })
        };
        d.arrival = status
            .items
            .iter()
            .filter(|s| !s.service)
            .map(|s| ArrivalLine {
                seq: s.item.seq.clone().unwrap_or_default(),
                name: s.item.name.clone(),
                brand: s.item.brand.clone().unwrap_or_default(),
                model: s.item.model.clone().unwrap_or_default(),
                unit: s.item.unit.clone().unwrap_or_default(),
                ordered: s.item.quantity,
                received: s.received,
                serials: status.serials_shown(s.item.id),
                own: check(crate::domain::types::InspectionRound::Own, s.item.id),
                client: check(crate::domain::types::InspectionRound::Client, s.item.id),
                deviations: status
                    .deviations
                    .iter()
                    .filter(|x| x.item_id == s.item.id)
                    .map(|x| {
                        // When it was found, what was found, and how it was closed.
                        let found = status
                            .inspections
                            .iter()
                            .find(|i| i.id == x.inspection_id)
                            .map_or(x.opened_at, |i| i.inspected_at);
                        let found = day(Some(found), tz);
                        match (x.resolution, x.resolution_note.as_deref().filter(|n| !n.is_empty())) {
                            (Some(r), Some(note)) => format!("{found} {}；{}：{note}", x.description, r.label_zh()),
                            (Some(r), None) => format!("{found} {}；{}", x.description, r.label_zh()),
                            (None, _) => format!("{found} {}（未关闭）", x.description),
                        }
                    })
                    .collect(),
                accepted: s.accepted(),
            })
            .collect();
        d.arrival_photos = photos::list(db, p, None, None)
            .await?
            .iter()
            .filter_map(|photo| {
                let (item_id, what) = match photo.subject {
                    PhotoSubject::Inspection => {
                        let i = status.inspections.iter().find(|i| i.id == photo.subject_id)?;
                        let round = InspectionRound::parse(&i.round).map_or("", |r| r.label_zh());
                        (i.item_id, format!("{round} {}", day(Some(i.inspected_at), tz)))
                    }
                    PhotoSubject::Deviation => {
                        let x = status.deviations.iter().find(|x| x.id == photo.subject_id)?;
                        (
                            x.item_id,
                            format!(
                                "{} {}",
                                PhotoSubject::Deviation.label_zh(),
                                day(Some(photo.uploaded_at), tz)
                            ),
                        )
                    }
                    PhotoSubject::Installation | PhotoSubject::WorkLog => return None,
                };
                let (seq, name, _) = item_label(item_id);
                Some(picture(photo, format!("{seq} {name}（{what}）")))
            })
            .collect();
        let records = installation::list(db, p).await?;
        let mut installed: HashMap<i32, f64> = HashMap::new();
        for r in &records {
            *installed.entry(r.item_id).or_default() += r.quantity;
        }
        d.not_installed = status
            .items
            .iter()
            .filter(|s| !s.service)
            .filter(|s| installed.get(&s.item.id).copied().unwrap_or(0.0) + 1e-9 < s.item.quantity.unwrap_or(0.0))
            .map(|s| format!("{} {}", s.item.seq.clone().unwrap_or_default(), s.item.name))
            .collect();
        d.installations = records
            .iter()
            .map(|r| {
                let (seq, name, model) = item_label(r.item_id);
                let serial = r
                    .unit_id
                    .and_then(|u| status.units.iter().find(|x| x.id == u))
                    .and_then(|u| u.serial.clone())
                    .unwrap_or_default();
                let commissioning = r.commissioning;
                InstallationLine {
                    seq,
                    name,
                    model,
                    serial,
                    quantity: r.quantity,
                    location: r.location.clone(),
                    installed_on: r.installed_on.to_string(),
                    engineer: name_of(r.engineer_id),
                    ip_address: r.ip_address.clone().unwrap_or_default(),
                    firmware: r.firmware.clone().unwrap_or_default(),
                    config_notes: r.config_notes.clone().unwrap_or_default(),
                    commissioning: match commissioning {
                        Commissioning::Pass => "通过",
                        Commissioning::Fail => "未通过",
                        Commissioning::Pending => "待调试",
                    }
                    .into(),
                    commissioning_passed: commissioning == Commissioning::Pass,
                    commissioning_note: r.commissioning_note.clone().unwrap_or_default(),
                    commissioned_on: r.commissioned_on.map(|d| d.to_string()).unwrap_or_default(),
                }
            })
            .collect();
    }
    d.test_plans = test_plans::records(db, project, house.lang).await?;
    d.functional_test_record = latest_issued(db, id, FormKind::FunctionalTest).await?.map(|doc| {
        (
            format!("{} V{}", doc.number, doc.version),
            doc.issued_at.with_timezone(&tz).date_naive().to_string(),
        )
    });
    d.initial_acceptance =
        super::acceptance::for_forms(db, project, crate::domain::types::AcceptanceStage::Initial).await?;
    d.final_acceptance =
        super::acceptance::for_forms(db, project, crate::domain::types::AcceptanceStage::Final).await?;
    d.password_handovers = super::credentials::for_forms(db, project).await?;
    d.trial_run = super::trial_run::for_forms(db, project).await?;
    d.training = super::training::for_forms(db, project).await?;
    d.document_handovers = super::document_handover::for_forms(db, project).await?;
    d.summary = super::evaluation::for_forms(db, project).await?;
    d.issues = super::acceptance::issues_for_forms(db, project).await?;
    let entries = work_logs(db, id).await?;
    d.work_log_photos = photos::list(db, p, Some(PhotoSubject::WorkLog), None)
        .await?
        .iter()
        .filter_map(|photo| {
            let entry = entries.iter().find(|w| w.id == photo.subject_id)?;
            Some(picture(
                photo,
                format!("{} {}", entry.work_date, PhotoSubject::WorkLog.label_zh()),
            ))
        })
        .collect();
    d.work_logs = entries
        .into_iter()
        .map(|w| WorkLogLine {
            date: w.work_date.to_string(),
            people: w.people,
            work_done: w.work_done,
            problems: w.problems.unwrap_or_default(),
        })
        .collect();
    Ok(d)
}

/// A photo as a form prints it: its print copy, and what it is of, then its caption.
fn picture(photo: &photo::Model, what: String) -> Picture {
    Picture {
        sha256: photo.print_sha256.clone(),
        width: photo.width as u32,
        height: photo.height as u32,
        caption: match &photo.caption {
            Some(c) => format!("{what}：{c}"),
            None => what,
        },
    }
}

/// The day `at` falls on at the project's site, as a form is dated.
fn site_day(project: &project::Model, at: DateTime<Utc>) -> String {
    crate::domain::schedule::local_today(at, projects::timezone_of(project)).to_string()
}

/// A form as it stands now: its content, what is missing, and the hash of what it prints.
pub struct Current {
    pub kind: FormKind,
    pub prepared: documents::Prepared,
    pub data_sha256: String,
}

fn current(kind: FormKind, dossier: &Dossier, house: &House) -> AppResult<Current> {
    let prepared = documents::prepare(kind, dossier, house.lang);
    let canonical = serde_json::to_vec(&prepared.blocks).map_err(|e| anyhow::anyhow!("form data: {e}"))?;
    Ok(Current {
        kind,
        data_sha256: sha256_hex(&canonical),
        prepared,
    })
}

/// A form of the project and where it stands.
pub struct FormStatus {
    pub current: Current,
    pub latest: Option<issued_document::Model>,
}

impl FormStatus {
    /// The latest issued version still prints what the data says now.
    pub fn issued_is_current(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|l| l.data_sha256 == self.current.data_sha256)
    }
}

async fn latest_issued(
    db: &impl ConnectionTrait,
    project_id: i32,
    kind: FormKind,
) -> AppResult<Option<issued_document::Model>> {
    Ok(issued_document::Entity::find()
        .filter(issued_document::Column::ProjectId.eq(project_id))
        .filter(issued_document::Column::Form.eq(kind.key()))
        .order_by_desc(issued_document::Column::Version)
        .one(db)
        .await?)
}

/// Every form of the project with its readiness and latest issued version.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn forms(db: &DatabaseConnection, p: &Granted<impl MayRead>, house: &House) -> AppResult<Vec<FormStatus>> {
    statuses(db, p, house, FormKind::ALL).await
}

/// The given forms of the project with their readiness and latest issued version.
pub async fn statuses(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    house: &House,
    kinds: &[FormKind],
) -> AppResult<Vec<FormStatus>> {
    let project_id = p.id();
    let dossier = dossier(db, house, p).await?;
    let mut out = Vec::new();
    for kind in kinds {
        out.push(FormStatus {
            current: current(*kind, &dossier, house)?,
            latest: latest_issued(db, project_id, *kind).await?,
        });
    }
    Ok(out)
}

fn parse_form(key: &str) -> AppResult<FormKind> {
    FormKind::from_key(key).ok_or_else(|| {
        let keys: Vec<&str> = FormKind::ALL.iter().map(|f| f.key()).collect();
        AppError::not_found(format!("no form '{key}' (forms: {})", keys.join(", ")))
    })
}

/// A downloaded document: the file, and whether it is a registered version or a draft.
pub struct Download {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub issued: Option<issued_document::Model>,
    pub missing: Vec<String>,
}

impl Download {
    fn issued(doc: issued_document::Model) -> Self {
        Self {
            file_name: format!("{}-V{}.docx", doc.number, doc.version),
            bytes: doc.file.clone(),
            issued: Some(doc),
            missing: Vec::new(),
        }
    }
}

/// Lays the form out off the async runtime (Word generation is CPU work), with the print copies
/// of the photos it prints.
async fn render(files: &Files, kind: FormKind, house: &House, blocks: Vec<Block>, meta: Meta) -> AppResult<Vec<u8>> {
    let mut pictures = HashMap::new();
    for block in &blocks {
        if let Block::Photos(photos) = block {
            for photo in photos {
                if let Some(jpeg) = files.get(&photo.sha256).await.map_err(AppError::Internal)? {
                    pictures.insert(photo.sha256.clone(), jpeg);
                }
            }
        }
    }
    let form = documents::Form {
        meta: Meta {
            landscape: kind.landscape(),
            ..meta
        },
        blocks,
        pictures,
    };
    documents::render_off_thread(form, house.clone()).await
}

/// The form as a file: a given issued version; else the latest issued one while it still prints
/// what the data says; else a draft made now (marked 草稿, without number).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn download(
    db: &DatabaseConnection,
    files: &Files,
    p: &Granted<impl MayRead>,
    house: &House,
    key: &str,
    version: Option<i32>,
) -> AppResult<Download> {
    let kind = parse_form(key)?;
    let (project, project_id) = (p.project(), p.id());
    if let Some(v) = version {
        let doc = issued_document::Entity::find()
            .filter(issued_document::Column::ProjectId.eq(project_id))
            .filter(issued_document::Column::Form.eq(kind.key()))
            .filter(issued_document::Column::Version.eq(v))
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("{} has no issued version {v}", kind.key())))?;
        return Ok(Download::issued(doc));
    }
    let dossier = dossier(db, house, p).await?;
    let status = FormStatus {
        current: current(kind, &dossier, house)?,
        latest: latest_issued(db, project_id, kind).await?,
    };
    if status.issued_is_current()
        && let Some(doc) = status.latest
    {
        return Ok(Download::issued(doc));
    }
    let Current { prepared, .. } = status.current;
    let meta = Meta {
        title: kind.title(house.lang).into(),
        draft: true,
        made_at: Some(Utc::now()),
        dated: Some(site_day(p.project(), Utc::now())),
        ..Meta::default()
    };
    let bytes = render(files, kind, house, prepared.blocks, meta).await?;
    Ok(Download {
        file_name: format!("{}-{}-草稿.docx", project.code, kind.key()),
        bytes,
        issued: None,
        missing: prepared.missing,
    })
}

/// One shipment's 设备签收单 to print and sign on delivery: what it brought, the receiver's lines
/// blank until the receipt is recorded. Not entered in the register: the project's 设备签收单 is,
/// with every shipment signed for.
#[tracing::instrument(skip_all, fields(project_id = p.id(), shipment_id))]
pub async fn shipment_receipt(
    db: &DatabaseConnection,
    files: &Files,
    p: &Granted<impl MayRead>,
    house: &House,
    shipment_id: i32,
) -> AppResult<Download> {
    let mut dossier = dossier(db, house, p).await?;
    dossier.shipments.retain(|s| s.id == shipment_id);
    let Some(shipment) = dossier.shipments.first() else {
        return Err(AppError::not_found(format!(
            "no shipment {shipment_id} on project {} with an approved list",
            p.id()
        )));
    };
    let file_name = format!(
        "{}-{}-{}.docx",
        p.project().code,
        FormKind::Receipt.title(house.lang),
        shipment.reference
    );
    let prepared = documents::prepare(FormKind::Receipt, &dossier, house.lang);
    let meta = Meta {
        title: FormKind::Receipt.title(house.lang).into(),
        made_at: Some(Utc::now()),
        dated: Some(site_day(p.project(), Utc::now())),
        ..Meta::default()
    };
    let bytes = render(files, FormKind::Receipt, house, prepared.blocks, meta).await?;
    Ok(Download {
        file_name,
        bytes,
        issued: None,
        missing: Vec::new(),
    })
}

/// Enters the form in the register: a new version when what it prints changed since the latest,
/// else the latest again (`false`). A form with missing data cannot be issued.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn issue(
    db: &DatabaseConnection,
    files: &Files,
    p: &Granted<impl MayManage>,
    house: &House,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<(issued_document::Model, bool)> {
    let kind = parse_form(key)?;
    if !house.unset.is_empty() {
        return Err(AppError::Conflict(format!(
            "set the company's {} first ([company] in jiaofu.toml, or JIAOFU_COMPANY_NAME, _ADDRESS, _PHONE, _LOGO): a registered form must not carry a placeholder letterhead",
            house.unset.join(", ")
        )));
    }
    let (actor, project, project_id) = (p.actor(), p.project(), p.id());
    let dossier = dossier(db, house, p).await?;
    let Current {
        prepared, data_sha256, ..
    } = current(kind, &dossier, house)?;
    if !prepared.missing.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} cannot be issued yet: {}",
            kind.title(house.lang),
            prepared.missing.join("; ")
        )));
    }
    let txn = begin_write(db).await?;
    let latest = latest_issued(&txn, project_id, kind).await?;
    if let Some(l) = latest.as_ref().filter(|l| l.data_sha256 == data_sha256) {
        return Ok((l.clone(), false));
    }
    let version = latest.as_ref().map_or(1, |l| l.version + 1);
    let number = match &latest {
        Some(l) => l.number.clone(),
        None => format!("{}-{}-01", project.code, kind.code()),
    };
    let code = crate::documents::verify_code();
    let meta = Meta {
        title: kind.title(house.lang).into(),
        number: Some(number.clone()),
        version,
        verify_code: Some(code.clone()),
        draft: false,
        landscape: false,
        made_at: Some(now),
        dated: Some(site_day(project, now)),
    };
    let bytes = render(files, kind, house, prepared.blocks, meta).await?;
    documents::engine::check_well_formed(&bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{} rendered a file Word would refuse: {e}", kind.key())))?;
    let doc = issued_document::ActiveModel {
        project_id: Set(project_id),
        form: Set(kind.key().into()),
        number: Set(number.clone()),
        version: Set(version),
        title: Set(kind.title(house.lang).into()),
        verify_code: Set(code),
        file_sha256: Set(sha256_hex(&bytes)),
        data_sha256: Set(data_sha256),
        file: Set(bytes),
        issued_by: Set(actor.id),
        issued_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    history::record(
        &txn,
        actor,
        now,
        vec![Change::new(Some(project_id), "document", Some(doc.id), "issued").field(
            "version",
            None,
            Some(format!("{} {number} V{version}", kind.title(house.lang))),
        )],
    )
    .await?;
    // The 工程总结报告 submitted is what the 项目总结 task waits for.
    if kind == FormKind::ProjectSummary {
        super::milestones::complete(
            &txn,
            p,
            super::milestones::Milestone::ProjectSummary,
            format!("工程总结报告 {number} V{version} 已登记"),
            vec![super::milestones::Evidence {
                label: "工程总结报告".into(),
                href: format!("/projects/{project_id}/documents"),
            }],
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok((doc, true))
}

/// The register of a project: every issued version, newest first (without the files).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn register(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<issued_document::Model>> {
    let project_id = p.id();

    Ok(issued_document::Entity::find()
        .select_only()
        .columns([
            issued_document::Column::Id,
            issued_document::Column::ProjectId,
            issued_document::Column::Form,
            issued_document::Column::Number,
            issued_document::Column::Version,
            issued_document::Column::Title,
            issued_document::Column::VerifyCode,
            issued_document::Column::FileSha256,
            issued_document::Column::DataSha256,
            issued_document::Column::IssuedBy,
            issued_document::Column::IssuedAt,
        ])
        .column_as(sea_orm::sea_query::Expr::val(Vec::<u8>::new()), "file")
        .filter(issued_document::Column::ProjectId.eq(project_id))
        .order_by_desc(issued_document::Column::IssuedAt)
        .order_by_desc(issued_document::Column::Id)
        .into_model::<issued_document::Model>()
        .all(db)
        .await?)
}

async fn issued_of(db: &impl ConnectionTrait, project_id: i32, document_id: i32) -> AppResult<issued_document::Model> {
    issued_document::Entity::find_by_id(document_id)
        .one(db)
        .await?
        .filter(|d| d.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no issued document {document_id} on project {project_id}")))
}

pub struct CopyInput {
    pub recipient: String,
    pub handed_at: Option<DateTime<Utc>>,
    pub method: String,
    pub copies: i32,
    pub note: Option<String>,
}

/// Records copies of an issued document handed out.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn record_copy(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    document_id: i32,
    input: CopyInput,
    now: DateTime<Utc>,
) -> AppResult<document_copy::Model> {
    let (actor, project_id) = (p.actor(), p.id());

    issued_of(db, project_id, document_id).await?;
    let recipient = input.recipient.trim();
    if recipient.is_empty() {
        return Err(AppError::invalid(
            "recipient",
            "recipient: say to whom the copy was handed",
        ));
    }
    let method = input.method.trim();
    if method.is_empty() {
        return Err(AppError::invalid(
            "method",
            "method: say how it was handed (当面, 邮寄, 电子邮件 …)",
        ));
    }
    if !(1..=1000).contains(&input.copies) {
        return Err(AppError::invalid("copies", "copies: a number of copies from 1 to 1000"));
    }
    Ok(document_copy::ActiveModel {
        document_id: Set(document_id),
        recipient: Set(recipient.into()),
        handed_at: Set(input.handed_at.unwrap_or(now)),
        method: Set(method.into()),
        copies: Set(input.copies),
        note: Set(input.note.filter(|n| !n.trim().is_empty())),
        recorded_by: Set(actor.id),
        lost_reported_at: Set(None),
        lost_note: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The distribution log of an issued document.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn copies(
    db: &DatabaseConnection,
    p: &Granted<impl MayRead>,
    document_id: i32,
) -> AppResult<Vec<document_copy::Model>> {
    let project_id = p.id();

    issued_of(db, project_id, document_id).await?;
    Ok(document_copy::Entity::find()
        .filter(document_copy::Column::DocumentId.eq(document_id))
        .order_by_asc(document_copy::Column::HandedAt)
        .all(db)
        .await?)
}

/// The distribution log of every document the project issued, oldest first.
pub async fn distribution(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<document_copy::Model>> {
    let issued: Vec<i32> = issued_document::Entity::find()
        .select_only()
        .column(issued_document::Column::Id)
        .filter(issued_document::Column::ProjectId.eq(p.id()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(document_copy::Entity::find()
        .filter(document_copy::Column::DocumentId.is_in(issued))
        .order_by_asc(document_copy::Column::HandedAt)
        .order_by_asc(document_copy::Column::Id)
        .all(db)
        .await?)
}

/// Reports a handed-out copy lost (once).
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn report_lost(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    document_id: i32,
    copy_id: i32,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<document_copy::Model> {
    let project_id = p.id();

    issued_of(db, project_id, document_id).await?;
    if note.trim().is_empty() {
        return Err(AppError::invalid("note", "note: say how and when the copy was lost"));
    }
    let copy = document_copy::Entity::find_by_id(copy_id)
        .one(db)
        .await?
        .filter(|c| c.document_id == document_id)
        .ok_or_else(|| AppError::not_found(format!("no copy {copy_id} of document {document_id}")))?;
    if copy.lost_reported_at.is_some() {
        return Err(AppError::Conflict(format!("copy {copy_id} was already reported lost")));
    }
    let mut active: document_copy::ActiveModel = copy.into();
    active.lost_reported_at = Set(Some(now));
    active.lost_note = Set(Some(note.trim().into()));
    Ok(active.update(db).await?)
}

/// The issued document with a verification code, and its project (no login needed).
#[tracing::instrument(skip_all)]
pub async fn verify(db: &DatabaseConnection, code: &str) -> AppResult<(issued_document::Model, project::Model)> {
    let code = crate::documents::normalise_verify_code(code);
    let doc = issued_document::Entity::find()
        .filter(issued_document::Column::VerifyCode.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no document carries this verification code"))?;
    let project = project::Entity::find_by_id(doc.project_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no document carries this verification code"))?;
    Ok((doc, project))
}

pub struct WorkLogInput {
    pub work_date: String,
    pub people: String,
    pub work_done: String,
    pub problems: Option<String>,
}

/// The 工作记录单 entries of a project, for a reader of it.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn work_log(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<work_log::Model>> {
    work_logs(db, p.id()).await
}

async fn work_logs(db: &impl ConnectionTrait, project_id: i32) -> AppResult<Vec<work_log::Model>> {
    Ok(work_log::Entity::find()
        .filter(work_log::Column::ProjectId.eq(project_id))
        .order_by_asc(work_log::Column::WorkDate)
        .order_by_asc(work_log::Column::Id)
        .all(db)
        .await?)
}

/// Adds a day's entry to the 工作记录单.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_work_log(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRecordWork>,
    input: WorkLogInput,
    now: DateTime<Utc>,
) -> AppResult<work_log::Model> {
    let (actor, project_id) = (p.actor(), p.id());

    let work_date = crate::domain::types::parse_date("work_date", &input.work_date)?;
    let people = input.people.trim();
    let work_done = input.work_done.trim();
    if people.is_empty() {
        return Err(AppError::invalid("people", "people: name who worked on site"));
    }
    if work_done.is_empty() {
        return Err(AppError::invalid("work_done", "work_done: say what was done"));
    }
    Ok(work_log::ActiveModel {
        project_id: Set(project_id),
        work_date: Set(work_date),
        people: Set(people.into()),
        work_done: Set(work_done.into()),
        problems: Set(input.problems.map(|p| p.trim().to_string()).filter(|p| !p.is_empty())),
        recorded_by: Set(actor.id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verification_codes_are_two_groups_of_four_from_the_alphabet() {
        let a = crate::documents::verify_code();
        assert_eq!(a.len(), 9);
        assert_eq!(&a[4..5], "-");
        assert!(
            a.chars()
                .all(|c| c == '-' || "23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(c))
        );
        assert_ne!(a, crate::documents::verify_code());
    }
}
