//! `jiaofu demo`: a realistic digital-courtroom project signed today, with its people.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Actor, auth, projects, users};
use crate::{
    domain::{schedule::local_today, types::Role},
    error::AppError,
    state::AppState,
};

struct DemoUser {
    username: &'static str,
    name: &'static str,
    email: &'static str,
    role: Role,
    project_role: &'static str,
}

const PEOPLE: &[DemoUser] = &[
    DemoUser {
        username: "wang.jianguo",
        name: "王建国",
        email: "wang.jianguo@example.com",
        role: Role::Manager,
        project_role: "pm",
    },
    DemoUser {
        username: "li.ming",
        name: "李明",
        email: "li.ming@example.com",
        role: Role::Engineer,
        project_role: "engineer",
    },
    DemoUser {
        username: "zhao.lei",
        name: "赵磊",
        email: "zhao.lei@example.com",
        role: Role::Engineer,
        project_role: "engineer",
    },
];

const CONTACTS: &[(&str, &str, &str, &str)] = &[
    (
        "陈志刚",
        "chen.zhigang@court.example.cn",
        "0571-8765-4321",
        "甲方项目负责人",
    ),
    ("刘芳", "liu.fang@court.example.cn", "0571-8765-4388", "甲方测试工程师"),
    ("周文涛", "zhou.wentao@court.example.cn", "0571-8765-4300", "签字代表"),
];

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Creates the demo project (once per day) and returns a summary to print.
pub async fn create(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<String> {
    let db = &state.db;
    let tz: Tz = state.settings.timezone;
    let today = local_today(now, tz);
    let code = format!("ZJFY-DEMO-{}", today.format("%Y%m%d"));
    let system = Actor::system();
    let mut out = String::new();

    let mut ids = Vec::new();
    for p in PEOPLE {
        let user = match users::find_by_username(db, p.username).await.map_err(err)? {
            Some(u) => u,
            None => {
                let password = auth::random_password();
                let u = users::create(
                    db,
                    &system,
                    users::NewUser {
                        username: p.username.into(),
                        display_name: Some(p.name.into()),
                        email: Some(p.email.into()),
                        role: p.role.as_str().into(),
                        password: password.clone(),
                    },
                    now,
                )
                .await
                .map_err(err)?;
                out.push_str(&format!(
                    "user {:<14} {} ({}), password: {password}\n",
                    p.username, p.name, p.role
                ));
                u
            }
        };
        ids.push((user.id, p.project_role));
    }

    let project = match projects::create(
        db,
        &state.templates,
        tz,
        &system,
        projects::NewProject {
            code: code.clone(),
            name: "杭州市中级人民法院数字法庭建设项目".into(),
            client_name: "杭州市中级人民法院".into(),
            site_address: Some("浙江省杭州市上城区之江路 1 号 审判楼 3–5 层".into()),
            region: Some("浙江杭州".into()),
            category: Some("政法系统集成".into()),
            system_types: vec!["数字法庭".into(), "音响扩声".into()],
            contract_signed_on: today.to_string(),
            delivery_due_on: Some((today + chrono::Days::new(30)).to_string()),
            plan: None,
            timezone: None,
            status: None,
        },
        now,
    )
    .await
    {
        Ok(p) => p,
        Err(AppError::Conflict(_)) => {
            out.push_str(&format!("demo project {code} exists already (one per day)\n"));
            return Ok(out);
        }
        Err(e) => return Err(err(e)),
    };
    for (user_id, role) in &ids {
        projects::add_member(db, &system, project.id, *user_id, role, now)
            .await
            .map_err(err)?;
    }
    // Engineers do the site work; their reminders go to them instead of the PM.
    let (_, tasks) = super::schedule::load(db, project.id).await.map_err(err)?;
    for (code, engineer) in [("site-survey", 1), ("installation", 1), ("commissioning", 2)] {
        if let Some(t) = tasks.iter().find(|t| t.code == code) {
            super::schedule::assign(db, &system, project.id, t.id, Some(ids[engineer].0), now)
                .await
                .map_err(err)?;
        }
    }
    for (name, email, phone, role) in CONTACTS {
        projects::save_contact(
            db,
            &system,
            project.id,
            None,
            projects::ContactInput {
                name: Some((*name).into()),
                email: Some(Some((*email).into())),
                phone: Some(Some((*phone).into())),
                role: Some((*role).into()),
            },
            now,
        )
        .await
        .map_err(err)?;
    }
    out.push_str(&format!(
        "demo project {code} (id {}) 杭州市中级人民法院数字法庭建设项目, signed {today}: \
         前期准备 due {}, 设备到货 due {}, 工程安装 and 项目验收 due {}\n",
        project.id,
        today + chrono::Days::new(7),
        today + chrono::Days::new(15),
        today + chrono::Days::new(25),
    ));
    Ok(out)
}
