//! What a form takes from the applicant, over gRPC against real
//! PostgreSQL: answers prefilled from what they already gave, a permit
//! number that an optional lookup checks at submission, photos that answer
//! their field, and photos measured against the catalog's rules.

mod support;

use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::*;
use support::*;
use tonic::Code;

/// A photo field is answered by uploading to it: the client need not copy
/// the document id into the answers. A document is not an answer, and a
/// supplement return (answers fixed) keeps the answer it had.
#[tokio::test]
async fn uploading_to_a_photo_field_answers_it() {
    let intake = start("photo_answer").await;
    let who = As::applicant("photographer", FJ);
    let case = intake.start_fj(&who).await.unwrap();
    let answers =
        |case: &Case| -> serde_json::Value { serde_json::from_str(&case.answers_json).unwrap() };
    let photo = intake
        .upload(&who, &case.case_id, "photo", "photo.png", png(60, 80))
        .await
        .unwrap();
    let read = intake.get(&who, &case.case_id).await.unwrap();
    assert_eq!(answers(&read)["photo"], photo.document_id.as_str());
    let scan = intake
        .upload(
            &who,
            &case.case_id,
            "tw_id_card_front",
            "scan.png",
            png(50, 30),
        )
        .await
        .unwrap();
    let read = intake.get(&who, &case.case_id).await.unwrap();
    assert!(answers(&read).get("tw_id_card_front").is_none());
    // A new photo replaces the answer.
    let again = intake
        .upload_replacing(
            &who,
            &case.case_id,
            "photo",
            "photo2.png",
            png(60, 80),
            &photo.document_id,
        )
        .await
        .unwrap();
    let read = intake.get(&who, &case.case_id).await.unwrap();
    assert_eq!(answers(&read)["photo"], again.document_id.as_str());
    assert_ne!(scan.document_id, again.document_id);

    // Complete and submit, then a return for supplement: a new photo is
    // added beside the answer, which stays.
    for requirement in ["tw_id_card_back", "tw_exit_entry_document"] {
        intake
            .upload(&who, &case.case_id, requirement, "scan.png", png(50, 30))
            .await
            .unwrap();
    }
    intake
        .save(&who, &case.case_id, fj_answers(&again.document_id))
        .await
        .unwrap();
    intake.submit(&who, &[&case.case_id]).await.unwrap();
    intake
        .decide(
            FJ,
            &case.case_id,
            Decision::ReturnedForSupplement,
            "a clearer photo",
        )
        .await;
    let extra = intake
        .upload(&who, &case.case_id, "photo", "photo3.png", png(60, 80))
        .await
        .unwrap();
    let read = intake.get(&who, &case.case_id).await.unwrap();
    assert_eq!(answers(&read)["photo"], again.document_id.as_str());
    assert_ne!(extra.document_id, again.document_id);
    intake.stop().await;
}

/// What the applicant already gave (the account's registration, the
/// applicant's data) is filled in, not asked again; another person's
/// application takes nothing from the account holder's registration.
#[tokio::test]
async fn a_form_is_prefilled_from_the_registration_and_the_applicant() {
    let intake = start("prefill").await;
    intake.import_tw_records().await;
    let answers =
        |case: &Case| -> serde_json::Value { serde_json::from_str(&case.answers_json).unwrap() };
    let student = As::applicant("prefilled-student", TW);
    let mut request = tw_start("multi_entry_permit", "S100", TW_HOLDER);
    if let Some(applicant) = request.applicant.as_mut() {
        applicant.profile = [
            ("sex", "female"),
            ("place_of_birth", "guangdong"),
            ("email", "student@example.org"),
        ]
        .into_iter()
        .map(|(code, value)| (code.to_owned(), value.to_owned()))
        .collect();
    }
    let case = intake
        .client
        .clone()
        .start_application(intake.request(&student, request))
        .await
        .unwrap()
        .into_inner();
    let filled = answers(&case);
    assert_eq!(filled["sex"], "female");
    assert_eq!(filled["place_of_birth"], "guangdong");
    assert_eq!(filled["email"], "student@example.org");
    assert_eq!(filled["school"], "國立臺灣大學", "the record still fills");

    let resident = As {
        account: "hk-resident".into(),
        agency: "hk-cts",
        portal: "hk-residents",
        role: laissez_kit::Role::Applicant,
    };
    let start_hk = |relationship: &str| StartApplicationRequest {
        application_type: "home_return_permit".into(),
        notice_version: "2024-07-10".into(),
        notice_accepted: true,
        applicant: Some(ApplicantData {
            applicant_id: if relationship == "self" {
                String::new()
            } else {
                "child-1".into()
            },
            name: "陳小明".into(),
            date_of_birth: "2015-05-01".into(),
            relationship: relationship.into(),
            contact_email: "parent@example.org".into(),
            contact_mobile: "+852 91234567".into(),
            language: 1,
            profile: [("email".to_owned(), "ignored@example.org".to_owned())].into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    for relationship in ["self", "child"] {
        let case = intake
            .client
            .clone()
            .start_application(intake.request(&resident, start_hk(relationship)))
            .await
            .unwrap()
            .into_inner();
        let filled = answers(&case);
        assert_eq!(filled["date_of_birth"], "2015-05-01", "{relationship}");
        // One name given: it fills the field whose script it is written in.
        assert_eq!(filled["chinese_name"], "陳小明", "{relationship}");
        assert!(filled.get("english_name").is_none(), "{relationship}");
        assert_eq!(filled["mobile"], "+852 91234567", "{relationship}");
        assert_eq!(filled["email"], "parent@example.org", "{relationship}");
    }
    intake.stop().await;
}

/// mo-cts: a first application starts without a permit number (the lookup
/// is optional there); a renewal's number, answered in the form, is checked
/// against the records at submission, with the catalog's own messages.
#[tokio::test]
async fn an_optional_lookup_starts_without_a_permit_and_checks_the_answered_one() {
    let intake = start("optional_lookup").await;
    let resident = As {
        account: "mo-resident".into(),
        agency: "mo-cts",
        portal: "mo-residents",
        role: laissez_kit::Role::Applicant,
    };
    let start_mo = |permit: &str| StartApplicationRequest {
        application_type: "home_return_permit".into(),
        notice_version: "2007-12".into(),
        notice_accepted: true,
        permit_number: permit.into(),
        applicant: Some(ApplicantData {
            name: "陳大文".into(),
            date_of_birth: "1990-01-01".into(),
            relationship: "self".into(),
            document_number: "1234567(8)".into(),
            contact_email: "resident@example.org".into(),
            language: 1,
            ..Default::default()
        }),
        ..Default::default()
    };
    // A first application: no number, no record, and no refusal.
    let first = intake
        .client
        .clone()
        .start_application(intake.request(&resident, start_mo("")))
        .await
        .expect("a first application starts without a permit number")
        .into_inner();
    // A number given at the start is still looked up.
    let unknown = intake
        .client
        .clone()
        .start_application(intake.request(&resident, start_mo("H0000000")))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::InvalidArgument);
    assert_eq!(field_errors(&unknown)[0].1, "permit_not_found");

    // A renewal that names an unknown permit in the form is refused at
    // submission with the catalog's message, on that field.
    intake
        .save(
            &resident,
            &first.case_id,
            serde_json::json!({"reason": "renewal", "current_permit_number": "H11111111"}),
        )
        .await
        .unwrap();
    let refused = intake
        .submit(&resident, &[&first.case_id])
        .await
        .unwrap_err();
    let errors = field_errors(&refused);
    assert!(
        errors.contains(&(
            "answers.current_permit_number".to_owned(),
            "permit_not_found".to_owned()
        )),
        "{errors:?}"
    );
    intake.stop().await;
}

/// The agencies' photo rules are measured on the pixels: a black-and-white
/// photo and one on a dark background are refused with their own codes,
/// and nothing is stored; a colour portrait on white is taken.
#[tokio::test]
async fn a_photo_must_be_in_colour_on_a_white_background() {
    let intake = start("photo_rules").await;
    let who = As::applicant("photo-rules", FJ);
    let case = intake.start_fj(&who).await.unwrap();
    let encode = |image: image::RgbImage| {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let portrait = image::load_from_memory(&png(120, 160)).unwrap().to_rgb8();
    let grey = encode(
        image::DynamicImage::ImageRgb8(portrait.clone())
            .grayscale()
            .to_rgb8(),
    );
    let dark = encode(image::RgbImage::from_fn(120, 160, |x, y| {
        let pixel = *portrait.get_pixel(x, y);
        if pixel.0 == [248, 248, 246] {
            image::Rgb([60, 60, 70])
        } else {
            pixel
        }
    }));
    for (content, code) in [(grey, "not_colour"), (dark, "background")] {
        let refused = intake
            .upload(&who, &case.case_id, "photo", "photo.png", content)
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(&refused),
            [("data".to_owned(), code.to_owned())]
        );
    }
    let read = intake.get(&who, &case.case_id).await.unwrap();
    assert!(read.documents.is_empty(), "nothing stored");
    intake
        .upload(&who, &case.case_id, "photo", "photo.png", png(120, 160))
        .await
        .expect("a colour portrait on white");
    intake.stop().await;
}
