//! iCalendar (RFC 5545) output for deadlines: all-day events with alarms.
use chrono::{DateTime, Days, NaiveDate, Utc};

pub struct DeadlineEvent {
    /// Stable identifier, unique across the service.
    pub uid: String,
    pub due_on: NaiveDate,
    pub summary: String,
    pub description: String,
    pub url: Option<String>,
    pub done: bool,
}

/// Renders a calendar with one all-day event per deadline and two alarms per open one:
/// 09:00 the day before and 09:00 on the day (floating local time, as the events are all-day).
pub fn render_calendar(name: &str, events: &[DeadlineEvent], now: DateTime<Utc>) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    let mut line = |s: String| fold_line(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//jiaofu//delivery deadlines//ZH".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", e.due_on.format("%Y%m%d")));
        line(format!(
            "DTEND;VALUE=DATE:{}",
            (e.due_on + Days::new(1)).format("%Y%m%d")
        ));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        line(format!("DESCRIPTION:{}", escape_text(&e.description)));
        if let Some(url) = &e.url {
            line(format!("URL:{url}"));
        }
        line("TRANSP:TRANSPARENT".into());
        if !e.done {
            for (trigger, when) in [("-PT15H", "明天到期"), ("PT9H", "今天到期")] {
                line("BEGIN:VALARM".into());
                line("ACTION:DISPLAY".into());
                line(format!("TRIGGER:{trigger}"));
                line(format!(
                    "DESCRIPTION:{}",
                    escape_text(&format!("{when}：{}", e.summary))
                ));
                line("END:VALARM".into());
            }
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// A person invited to a meeting.
pub struct Attendee {
    pub name: String,
    pub email: String,
}

/// A meeting to put in the participants' calendars.
pub struct Invitation {
    /// Stable for the meeting: a re-sent invitation with a higher sequence moves the event.
    pub uid: String,
    pub sequence: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// The organiser's e-mail address.
    pub organiser: String,
    pub attendees: Vec<Attendee>,
    pub stamp: DateTime<Utc>,
}

/// Renders a meeting request (METHOD:REQUEST, RFC 5546): Outlook, WPS and 企业微信 offer to add it
/// to the calendar and to answer it. Times are in UTC, so no time-zone definition is needed.
pub fn render_invitation(m: &Invitation) -> String {
    let utc = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    let mut line = |s: String| fold_line(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//jiaofu//acceptance//ZH".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:REQUEST".into());
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}", m.uid));
    line(format!("SEQUENCE:{}", m.sequence));
    line(format!("DTSTAMP:{}", utc(m.stamp)));
    line(format!("DTSTART:{}", utc(m.starts_at)));
    line(format!("DTEND:{}", utc(m.ends_at)));
    line(format!("SUMMARY:{}", escape_text(&m.summary)));
    line(format!("LOCATION:{}", escape_text(&m.location)));
    line(format!("DESCRIPTION:{}", escape_text(&m.description)));
    line(format!("ORGANIZER:mailto:{}", m.organiser));
    for a in &m.attendees {
        line(format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
            a.name.replace('"', ""),
            a.email
        ));
    }
    line("STATUS:CONFIRMED".into());
    line("TRANSP:OPAQUE".into());
    line("BEGIN:VALARM".into());
    line("ACTION:DISPLAY".into());
    line("TRIGGER:-PT1H".into());
    line(format!("DESCRIPTION:{}", escape_text(&m.summary)));
    line("END:VALARM".into());
    line("END:VEVENT".into());
    line("END:VCALENDAR".into());
    out
}

fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `s` as content lines of at most 75 octets, never splitting a UTF-8 character.
fn fold_line(out: &mut String, s: &str) {
    let mut width = 0;
    for c in s.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_chinese_lines_fold_on_character_boundaries() {
        let summary = "设备到货检验".repeat(10);
        let ics = render_calendar(
            "测试",
            &[DeadlineEvent {
                uid: "task-1@jiaofu".into(),
                due_on: "2026-03-09".parse().expect("date"),
                summary: summary.clone(),
                description: "a, b; c\nd".into(),
                url: None,
                done: false,
            }],
            Utc::now(),
        );
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{summary}")));
        assert!(unfolded.contains("DESCRIPTION:a\\, b\\; c\\nd"));
        assert_eq!(unfolded.matches("BEGIN:VALARM").count(), 2);
    }

    #[test]
    fn an_invitation_is_a_request_in_utc_with_every_attendee() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        let ics = render_invitation(&Invitation {
            uid: "acceptance-3@example.com".into(),
            sequence: 2,
            starts_at: at("2026-04-10T01:30:00Z"),
            ends_at: at("2026-04-10T04:00:00Z"),
            summary: "ZJFY 系统初验".into(),
            location: "审判楼三楼会议室, 东侧".into(),
            description: "甲方：周文涛".into(),
            organiser: "jiaofu@example.com".into(),
            attendees: vec![Attendee {
                name: "周文涛".into(),
                email: "zhou@court.example".into(),
            }],
            stamp: at("2026-04-01T00:00:00Z"),
        });
        let unfolded = ics.replace("\r\n ", "");
        for expected in [
            "METHOD:REQUEST",
            "UID:acceptance-3@example.com",
            "SEQUENCE:2",
            "DTSTART:20260410T013000Z",
            "DTEND:20260410T040000Z",
            "LOCATION:审判楼三楼会议室\\, 东侧",
            "ORGANIZER:mailto:jiaofu@example.com",
            "ATTENDEE;CN=\"周文涛\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:zhou@court.example",
        ] {
            assert!(unfolded.contains(expected), "{expected} missing from {unfolded}");
        }
        assert!(ics.split("\r\n").all(|l| l.len() <= 75));
    }
}
