//! Training (人员培训): the plan (when, where, who trains, what is taught, the materials handed out
//! beforehand), the client's trainees (no accounts: operators and maintainers), the sessions with
//! their attendance sheet (signed on the tablet or by hand), and each trainee's assessments —
//! written and practical — with the remedial deadline a failed one sets (a task of the schedule).
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_users::Users;
use crate::m20261125_000002_projects::Projects;
use crate::m20261125_000003_schedule::Tasks;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // All or nothing on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Trainings::Table)
                    .col(pk_auto(Trainings::Id))
                    .col(integer_uniq(Trainings::ProjectId))
                    .col(date(Trainings::StartsOn))
                    .col(date(Trainings::EndsOn))
                    .col(text(Trainings::Place))
                    // Our engineers who train.
                    .col(text(Trainings::Trainers))
                    // What is taught (理论、操作、维护、故障排除 …) and how.
                    .col(text(Trainings::Content))
                    // The materials handed out beforehand (培训手册, 操作手册 …), and when.
                    .col(text(Trainings::Materials))
                    .col(date_null(Trainings::MaterialsHandedOn))
                    // Why it starts later than the plan's week after the initial acceptance.
                    .col(text_null(Trainings::LateReason))
                    .col(integer(Trainings::PassMark))
                    .col(date_null(Trainings::CompletedOn))
                    .col(integer_null(Trainings::CreatedBy))
                    .col(timestamp_with_time_zone(Trainings::CreatedAt))
                    .col(timestamp_with_time_zone(Trainings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Trainings::Table, Trainings::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Trainings::Table, Trainings::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Trainees::Table)
                    .col(pk_auto(Trainees::Id))
                    .col(integer(Trainees::ProjectId))
                    .col(integer(Trainees::Number))
                    .col(text(Trainees::Name))
                    // operator or maintainer.
                    .col(string(Trainees::Kind))
                    .col(text_null(Trainees::Department))
                    .col(text_null(Trainees::Phone))
                    .col(timestamp_with_time_zone(Trainees::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Trainees::Table, Trainees::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A trainee signs in on the tablet by typing their name: one name, one person.
        manager
            .create_index(
                Index::create()
                    .name("uq_trainees_project_name")
                    .table(Trainees::Table)
                    .col(Trainees::ProjectId)
                    .col(Trainees::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingSessions::Table)
                    .col(pk_auto(TrainingSessions::Id))
                    .col(integer(TrainingSessions::ProjectId))
                    .col(date(TrainingSessions::HeldOn))
                    // e.g. 09:00–12:00, 全天.
                    .col(text(TrainingSessions::Period))
                    .col(text(TrainingSessions::Topic))
                    .col(text(TrainingSessions::Trainers))
                    .col(text(TrainingSessions::Place))
                    // Remedial training (强化培训) for those who failed.
                    .col(boolean(TrainingSessions::Remedial))
                    .col(integer_null(TrainingSessions::CreatedBy))
                    .col(timestamp_with_time_zone(TrainingSessions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingSessions::Table, TrainingSessions::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingSessions::Table, TrainingSessions::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_training_sessions_project")
                    .table(TrainingSessions::Table)
                    .col(TrainingSessions::ProjectId)
                    .col(TrainingSessions::HeldOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingAttendance::Table)
                    .col(pk_auto(TrainingAttendance::Id))
                    .col(integer(TrainingAttendance::SessionId))
                    .col(integer(TrainingAttendance::TraineeId))
                    // tablet or paper.
                    .col(string(TrainingAttendance::Method))
                    // On the tablet: the name the trainee typed, and the device's evidence.
                    .col(text_null(TrainingAttendance::SignedName))
                    .col(timestamp_with_time_zone(TrainingAttendance::SignedAt))
                    .col(text_null(TrainingAttendance::Ip))
                    .col(text_null(TrainingAttendance::UserAgent))
                    .col(integer_null(TrainingAttendance::RecordedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAttendance::Table, TrainingAttendance::SessionId)
                            .to(TrainingSessions::Table, TrainingSessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAttendance::Table, TrainingAttendance::TraineeId)
                            .to(Trainees::Table, Trainees::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAttendance::Table, TrainingAttendance::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_training_attendance")
                    .table(TrainingAttendance::Table)
                    .col(TrainingAttendance::SessionId)
                    .col(TrainingAttendance::TraineeId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingAssessments::Table)
                    .col(pk_auto(TrainingAssessments::Id))
                    .col(integer(TrainingAssessments::ProjectId))
                    .col(integer(TrainingAssessments::TraineeId))
                    .col(integer(TrainingAssessments::Attempt))
                    .col(date(TrainingAssessments::AssessedOn))
                    .col(integer(TrainingAssessments::WrittenScore))
                    .col(integer(TrainingAssessments::PracticalScore))
                    .col(integer(TrainingAssessments::PassMark))
                    .col(boolean(TrainingAssessments::Passed))
                    .col(text(TrainingAssessments::Examiner))
                    .col(text_null(TrainingAssessments::Remark))
                    // A failed assessment: the day the remedial training and re-assessment are due,
                    // and the schedule's task that carries that deadline.
                    .col(date_null(TrainingAssessments::RemedialDueOn))
                    .col(integer_null(TrainingAssessments::RemedialTaskId))
                    .col(integer_null(TrainingAssessments::RecordedBy))
                    .col(timestamp_with_time_zone(TrainingAssessments::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAssessments::Table, TrainingAssessments::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAssessments::Table, TrainingAssessments::TraineeId)
                            .to(Trainees::Table, Trainees::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAssessments::Table, TrainingAssessments::RemedialTaskId)
                            .to(Tasks::Table, Tasks::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrainingAssessments::Table, TrainingAssessments::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_training_assessments_attempt")
                    .table(TrainingAssessments::Table)
                    .col(TrainingAssessments::TraineeId)
                    .col(TrainingAssessments::Attempt)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TrainingAssessments::Table.into_iden(),
            TrainingAttendance::Table.into_iden(),
            TrainingSessions::Table.into_iden(),
            Trainees::Table.into_iden(),
            Trainings::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Trainings {
    Table,
    Id,
    ProjectId,
    StartsOn,
    EndsOn,
    Place,
    Trainers,
    Content,
    Materials,
    MaterialsHandedOn,
    LateReason,
    PassMark,
    CompletedOn,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Trainees {
    Table,
    Id,
    ProjectId,
    Number,
    Name,
    Kind,
    Department,
    Phone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrainingSessions {
    Table,
    Id,
    ProjectId,
    HeldOn,
    Period,
    Topic,
    Trainers,
    Place,
    Remedial,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrainingAttendance {
    Table,
    Id,
    SessionId,
    TraineeId,
    Method,
    SignedName,
    SignedAt,
    Ip,
    UserAgent,
    RecordedBy,
}

#[derive(DeriveIden)]
enum TrainingAssessments {
    Table,
    Id,
    ProjectId,
    TraineeId,
    Attempt,
    AssessedOn,
    WrittenScore,
    PracticalScore,
    PassMark,
    Passed,
    Examiner,
    Remark,
    RemedialDueOn,
    RemedialTaskId,
    RecordedBy,
    RecordedAt,
}
