//! A reviewer decides a whole group from a claimed case's page, against
//! real services: two cases submitted together, the group on the case
//! page, the two-step confirmation, who may not, a missing reason, and the
//! applicant's dashboard afterwards.

use serde_json::json;

use crate::journey::{eventually, post_with_key};
use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

const STAFF_BASE: &str = "/portal/fj-exit-entry/staff/";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

/// The text of the dashboard section headed `title`, up to the next one.
fn dashboard_section(html: &str, title: &str) -> String {
    let heading = format!("<h4>{title}</h4>");
    let start = html.find(&heading).expect("the section") + heading.len();
    let rest = &html[start..];
    let end = rest.find("<h4>").unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[tokio::test]
async fn a_reviewer_refuses_a_whole_group_after_confirming() {
    let stack = Stack::start(Services::ALL).await;
    let (_, applicant) = stack.fj_applicant().await;
    let first = stack.complete_fj_draft(&applicant).await;
    let second = stack.complete_fj_draft(&applicant).await;
    let submitted = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "submit-group",
        &json!({"case_ids": [first, second]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let group_number = submitted.json()["group_number"]
        .as_str()
        .expect("a group number")
        .to_owned();

    let operator = stack.operator().await;
    let reviewer = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
            .await,
    );
    let admin = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.admin", &["agency_admin"])
            .await,
    );
    let review = format!("{STAFF_BASE}review");
    let (on, with, path) = (&stack, reviewer.as_str(), review.as_str());
    let queue = eventually("the queue shows both cases", move || async move {
        let html = page(on, path, Some(with), None).await.text();
        html.contains("<td class=\"depth\">2</td>").then_some(html)
    })
    .await;
    let token = input_value(&main_of(&queue), "csrf_token");
    let claimed = form(
        &stack,
        &format!("{review}/claim"),
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("application_type", "one_time_taiwan_permit"),
        ],
    )
    .await;
    assert_eq!(claimed.status, 303, "{}", claimed.text());
    let case_path = claimed.header("location").unwrap().to_owned();
    let claimed_id = case_path.rsplit('/').next().unwrap().to_owned();
    let other_id = if claimed_id == first { &second } else { &first };
    let case_en = format!("{case_path}?lang=en");

    // The case page lists the group and offers the group decision.
    let shown = main_of(&page(&stack, &case_en, Some(&reviewer), None).await.text());
    for expected in [
        format!("Group {group_number}"),
        format!("href=\"{review}/cases/{other_id}?lang=en\""),
        format!("href=\"{review}/cases/{claimed_id}?lang=en\""),
        "Not accepted — whole group".to_owned(),
        "name=\"group_comment\"".to_owned(),
    ] {
        assert!(shown.contains(&expected), "lacks {expected}: {shown}");
    }
    let action = format!("{case_path}/group-decision?lang=en");
    let decide = async |fields: &[(&str, &str)]| form(&stack, &action, &reviewer, fields).await;
    let reason = "The invitation letter of the group is forged.";

    // Without the session's token nothing happens.
    let forged = decide(&[
        ("group_decision", "not_accepted"),
        ("group_comment", reason),
        ("confirmed", "1"),
    ])
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    // An agency administrator is no reviewer.
    let admin_token = stack.csrf_token(admin.trim_start_matches("__Host-laissez-session="));
    let not_a_reviewer = form(
        &stack,
        &action,
        &admin,
        &[
            ("csrf_token", admin_token.as_str()),
            ("group_decision", "not_accepted"),
            ("group_comment", reason),
            ("confirmed", "1"),
        ],
    )
    .await;
    assert_eq!(not_a_reviewer.status, 403, "{}", not_a_reviewer.text());
    // The reason is required.
    let no_reason = decide(&[
        ("csrf_token", token.as_str()),
        ("group_decision", "not_accepted"),
        ("group_comment", "  "),
    ])
    .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.text());
    let no_reason_html = no_reason.text();
    let summary = error_summary(&no_reason_html).expect("an error summary");
    assert!(summary.contains("href=\"#group_comment\""), "{summary}");
    assert!(summary.contains("Enter the reason"), "{summary}");
    assert!(no_reason_html.contains("aria-invalid=\"true\""));

    // Only a group not approved keeps its fees; the confirmation says so.
    let kept_wrongly = decide(&[
        ("csrf_token", token.as_str()),
        ("group_decision", "not_accepted"),
        ("group_comment", reason),
        ("group_fee_forfeited", "yes"),
    ])
    .await;
    assert_eq!(kept_wrongly.status, 422, "{}", kept_wrongly.text());
    let summary = error_summary(&kept_wrongly.text()).expect("an error summary");
    assert!(
        summary.contains("href=\"#group_fee_forfeited\""),
        "{summary}"
    );
    assert!(summary.contains("keeps the fees"), "{summary}");
    let kept = decide(&[
        ("csrf_token", token.as_str()),
        ("group_decision", "not_approved"),
        ("group_comment", reason),
        ("group_fee_forfeited", "yes"),
    ])
    .await;
    assert_eq!(kept.status, 200, "{}", kept.text());
    let kept = main_of(&kept.text());
    assert!(kept.contains("Kept, not refunded"), "{kept}");
    assert!(
        kept.contains("name=\"group_fee_forfeited\" value=\"yes\""),
        "{kept}"
    );

    // The first step only asks for the confirmation.
    let asked = decide(&[
        ("csrf_token", token.as_str()),
        ("group_decision", "not_accepted"),
        ("group_comment", reason),
    ])
    .await;
    assert_eq!(asked.status, 200, "{}", asked.text());
    let confirmation = main_of(&asked.text());
    for expected in [
        "cannot be undone",
        "Decide the whole group",
        "Not accepted — whole group",
        reason,
        "name=\"confirmed\" value=\"1\"",
    ] {
        assert!(
            confirmation.contains(expected),
            "lacks {expected}: {confirmation}"
        );
    }
    let still_open = main_of(&page(&stack, &case_en, Some(&reviewer), None).await.text());
    assert!(
        still_open.contains("<dd class=\"review-state\">leased</dd>"),
        "{still_open}"
    );

    let decided = decide(&[
        (
            "csrf_token",
            input_value(&confirmation, "csrf_token").as_str(),
        ),
        (
            "group_decision",
            input_value(&confirmation, "group_decision").as_str(),
        ),
        (
            "group_comment",
            input_value(&confirmation, "group_comment").as_str(),
        ),
        ("confirmed", "1"),
    ])
    .await;
    assert_eq!(decided.status, 303, "{}", decided.text());
    assert_eq!(decided.header("location"), Some(case_en.as_str()));
    for case_id in [claimed_id.as_str(), other_id.as_str()] {
        let html = main_of(
            &page(
                &stack,
                &format!("{review}/cases/{case_id}?lang=en"),
                Some(&reviewer),
                None,
            )
            .await
            .text(),
        );
        assert!(
            html.contains("<dd class=\"review-state\">decided</dd>"),
            "{html}"
        );
        // Decided: the group is listed, its form is gone.
        assert!(!html.contains("name=\"group_comment\""), "{html}");
    }
    // Nothing is left to decide.
    let again = decide(&[
        ("csrf_token", token.as_str()),
        ("group_decision", "not_approved"),
        ("group_comment", reason),
        ("confirmed", "1"),
    ])
    .await;
    assert_eq!(again.status, 409, "{}", again.text());
    assert!(
        error_summary(&again.text())
            .unwrap()
            .contains("No case of this group can take this decision now")
    );

    // The applicant's dashboard puts both cases under the group's refusal.
    let board = format!("/portal/{FJ}/{FJ_PORTAL}/?lang=en");
    let applicant_cookie = cookie_of(&applicant);
    let (who, path) = (applicant_cookie.as_str(), board.as_str());
    let section = eventually(
        "the dashboard shows the group refused",
        move || async move {
            let html = page(on, path, Some(who), None).await.text();
            let section = dashboard_section(&html, "Group applications not approved");
            section.contains("Not accepted").then_some(section)
        },
    )
    .await;
    for case_id in [&first, &second] {
        assert!(
            section.contains(&format!("cases/{case_id}\"")),
            "lacks {case_id}: {section}"
        );
    }
    stack.stop().await;
}
