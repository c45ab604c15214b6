//! The address book (地址管理) and courier orders (速遞訂單) on a portal
//! whose catalog delivers by courier (hk-cts): addresses kept and checked,
//! offered in the wizard's courier address, and the courier case listed
//! with its tracking number. A portal without courier delivery (fj) shows
//! neither menu; another account's address is not found.

use serde_json::json;

use crate::appointments::{hk_applicant, start_hk_case};
use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

const HK_BASE: &str = "/portal/hk-cts/hk-residents/";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

#[tokio::test]
async fn addresses_are_kept_offered_in_the_form_and_courier_orders_listed() {
    let stack = Stack::start(Services::ALL).await;
    let applicant = hk_applicant(&stack).await;
    let cookie = cookie_of(&applicant);
    let addresses = format!("{HK_BASE}addresses?lang=en");

    let empty = page(&stack, &addresses, Some(&cookie), None).await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    let html = empty.text();
    assert!(html.contains("No saved addresses yet."), "{html}");
    assert!(html.contains("id=\"nav-courier\""), "{html}");
    assert!(html.contains("id=\"nav-addresses\""), "{html}");

    // Bad fields are named, in the visitor's language, and nothing is kept.
    let new = format!("{HK_BASE}addresses/new?lang=en");
    let token = input_value(
        &page(&stack, &new, Some(&cookie), None).await.text(),
        "csrf_token",
    );
    let refused = form(
        &stack,
        &new,
        &cookie,
        &[
            ("csrf_token", &token),
            ("recipient", ""),
            ("phone", "<script>"),
            ("address", "1 Harbour Road"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let summary = error_summary(&refused.text()).unwrap();
    assert!(summary.contains("href=\"#recipient\""), "{summary}");
    assert!(summary.contains("Recipient is required"), "{summary}");
    assert!(summary.contains("href=\"#phone\""), "{summary}");
    assert!(!refused.text().contains("<script>"));
    let none = stack.get("/api/v1/addresses", &applicant).await.ok();
    assert_eq!(
        none["addresses"].as_array().map_or(0, Vec::len),
        0,
        "nothing was saved: {none}"
    );
    // Without the form's token, nothing is saved either.
    let forged = form(
        &stack,
        &new,
        &cookie,
        &[
            ("recipient", "Mallory"),
            ("phone", "91234567"),
            ("address", "x"),
        ],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());

    let saved = form(
        &stack,
        &new,
        &cookie,
        &[
            ("csrf_token", &token),
            ("recipient", "Chan Tai Man"),
            ("phone", "+852 9123 4567"),
            ("address", "Flat 3, 1 Harbour Road\r\nWan Chai"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let html = page(&stack, &addresses, Some(&cookie), None).await.text();
    assert!(html.contains("Chan Tai Man"), "{html}");
    assert!(html.contains("Default address"), "{html}");
    let listed = stack.get("/api/v1/addresses", &applicant).await.ok();
    let address = &listed["addresses"][0];
    assert_eq!(address["is_default"], true, "{listed}");
    assert_eq!(address["phone"], "+85291234567", "{listed}");
    let chosen = "Chan Tai Man +85291234567\nFlat 3, 1 Harbour Road\nWan Chai";

    // The wizard offers it for the courier address; choosing it fills the
    // answer.
    let case_id = start_hk_case(
        &stack,
        &applicant,
        &format!("addresses-{}", stack.next_sequence()),
        "陳大文",
        "1990-01-01",
    )
    .await;
    let form_path = format!("{HK_BASE}cases/{case_id}/form?lang=en");
    let html = page(&stack, &form_path, Some(&cookie), None).await.text();
    assert!(html.contains("id=\"f-delivery_address-saved\""), "{html}");
    assert!(html.contains("Or use a saved address"), "{html}");
    // Only where the courier goes: the applicant's own address is typed.
    assert!(!html.contains("id=\"f-address-saved\""), "{html}");
    let token = input_value(&html, "csrf_token");
    let posted = form(
        &stack,
        &form_path,
        &cookie,
        &[
            ("csrf_token", &token),
            ("f-delivery", "courier"),
            ("f-delivery_address", ""),
            ("f-delivery_address-saved", chosen),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &applicant)
        .await
        .ok();
    let answers: serde_json::Value =
        serde_json::from_str(case["answers_json"].as_str().unwrap()).unwrap();
    assert_eq!(answers["delivery"], "courier", "{answers}");
    assert_eq!(answers["delivery_address"], chosen, "{answers}");

    // Courier orders: the case, where it goes, and its tracking number
    // once the counter has sent it.
    let courier = format!("{HK_BASE}courier?lang=en");
    let html = page(&stack, &courier, Some(&cookie), None).await.text();
    assert!(html.contains("id=\"courier-orders\""), "{html}");
    assert!(html.contains("Flat 3, 1 Harbour Road"), "{html}");
    assert!(html.contains(&format!("cases/{case_id}")), "{html}");
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, delivery_address, tracking_number, dispatched_at)
         VALUES ($1::uuid, 'hk-cts', $2, 'EE123456789HK', now())",
    )
    .bind(&case_id)
    .bind(chosen)
    .execute(stack.intake_pool())
    .await
    .unwrap();
    let html = page(&stack, &courier, Some(&cookie), None).await.text();
    assert!(html.contains("EE123456789HK"), "{html}");

    // A case collected in person is not a courier order.
    let pickup = start_hk_case(
        &stack,
        &applicant,
        &format!("addresses-{}", stack.next_sequence()),
        "陳小文",
        "1992-02-02",
    )
    .await;
    let html = page(&stack, &courier, Some(&cookie), None).await.text();
    assert!(!html.contains(&format!("cases/{pickup}")), "{html}");
    stack.stop().await;
}

#[tokio::test]
async fn another_account_cannot_edit_or_remove_an_address_and_fj_shows_no_courier_menu() {
    let stack = Stack::start(Services::INTAKE).await;
    let owner = hk_applicant(&stack).await;
    let stranger = hk_applicant(&stack).await;
    let created = stack
        .post(
            "/api/v1/addresses",
            Some(&owner),
            // The body is the address itself.
            json!({"recipient": "Chan Tai Man", "phone": "91234567", "address": "1 Harbour Road"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let address_id = created.json()["address_id"].as_str().unwrap().to_owned();

    let stranger_cookie = cookie_of(&stranger);
    for path in ["edit", "remove"] {
        let seen = page(
            &stack,
            &format!("{HK_BASE}addresses/{address_id}/{path}?lang=en"),
            Some(&stranger_cookie),
            None,
        )
        .await;
        assert_eq!(seen.status, 404, "{}", seen.text());
        assert!(!seen.text().contains("Chan Tai Man"));
    }
    let list = page(
        &stack,
        &format!("{HK_BASE}addresses?lang=en"),
        Some(&stranger_cookie),
        None,
    )
    .await
    .text();
    let token = input_value(
        &page(
            &stack,
            &format!("{HK_BASE}addresses/new?lang=en"),
            Some(&stranger_cookie),
            None,
        )
        .await
        .text(),
        "csrf_token",
    );
    assert!(!list.contains("Chan Tai Man"));
    let removed = form(
        &stack,
        &format!("{HK_BASE}addresses/{address_id}/remove?lang=en"),
        &stranger_cookie,
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(removed.status, 404, "{}", removed.text());
    let api = stack
        .send(
            stack
                .http
                .delete(stack.url(&format!("/api/v1/addresses/{address_id}")))
                .bearer_auth(&stranger),
        )
        .await;
    assert_eq!(api.status, 404, "{}", api.text());
    let kept = stack.get("/api/v1/addresses", &owner).await.ok();
    assert_eq!(kept["addresses"][0]["recipient"], "Chan Tai Man", "{kept}");

    // Fujian's permit is collected at the port: no courier menus there.
    let (_, fj) = stack.fj_applicant().await;
    let html = page(
        &stack,
        "/portal/fj-exit-entry/nia-app/?lang=en",
        Some(&cookie_of(&fj)),
        None,
    )
    .await
    .text();
    assert!(html.contains("id=\"nav-payments\""), "{html}");
    assert!(!html.contains("id=\"nav-courier\""), "{html}");
    assert!(!html.contains("id=\"nav-addresses\""), "{html}");
    stack.stop().await;
}
