//! The applicant's message centre against real services: the messages
//! notify keeps after submissions and withdrawals, a page at a time, the
//! unread count in the header, opening a message (which marks it read),
//! "mark all as read", and what others may not see or do.

use serde_json::json;

use crate::journey::post_with_key;
use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

fn base() -> String {
    format!("/portal/{FJ}/{FJ_PORTAL}/")
}

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

/// The header's unread count, if it shows one.
fn unread_badge(html: &str) -> Option<u64> {
    let marker = "<span class=\"badge unread-count\">";
    let start = html.find(marker)? + marker.len();
    html[start..].split('<').next()?.parse().ok()
}

/// The links to single messages in a list page, in order.
fn message_links(html: &str) -> Vec<String> {
    let marker = format!("href=\"{}messages/", base());
    html.match_indices(&marker)
        .map(|(at, _)| {
            html[at + "href=\"".len()..]
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
        })
        .filter(|link| !link.contains("read-all"))
        .collect()
}

/// Submits a complete draft and withdraws it: two messages.
async fn submit_and_withdraw(stack: &Stack, session: &str, round: u32) -> String {
    let case_id = stack.complete_fj_draft(session).await;
    let submitted = post_with_key(
        stack,
        "/api/v1/submissions",
        session,
        &format!("submit-{round}"),
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    stack
        .post(
            &format!("/api/v1/cases/{case_id}/withdrawal"),
            Some(session),
            json!({"confirmed": true}),
        )
        .await
        .ok();
    case_id
}

#[tokio::test]
async fn the_message_centre_pages_opens_and_marks_messages_read() {
    let stack = Stack::start(Services::ALL).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let base = base();
    let list = format!("{base}messages?lang=en");
    let mut last_case = String::new();
    for round in 0..6 {
        last_case = submit_and_withdraw(&stack, &session, round).await;
    }
    // Notify hears of all of them in its own time: the account's
    // activation, then a submission and a withdrawal per case.
    // Under a loaded machine notify may retry an event (1 s, 5 s, 30 s), so
    // this waits longer than `eventually` and says what it last saw.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let first = loop {
        let html = page(&stack, &list, Some(&cookie), None).await.text();
        let seen = unread_badge(&html);
        if seen == Some(13) {
            break html;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "thirteen messages never arrived; the header last counted {seen:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    let first_main = main_of(&first);
    assert_eq!(message_links(&first_main).len(), 10, "{first_main}");
    assert!(first_main.contains("<tr class=\"message unread\">"));
    assert!(first.contains("Messages <span class=\"badge unread-count\">13</span>"));
    // The dashboard's header counts them too.
    let board = page(&stack, &base, Some(&cookie), None).await;
    assert_eq!(unread_badge(&board.text()), Some(13));

    // The next page holds the rest, and leads back to the newest.
    let marker = "rel=\"next\" href=\"";
    let at = first_main.find(marker).expect("a next page") + marker.len();
    let next = first_main[at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = page(&stack, &next, Some(&cookie), None).await;
    assert_eq!(second.status, 200, "{}", second.text());
    let second_main = main_of(&second.text());
    assert_eq!(message_links(&second_main).len(), 3, "{second_main}");
    assert!(second_main.contains("Back to the newest"));
    assert!(!second_main.contains("rel=\"next\""));

    // A page link notify never made.
    let forged = page(
        &stack,
        &format!("{base}messages?after=nonsense&lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(forged.status, 422, "{}", forged.text());
    assert!(
        error_summary(&forged.text())
            .unwrap()
            .contains("href=\"#newest\"")
    );

    // Opening the newest message shows it and marks it read.
    let newest = message_links(&first_main)[0].clone();
    let opened = page(&stack, &newest, Some(&cookie), None).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    let opened_html = opened.text();
    assert!(
        opened_html.contains(&format!("{base}cases/{last_case}?lang=en")),
        "{opened_html}"
    );
    assert_eq!(unread_badge(&opened_html), Some(12));
    let after = page(&stack, &list, Some(&cookie), None).await;
    assert_eq!(unread_badge(&after.text()), Some(12));

    // Another applicant: the message is as missing as a random one.
    let (_, stranger) = stack.fj_applicant().await;
    let stranger = cookie_of(&stranger);
    let theirs = page(&stack, &newest, Some(&stranger), None).await;
    let random = page(
        &stack,
        &format!("{base}messages/{}?lang=en", uuid::Uuid::new_v4()),
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(random.status, 404);
    assert_eq!(main_of(&theirs.text()), main_of(&random.text()));
    let own = page(
        &stack,
        &format!("{base}messages?lang=en"),
        Some(&stranger),
        None,
    )
    .await;
    let newest_path = newest.split('?').next().unwrap();
    assert_eq!(own.status, 200);
    assert!(!own.text().contains(newest_path), "{}", own.text());
    // …and the stranger's visit changed nothing for the owner.
    let still = page(&stack, &list, Some(&cookie), None).await;
    assert_eq!(unread_badge(&still.text()), Some(12));

    // Mark all as read needs the session's token.
    let read_all = format!("{base}messages/read-all?lang=en");
    let refused = form(&stack, &read_all, &cookie, &[("csrf_token", "forged")]).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    let token = input_value(&main_of(&still.text()), "csrf_token");
    let marked = form(
        &stack,
        &read_all,
        &cookie,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(marked.status, 303, "{}", marked.text());
    assert_eq!(marked.header("location"), Some(list.as_str()));
    let unread_only = page(
        &stack,
        &format!("{base}messages?unread=1&lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    let unread_html = unread_only.text();
    assert!(
        unread_html.contains("You have no unread messages."),
        "{unread_html}"
    );
    assert_eq!(unread_badge(&unread_html), None);
    assert!(!unread_html.contains("Mark all as read"));

    // In every language.
    for (tag, title) in [("zh-Hant", "訊息中心"), ("zh-Hans", "消息中心")] {
        let shown = page(
            &stack,
            &format!("{base}messages?lang={tag}"),
            Some(&cookie),
            None,
        )
        .await;
        assert!(shown.text().contains(&format!("<h1>{title}</h1>")), "{tag}");
    }
    // A visitor signs in first; staff have no message centre here.
    let visitor = page(&stack, &list, None, None).await;
    assert_eq!(visitor.status, 303);
    stack.stop().await;
}
