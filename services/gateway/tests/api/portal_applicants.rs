//! The portal's managed applicants against real services: adding with
//! identity's per-field errors, the masked list, editing, removing after a
//! confirmation, and another account's applicant being a 404.

use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

#[tokio::test]
async fn applicants_are_added_listed_masked_edited_and_removed_by_their_account_only() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let (_, intruder) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let list = format!("{base}applicants");
    let new = format!("{list}/new?lang=en");

    let signed_out = page(&stack, &list, None, None).await;
    assert_eq!(signed_out.status, 303);
    let empty = page(&stack, &format!("{list}?lang=en"), Some(&cookie), None).await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    assert!(empty.text().contains("No applicants yet."));
    assert!(
        empty.text().contains(&format!("href=\"{list}?lang=en\"")),
        "the header links here"
    );

    let blank = page(&stack, &new, Some(&cookie), None).await;
    assert_eq!(blank.status, 200);
    let token = input_value(&blank.text(), "csrf_token");
    let refused = form(&stack, &new, &cookie, &[("csrf_token", "nope")]).await;
    assert_eq!(refused.status, 403);

    // Identity's refusals, per field, with the typed values kept.
    let wrong = form(
        &stack,
        &new,
        &cookie,
        &[
            ("csrf_token", &token),
            ("document_type", "tw_id_card"),
            ("document_number", "A12345"),
            ("valid_from", "2020-01-01"),
            ("valid_long_term", "1"),
            ("given_name", "小明"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    let summary = error_summary(&wrong.text()).expect("an error summary");
    for field in ["relationship", "document_number", "surname"] {
        assert!(
            summary.contains(&format!("href=\"#{field}\"")),
            "{field}: {summary}"
        );
    }
    assert!(wrong.text().contains("value=\"A12345\""));

    let number = taiwan_id(900);
    let person = |surname: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("relationship", "child".to_owned()),
            ("document_type", "tw_id_card".to_owned()),
            ("document_number", number.clone()),
            ("valid_long_term", "1".to_owned()),
            ("valid_from", "2020-01-01".to_owned()),
            ("surname", surname.to_owned()),
            ("given_name", "小明".to_owned()),
            ("household_place", "taipei".to_owned()),
            ("date_of_birth", "2015-02-03".to_owned()),
        ]
    };
    let fields = person("陳");
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added = form(&stack, &new, &cookie, &borrowed).await;
    assert_eq!(added.status, 303, "{}", added.text());
    assert_eq!(
        added.header("location"),
        Some(format!("{list}?lang=en").as_str())
    );

    let listed = page(&stack, &format!("{list}?lang=en"), Some(&cookie), None).await;
    let main = main_of(&listed.text());
    assert!(
        main.contains("陳") && !main.contains("小明"),
        "masked: {main}"
    );
    assert!(
        !main.contains(&number),
        "the document number is masked: {main}"
    );
    assert!(
        main.contains("Taiwan ID card") && main.contains("Child"),
        "{main}"
    );
    let end = main.find("/edit?lang=en").expect("an edit link");
    let start = main[..end].rfind('/').unwrap() + 1;
    let applicant_id = main[start..end].to_owned();

    // Editing: the unmasked details, then a change.
    let edit = format!("{list}/{applicant_id}/edit?lang=en");
    let form_page = page(&stack, &edit, Some(&cookie), None).await;
    assert_eq!(form_page.status, 200);
    assert!(
        form_page.text().contains(&format!("value=\"{number}\"")),
        "{}",
        main_of(&form_page.text())
    );
    let fields = person("林");
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let edited = form(&stack, &edit, &cookie, &borrowed).await;
    assert_eq!(edited.status, 303, "{}", edited.text());
    let listed = page(&stack, &format!("{list}?lang=en"), Some(&cookie), None).await;
    assert!(main_of(&listed.text()).contains("林"));

    // Another account's applicant is not found, whatever the page.
    let theirs = cookie_of(&intruder);
    let remove = format!("{list}/{applicant_id}/remove?lang=en");
    for path in [&edit, &remove] {
        let answer = page(&stack, path, Some(&theirs), None).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    let their_page = page(&stack, &format!("{list}/new"), Some(&theirs), None).await;
    let their_token = input_value(&their_page.text(), "csrf_token");
    let answer = form(&stack, &remove, &theirs, &[("csrf_token", &their_token)]).await;
    assert_eq!(answer.status, 404);
    let answer = form(&stack, &edit, &theirs, &{
        let mut fields = borrowed.clone();
        fields[0] = ("csrf_token", their_token.as_str());
        fields
    })
    .await;
    assert_eq!(answer.status, 404, "{}", answer.text());
    let random = page(
        &stack,
        &format!("{list}/00000000-0000-0000-0000-000000000000/edit"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(random.status, 404);

    // The switcher of every applicants page links to the page itself.
    for path in [
        list.clone(),
        format!("{list}/new"),
        format!("{list}/{applicant_id}/edit"),
        format!("{list}/{applicant_id}/remove"),
    ] {
        for tag in ["zh-Hant", "zh-Hans", "en"] {
            let answer = page(&stack, &format!("{path}?lang={tag}"), Some(&cookie), None).await;
            assert_eq!(answer.status, 200, "{path}");
            for other in ["zh-Hant", "zh-Hans", "en"] {
                let link = format!("href=\"{path}?lang={other}\"");
                assert!(answer.text().contains(&link), "{path} lacks {link}");
            }
        }
    }

    // Removing: a confirmation page, CSRF, then gone.
    let confirm = page(&stack, &remove, Some(&cookie), None).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text().contains("cannot be undone"));
    let refused = form(&stack, &remove, &cookie, &[("csrf_token", "nope")]).await;
    assert_eq!(refused.status, 403);
    let removed = form(&stack, &remove, &cookie, &[("csrf_token", &token)]).await;
    assert_eq!(removed.status, 303, "{}", removed.text());
    let listed = page(&stack, &format!("{list}?lang=en"), Some(&cookie), None).await;
    assert!(listed.text().contains("No applicants yet."));
    stack.stop().await;
}
