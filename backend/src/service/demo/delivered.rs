//! The second demo project, delivered: signed 80 days ago, it went through phases 1–3 like the
//! first, then the whole of phase 4 — the functional test certified, the initial acceptance
//! (有条件通过, one leftover issue fixed and confirmed), the passwords handed over, a 30-day trial
//! run with a fault, training with one trainee retrained, the nine documents handed over, the final
//! acceptance signed by both, both sides' evaluation and the 工程总结报告 — each step on its day, so
//! every form has its data. Without the company's letterhead configured no form can be issued:
//! the project then stops before the document handover and the summary says so.
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{CONTACTS, at};
use crate::{
    documents::House,
    domain::types::{
        AcceptanceConclusion, AcceptanceStage, CredentialKind, IssueSeverity, Role, RunState, SignParty,
        SignedDocument, TraineeKind,
    },
    error::{AppError, AppResult},
    service::{
        Actor,
        acceptance::{self, Check, IssueStep, NewIssue, Participant},
        access::{self, Granted, Manage, MayRecordWork, RecordWork},
        credentials, document_handover, documents, evaluation, signing, test_plans, training, trial_run,
    },
    state::AppState,
};

/// How long ago the delivered demo's contract was signed.
pub(super) const SIGNED_DAYS_AGO: u64 = 80;

/// The client's signer signs `pages` of a document on site, as on a tablet: the on-site link
/// opened and signed with the pages' hashes as shown.
pub(super) async fn client_signs(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    document: SignedDocument,
    id: i32,
    pages: Vec<i32>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let input = signing::RequestInput {
        pages,
        signer_name: None,
        signer_email: None,
        signer_role: None,
        on_site: true,
    };
    let requested = signing::request(state, p, document, id, input, now).await?;
    sign_link(state, &requested.link, now).await
}

/// 周文涛 opens a signing link and signs what it shows.
async fn sign_link(state: &AppState, link: &str, now: DateTime<Utc>) -> AppResult<()> {
    let token = link.rsplit('/').next().unwrap_or_default();
    let failed = |e: signing::LinkError| AppError::Internal(anyhow::anyhow!("the demo's signature: {e:?}"));
    let view = signing::open(state, token, "", now).await.map_err(failed)?;
    let form = signing::SignForm {
        typed_name: view.signer_name.clone(),
        consent: true,
        seen: view.pages.iter().map(|p| (p.number, p.sha256.clone())).collect(),
        evidence: signing::Evidence::default(),
    };
    signing::sign(state, token, form, now).await.map_err(failed)?;
    Ok(())
}

fn person(name: &str, role: &str, email: Option<&str>) -> Participant {
    Participant {
        name: name.into(),
        role: role.into(),
        email: email.map(Into::into),
    }
}

/// Phase 4 of the delivered demo, after phases 1–3. Returns a line for the summary.
///
/// Each step is its own boxed future: in a debug build a poll frame holds every future its body
/// awaits side by side, and the whole phase in one function outgrew a test thread's 2 MiB stack.
pub(super) async fn phase_four(
    state: &AppState,
    pid: i32,
    signed: NaiveDate,
    tz: Tz,
    (pm, li): (i32, i32),
) -> AppResult<String> {
    let db = &state.db;
    let wang = Actor {
        id: Some(pm),
        username: "wang.jianguo".into(),
        name: "王建国".into(),
        role: Role::Manager,
    };
    let li_ming = Actor {
        id: Some(li),
        username: "li.ming".into(),
        name: "李明".into(),
        role: Role::Engineer,
    };
    let p = PhaseFour {
        state,
        signed,
        tz,
        as_pm: access::grant::<Manage>(db, &wang, pid).await?,
        on_site: access::grant::<RecordWork>(db, &li_ming, pid).await?,
    };
    Box::pin(p.functional_test()).await?;
    Box::pin(p.initial_acceptance()).await?;
    Box::pin(p.passwords()).await?;
    Box::pin(p.leftover_issue()).await?;
    Box::pin(p.training()).await?;
    Box::pin(p.trial_run()).await?;
    let house = state.settings.house();
    if !house.unset.is_empty() {
        return Ok(format!(
            "set the company's {} ([company] in jiaofu.toml) to issue its forms: the delivered demo stops before the document handover",
            house.unset.join(", ")
        ));
    }
    Box::pin(p.documents(&house)).await?;
    Box::pin(p.final_acceptance()).await?;
    // The project is delivered now: the summary's grant sees it so.
    let p = PhaseFour {
        as_pm: access::grant::<Manage>(db, &wang, pid).await?,
        ..p
    };
    Box::pin(p.summary(&house)).await
}

/// What every step of phase 4 works with.
struct PhaseFour<'a> {
    state: &'a AppState,
    signed: NaiveDate,
    tz: Tz,
    as_pm: Granted<Manage>,
    on_site: Granted<RecordWork>,
}

/// The client's signer, 周文涛.
const SIGNER: (&str, &str, &str, &str) = CONTACTS[2];

impl PhaseFour<'_> {
    fn day(&self, n: u64) -> NaiveDate {
        self.signed + Days::new(n)
    }

    fn when(&self, n: u64) -> DateTime<Utc> {
        at(self.day(n), self.tz)
    }

    fn later(&self, n: u64, minutes: i64) -> DateTime<Utc> {
        self.when(n) + chrono::Duration::minutes(minutes)
    }

    /// Who sits for us at an acceptance meeting.
    fn ours() -> Vec<Participant> {
        vec![person("王建国", "项目经理", None), person("李明", "实施工程师", None)]
    }

    /// Who sits for the client.
    fn client() -> Vec<Participant> {
        vec![
            person(SIGNER.0, SIGNER.3, Some(SIGNER.1)),
            person(CONTACTS[0].0, CONTACTS[0].3, Some(CONTACTS[0].1)),
        ]
    }

    /// 功能测试: every item passed, every page signed by 李明 and 周文涛, the 预验收证书 by both.
    async fn functional_test(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let signer = SIGNER;
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        let plan = test_plans::create(
            db,
            &state.templates,
            as_pm,
            test_plans::NewPlan {
                templates: vec!["digital_courtroom".into(), "public_address".into()],
                title: None,
                items_per_page: None,
                again: false,
            },
            when(24),
        )
        .await?;
        let plan_id = plan.plan.id;
        for (party, engineers, client) in [("ours", "李明、赵磊", false), ("client", "刘芳", true)] {
            test_plans::confirm_conditions(
                db,
                as_pm,
                plan_id,
                test_plans::Conditions {
                    party: party.into(),
                    engineers: engineers.into(),
                    confirmed_by: client.then(|| CONTACTS[0].0.into()),
                    signer_name: client.then(|| signer.0.into()),
                    signer_email: client.then(|| signer.1.into()),
                },
                when(24),
            )
            .await?;
        }
        let results = plan
            .items
            .iter()
            .map(|i| {
                let input = test_plans::ResultInput {
                    actual: String::new(),
                    passed: true,
                    note: None,
                    remark: None,
                };
                (i.id, input)
            })
            .collect();
        test_plans::record_results(db, on_site, plan_id, results, when(25)).await?;
        let pages = plan.page_numbers();
        for page in &pages {
            signing::sign_in_app(
                db,
                on_site,
                SignedDocument::TestPlan,
                plan_id,
                *page,
                signing::Evidence::default(),
                later(26, 0),
            )
            .await?;
        }
        client_signs(state, on_site, SignedDocument::TestPlan, plan_id, pages, later(26, 30)).await?;
        test_plans::issue_certificate(db, as_pm, plan_id, later(26, 60)).await?;
        signing::sign_in_app(
            db,
            on_site,
            SignedDocument::TestPlan,
            plan_id,
            0,
            signing::Evidence::default(),
            later(26, 70),
        )
        .await?;
        client_signs(
            state,
            on_site,
            SignedDocument::TestPlan,
            plan_id,
            vec![0],
            later(26, 80),
        )
        .await?;
        Ok(())
    }

    /// 系统初验 on day 30: 有条件通过, the broadcast's delay left to fix.
    async fn initial_acceptance(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let signer = SIGNER;
        let day = |n: u64| self.day(n);
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        let ours = Self::ours();
        let client = Self::client();
        let initial = AcceptanceStage::Initial;
        acceptance::plan(
            db,
            as_pm,
            initial,
            acceptance::PlanInput {
                starts_at: when(30),
                ends_at: later(30, 150),
                form: "现场检查＋会议评审".into(),
                place: "审判楼三楼会议室".into(),
                our_participants: ours.clone(),
                client_participants: client.clone(),
                client_signer_name: Some(signer.0.into()),
                client_signer_email: Some(signer.1.into()),
            },
            when(27),
        )
        .await?;
        acceptance::agree(db, as_pm, initial, signer.0, when(28)).await?;
        let recorded = acceptance::record(
            db,
            as_pm,
            initial,
            acceptance::RecordInput {
                held_on: day(30),
                checks: vec![
                    Check {
                        item: "数字法庭庭审录音录像".into(),
                        passed: true,
                        remark: "8 个法庭全部正常".into(),
                    },
                    Check {
                        item: "应急广播强切".into(),
                        passed: false,
                        remark: "三楼分区延时 4 秒".into(),
                    },
                ],
                conclusion: AcceptanceConclusion::Conditional,
                opinion: Some("系统主要功能满足合同要求，遗留问题整改后进入试运行。".into()),
                memo: Some("乙方在完成期限前整改应急广播强切延时，甲方复核确认。".into()),
                issues: vec![NewIssue {
                    description: "三楼分区应急广播强切延时 4 秒".into(),
                    severity: IssueSeverity::Major,
                    owner: "李明".into(),
                    due_on: day(40),
                }],
            },
            later(30, 160),
        )
        .await?;
        for part in [acceptance::REPORT, acceptance::MEMO] {
            acceptance::sign(db, on_site, initial, part, signing::Evidence::default(), later(30, 170)).await?;
        }
        client_signs(
            state,
            on_site,
            SignedDocument::Acceptance,
            recorded.acceptance.id,
            vec![acceptance::REPORT, acceptance::MEMO],
            later(30, 180),
        )
        .await?;
        Ok(())
    }

    /// 口令移交 on day 31: two accounts, the one-time link opened and signed; the trial run begins.
    async fn passwords(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let signer = SIGNER;
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        for (target, kind, address, account, password) in [
            (
                "核心交换机 S7706",
                CredentialKind::Device,
                "10.20.0.1",
                "admin",
                "Hk#7706-Core!2026",
            ),
            (
                "庭审录播管理平台",
                CredentialKind::System,
                "https://10.20.1.5",
                "sysadmin",
                "Tsz@Lb-5521",
            ),
        ] {
            credentials::add(
                state,
                on_site,
                credentials::CredentialInput {
                    target: target.into(),
                    kind,
                    address: Some(address.into()),
                    account: account.into(),
                    password: Some(password.into()),
                    role: Some("管理员".into()),
                    remark: Some("首次登录后请修改".into()),
                },
                when(31),
            )
            .await?;
        }
        let (handover, requested) = credentials::hand_over(
            state,
            as_pm,
            credentials::HandoverInput {
                recipient_name: signer.0.into(),
                recipient_email: signer.1.into(),
                recipient_role: Some("信息中心主任".into()),
                credentials: Vec::new(),
            },
            later(31, 10),
        )
        .await?;
        signing::sign_in_app(
            db,
            on_site,
            SignedDocument::PasswordHandover,
            handover.handover.id,
            credentials::HANDOVER,
            signing::Evidence::default(),
            later(31, 20),
        )
        .await?;
        sign_link(state, &requested.link, later(31, 60)).await?;
        Ok(())
    }

    /// The leftover issue: fixed on day 38, confirmed by the client on day 39.
    async fn leftover_issue(&self) -> AppResult<()> {
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let signer = SIGNER;
        let when = |n: u64| self.when(n);
        let issue = acceptance::issues(db, as_pm).await?.into_iter().next();
        if let Some(issue) = issue {
            acceptance::follow_up(
                db,
                on_site,
                issue.id,
                IssueStep::Fixed {
                    resolution: "调整广播主机强切优先级，延时降至 0.5 秒".into(),
                },
                when(38),
            )
            .await?;
            acceptance::follow_up(
                db,
                as_pm,
                issue.id,
                IssueStep::Confirmed { by: signer.0.into() },
                when(39),
            )
            .await?;
        }
        Ok(())
    }

    /// 人员培训: planned on day 31, from day 33 to day 41; 刘芳 fails and is retrained on day 45.
    async fn training(&self) -> AppResult<()> {
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let day = |n: u64| self.day(n);
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        training::plan(
            db,
            as_pm,
            training::PlanInput {
                starts_on: day(33),
                ends_on: day(41),
                place: "审判楼三楼培训室".into(),
                trainers: "李明、赵磊".into(),
                content: "系统原理与结构；庭审录像、广播操作；日常维护与常见故障排除；应急预案演练".into(),
                materials: "《数字法庭系统操作手册》《系统维护手册》各 5 册".into(),
                materials_handed_on: Some(day(32)),
                late_reason: None,
            },
            later(31, 90),
        )
        .await?;
        let mut trainees = Vec::new();
        for (name, kind, department) in [
            ("陈志刚", TraineeKind::Maintainer, "信息中心"),
            ("刘芳", TraineeKind::Operator, "审判管理办公室"),
            ("孙悦", TraineeKind::Operator, "立案庭"),
        ] {
            let t = training::add_trainee(
                db,
                as_pm,
                training::TraineeInput {
                    name: name.into(),
                    kind,
                    department: Some(department.into()),
                    phone: None,
                },
                later(31, 100),
            )
            .await?;
            trainees.push(t);
        }
        for (n, topic, tablet) in [
            (33, "系统原理与结构", true),
            (36, "庭审录像、广播操作", false),
            (39, "日常维护与常见故障排除", true),
        ] {
            let session = training::add_session(
                db,
                on_site,
                training::SessionInput {
                    held_on: day(n),
                    period: "09:00–17:00".into(),
                    topic: topic.into(),
                    trainers: None,
                    place: None,
                    remedial: false,
                },
                when(32),
            )
            .await?;
            for (k, t) in trainees.iter().enumerate() {
                let how = if tablet {
                    training::SignIn::Tablet {
                        typed_name: &t.name,
                        evidence: &signing::Evidence::default(),
                    }
                } else {
                    training::SignIn::Paper
                };
                training::sign_in(db, on_site, session.id, t.id, how, later(n, k as i64)).await?;
            }
        }
        let assess = |written: i32, practical: i32| training::AssessInput {
            assessed_on: day(41),
            written_score: written,
            practical_score: practical,
            examiner: "李明".into(),
            remark: None,
        };
        for (t, (written, practical)) in trainees.iter().zip([(88, 92), (52, 74), (79, 81)]) {
            training::assess(db, on_site, t.id, assess(written, practical), later(41, 480)).await?;
        }
        let remedial = training::add_session(
            db,
            on_site,
            training::SessionInput {
                held_on: day(45),
                period: "14:00–17:00".into(),
                topic: "强化培训：庭审录像操作与故障排除".into(),
                trainers: Some("李明".into()),
                place: None,
                remedial: true,
            },
            when(42),
        )
        .await?;
        training::sign_in(
            db,
            on_site,
            remedial.id,
            trainees[1].id,
            training::SignIn::Tablet {
                typed_name: &trainees[1].name,
                evidence: &signing::Evidence::default(),
            },
            later(45, 300),
        )
        .await?;
        training::assess(
            db,
            on_site,
            trainees[1].id,
            training::AssessInput {
                assessed_on: day(46),
                ..assess(78, 85)
            },
            when(46),
        )
        .await?;
        Ok(())
    }

    /// 试运行: both sides' log, a fault on day 40 with its fix, ended on day 62.
    async fn trial_run(&self) -> AppResult<()> {
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let day = |n: u64| self.day(n);
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        for (n, party, state_of_day, events, faults, by) in [
            (
                32,
                SignParty::Ours,
                RunState::Normal,
                "8 个法庭庭审录像、广播正常",
                None,
                "李明",
            ),
            (
                40,
                SignParty::Client,
                RunState::Degraded,
                "上午庭审正常",
                Some("审判庭 2 录像服务中断 45 分钟"),
                "陈志刚",
            ),
            (
                55,
                SignParty::Ours,
                RunState::Normal,
                "例行巡检，设备运行正常",
                None,
                "赵磊",
            ),
        ] {
            trial_run::log(
                db,
                on_site,
                trial_run::LogInput {
                    date: day(n),
                    party,
                    state: state_of_day,
                    events: events.into(),
                    faults: faults.map(Into::into),
                    written_by: by.into(),
                },
                later(n, 480),
            )
            .await?;
        }
        trial_run::add_fault(
            db,
            on_site,
            trial_run::FaultInput {
                occurred_at: later(40, 30),
                description: "审判庭 2 录像服务中断".into(),
                reported_by: "陈志刚".into(),
                fix: Some("更换录像服务器电源模块，服务恢复".into()),
                fixed_at: Some(later(40, 75)),
                downtime_minutes: 45,
            },
            later(40, 120),
        )
        .await?;
        trial_run::end(
            db,
            as_pm,
            "试运行 30 天，系统运行稳定，故障已处理，达到终验条件。",
            when(62),
        )
        .await?;
        Ok(())
    }

    /// 文档移交 on day 63: the nine issued as they stand and signed for by 周文涛.
    async fn documents(&self, house: &House) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let signer = SIGNER;
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        for kind in document_handover::NINE {
            documents::issue(db, &state.files, as_pm, house, kind.key(), when(63)).await?;
        }
        let (handed, requested) = document_handover::hand_over(
            state,
            as_pm,
            document_handover::HandoverInput {
                recipient_name: signer.0.into(),
                recipient_email: signer.1.into(),
                recipient_role: Some("信息中心主任".into()),
                lines: vec![document_handover::LineInput {
                    form: "functional-test".into(),
                    pages: None,
                    copies: 2,
                }],
            },
            later(63, 30),
        )
        .await?;
        signing::sign_in_app(
            db,
            on_site,
            SignedDocument::DocumentHandover,
            handed.handover.id,
            document_handover::MEMO,
            signing::Evidence::default(),
            later(63, 40),
        )
        .await?;
        sign_link(state, &requested.link, later(63, 120)).await?;
        Ok(())
    }

    /// 终验 on day 64, signed by both: the project is delivered.
    async fn final_acceptance(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let on_site = &self.on_site;
        let signer = SIGNER;
        let day = |n: u64| self.day(n);
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        let fin = AcceptanceStage::Final;
        acceptance::plan(
            db,
            as_pm,
            fin,
            acceptance::PlanInput {
                starts_at: when(64),
                ends_at: later(64, 120),
                form: "现场检查＋会议评审".into(),
                place: "审判楼三楼会议室".into(),
                our_participants: Self::ours(),
                client_participants: Self::client(),
                client_signer_name: Some(signer.0.into()),
                client_signer_email: Some(signer.1.into()),
            },
            later(63, 150),
        )
        .await?;
        acceptance::agree(db, as_pm, fin, signer.0, later(63, 160)).await?;
        let recorded = acceptance::record(
            db,
            as_pm,
            fin,
            acceptance::RecordInput {
                held_on: day(64),
                checks: vec![
                    Check {
                        item: "系统整体功能与性能".into(),
                        passed: true,
                        remark: String::new(),
                    },
                    Check {
                        item: "遗留问题整改".into(),
                        passed: true,
                        remark: "1 项，已关闭".into(),
                    },
                ],
                conclusion: AcceptanceConclusion::Passed,
                opinion: Some("同意通过终验，交付使用。".into()),
                memo: None,
                issues: Vec::new(),
            },
            later(64, 130),
        )
        .await?;
        acceptance::sign(
            db,
            on_site,
            fin,
            acceptance::REPORT,
            signing::Evidence::default(),
            later(64, 140),
        )
        .await?;
        client_signs(
            state,
            on_site,
            SignedDocument::Acceptance,
            recorded.acceptance.id,
            vec![acceptance::REPORT],
            later(64, 150),
        )
        .await?;
        Ok(())
    }

    /// 项目总结: both evaluate, then the 工程总结报告 is issued.
    async fn summary(&self, house: &House) -> AppResult<String> {
        let state = self.state;
        let db = &self.state.db;
        let as_pm = &self.as_pm;
        let day = |n: u64| self.day(n);
        let when = |n: u64| self.when(n);
        let later = |n: u64, minutes: i64| self.later(n, minutes);
        evaluation::evaluate_ours(
            db,
            as_pm,
            evaluation::Scores {
                scores: [4, 5, 5, 4, 5],
                comments: Some("设备到货较计划延误，安装阶段追回；初验遗留问题按期整改。".into()),
                evaluator_name: "王建国".into(),
                evaluator_role: Some("项目经理".into()),
            },
            when(66),
        )
        .await?;
        let (_, link) = evaluation::request_client(
            state,
            as_pm,
            evaluation::ClientRequest {
                name: CONTACTS[0].0.into(),
                email: CONTACTS[0].1.into(),
                role: Some(CONTACTS[0].3.into()),
            },
            later(66, 10),
        )
        .await?;
        let token = link.rsplit('/').next().unwrap_or_default().to_string();
        let answered = evaluation::evaluate_by_link(
            db,
            &token,
            evaluation::Scores {
                scores: [4, 5, 4, 5, 5],
                comments: Some("培训细致，整改及时，系统运行稳定。".into()),
                evaluator_name: CONTACTS[0].0.into(),
                evaluator_role: Some(CONTACTS[0].3.into()),
            },
            &signing::Evidence::default(),
            when(67),
        )
        .await?;
        if answered.is_err() {
            return Err(AppError::Internal(anyhow::anyhow!(
                "the demo's client evaluation link did not open"
            )));
        }
        documents::issue(db, &state.files, as_pm, house, "project-summary", when(68)).await?;
        Ok(format!(
            "delivered on {} after initial acceptance ({}), a 30-day trial run, training and the document handover; evaluated by both, 工程总结报告 issued",
            day(64),
            day(30)
        ))
    }
}
