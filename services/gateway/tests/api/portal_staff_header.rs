//! The staff header links to the staff areas the member's roles open, on
//! every staff page: the queues for reviewers, the admin pages for agency
//! administrators, both for someone with both roles, the counter desk for
//! the counter.

use crate::portal::page;
use crate::support::*;

const STAFF_BASE: &str = "/portal/fj-exit-entry/staff/";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

/// The page's header, before `<main>`.
fn header_of(html: &str) -> String {
    let end = html.find("<main").expect("a main element");
    html[..end].to_owned()
}

/// Whether the header of `path` links to the queues and to the admin pages.
async fn links(stack: &Stack, cookie: &str, path: &str) -> (bool, bool) {
    let shown = page(stack, &format!("{STAFF_BASE}{path}"), Some(cookie), None).await;
    assert_eq!(shown.status, 200, "{path}: {}", shown.text());
    let header = header_of(&shown.text());
    assert!(
        header.contains(&format!("action=\"{STAFF_BASE}logout\"")),
        "{header}"
    );
    (
        header.contains(&format!("href=\"{STAFF_BASE}review\"")),
        header.contains(&format!("href=\"{STAFF_BASE}admin/catalog\""))
            && header.contains(&format!("href=\"{STAFF_BASE}admin/announcements\"")),
    )
}

#[tokio::test]
async fn the_staff_header_links_to_the_areas_of_the_members_roles() {
    let stack = Stack::start(Services::ALL).await;
    let operator = stack.operator().await;
    let both = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.both", &["reviewer", "agency_admin"])
            .await,
    );
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
    for path in ["review", "admin/catalog", "admin/announcements", "totp"] {
        assert_eq!(links(&stack, &both, path).await, (true, true), "{path}");
    }
    for path in ["review", "totp"] {
        assert_eq!(
            links(&stack, &reviewer, path).await,
            (true, false),
            "{path}"
        );
    }
    for path in ["admin/catalog", "totp"] {
        assert_eq!(links(&stack, &admin, path).await, (false, true), "{path}");
    }
    // The counter's header links the counter desk, and nothing else.
    let counter = cookie_of(&stack.staff(&operator, FJ, "fj.counter", &["counter"]).await);
    for path in ["counter", "totp"] {
        assert_eq!(
            links(&stack, &counter, path).await,
            (false, false),
            "{path}"
        );
        let shown = page(&stack, &format!("{STAFF_BASE}{path}"), Some(&counter), None).await;
        let header = header_of(&shown.text());
        assert!(
            header.contains(&format!("href=\"{STAFF_BASE}counter\"")),
            "{header}"
        );
    }
    for path in ["review", "admin/catalog"] {
        let refused = page(&stack, &format!("{STAFF_BASE}{path}"), Some(&counter), None).await;
        assert_eq!(refused.status, 403, "{path}");
    }
    stack.stop().await;
}
