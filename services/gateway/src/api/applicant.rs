//! Who an application is for. Intake keeps the applicant's data with the
//! case and checks permit records against its document number, so that data
//! must come from identity, not from the client: the gateway reads the
//! account's profile (and the managed applicant named by `applicant_id`)
//! with the caller's own token and fills `applicant` from them.
//!
//! Identity's answer wins for everything it knows. The applicant id, the
//! relationship and the document number are never taken from the client.
//! Where identity has no name or date of birth (portals that do not ask for
//! them at registration), the client's `applicant.name` and
//! `applicant.date_of_birth` fill the gap, and intake validates them.

use laissez_proto::identity::v1::{GetApplicantRequest, GetProfileRequest, Profile, Relationship};
use laissez_proto::intake::v1::{ApplicantData, StartApplicationRequest};

use crate::core::catalogs::CatalogError;
use crate::core::problem::ApiError;
use crate::core::{Caller, Core};

/// Fills `request.applicant` for `caller`.
pub async fn fill_applicant(
    core: &Core,
    caller: &Caller,
    request: &mut StartApplicationRequest,
) -> Result<(), ApiError> {
    let offered = request.applicant.take().unwrap_or_default();
    let mut identity = core.upstreams.identity();
    let profile = identity
        .get_profile(
            core.upstreams
                .request(GetProfileRequest {}, Some(caller.token())),
        )
        .await?
        .into_inner();
    let applicant_id = request.applicant_id.trim().to_owned();
    let mut data = if applicant_id.is_empty() {
        let document_field = document_number_field(core, caller).await?;
        let mut holder = account_holder(&profile, document_field.as_deref());
        // What the holder gave at registration, for the form's prefill.
        holder.profile = profile.fields.clone();
        holder
    } else {
        let managed = identity
            .get_applicant(core.upstreams.request(
                GetApplicantRequest {
                    applicant_id: applicant_id.clone(),
                },
                Some(caller.token()),
            ))
            .await?
            .into_inner();
        ApplicantData {
            applicant_id: managed.applicant_id.clone(),
            name: joined_name(&managed.surname, &managed.given_name),
            date_of_birth: managed.date_of_birth.clone(),
            relationship: relationship(managed.relationship()).to_owned(),
            document_number: managed.document_number.clone(),
            ..ApplicantData::default()
        }
    };
    if data.name.trim().is_empty() {
        data.name = offered.name;
    }
    if data.date_of_birth.trim().is_empty() {
        data.date_of_birth = offered.date_of_birth;
    }
    data.contact_email = profile.fields.get("email").cloned().unwrap_or_default();
    data.contact_mobile = ["mobile", "phone"]
        .iter()
        .find_map(|code| profile.fields.get(*code).cloned())
        .unwrap_or_default();
    data.language = profile.language;
    request.applicant = Some(data);
    Ok(())
}

/// The account holder as an applicant, from the registration fields.
fn account_holder(profile: &Profile, document_field: Option<&str>) -> ApplicantData {
    let field = |code: &str| {
        profile
            .fields
            .get(code)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let name = field("chinese_name")
        .or_else(|| {
            Some(joined_name(
                &field("chinese_surname")?,
                &field("chinese_given_name")?,
            ))
        })
        .or_else(|| Some(joined_name(&field("surname")?, &field("given_name")?)))
        .or_else(|| {
            Some(joined_name(
                &field("english_surname")?,
                &field("english_given_name")?,
            ))
        })
        .or_else(|| field("name"))
        .unwrap_or_default();
    ApplicantData {
        applicant_id: String::new(),
        name,
        date_of_birth: field("date_of_birth").unwrap_or_default(),
        relationship: "self".to_owned(),
        document_number: document_field.and_then(field).unwrap_or_default(),
        ..ApplicantData::default()
    }
}

/// The registration field of the caller's portal that holds an identity
/// document number, as the agency's catalog declares it (the core's cached
/// copy of the current catalog).
async fn document_number_field(core: &Core, caller: &Caller) -> Result<Option<String>, ApiError> {
    let catalog = core
        .catalogs
        .current(&caller.signed_in.agency)
        .await
        .map_err(|error| match error {
            CatalogError::NotFound => ApiError::NotFound,
            CatalogError::Unavailable => {
                ApiError::Unavailable("the agency's catalog cannot be read right now; try again")
            }
        })?;
    Ok(registration_document_field(
        &catalog,
        &caller.signed_in.portal,
    ))
}

fn registration_document_field(catalog: &serde_json::Value, portal: &str) -> Option<String> {
    catalog["portals"]
        .as_array()?
        .iter()
        .find(|candidate| candidate["code"] == portal)?["registration"]["fields"]
        .as_array()?
        .iter()
        .find(|field| field["type"] == "identity_document_number")?["code"]
        .as_str()
        .map(str::to_owned)
}

/// Chinese names run together (陳大文); others take a space.
fn joined_name(surname: &str, given_name: &str) -> String {
    let (surname, given_name) = (surname.trim(), given_name.trim());
    if surname.is_empty() || given_name.is_empty() {
        return format!("{surname}{given_name}");
    }
    if surname.is_ascii() && given_name.is_ascii() {
        format!("{surname} {given_name}")
    } else {
        format!("{surname}{given_name}")
    }
}

fn relationship(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::Child => "child",
        Relationship::Parent => "parent",
        Relationship::Unspecified | Relationship::Self_ => "self",
        Relationship::Spouse | Relationship::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_composed_the_way_each_script_writes_them() {
        assert_eq!(joined_name("陳", "大文"), "陳大文");
        assert_eq!(joined_name("Chan", "Tai Man"), "Chan Tai Man");
        assert_eq!(joined_name("", "Tai Man"), "Tai Man");
    }

    #[test]
    fn the_document_number_field_comes_from_the_catalog() {
        let catalog = serde_json::json!({
            "portals": [
                {"code": "other", "registration": {"fields": [{"code": "x", "type": "identity_document_number"}]}},
                {"code": "nia-app", "registration": {"fields": [
                    {"code": "document_type", "type": "choice"},
                    {"code": "document_number", "type": "identity_document_number"}
                ]}}
            ]
        });
        assert_eq!(
            registration_document_field(&catalog, "nia-app").as_deref(),
            Some("document_number")
        );
        assert_eq!(registration_document_field(&catalog, "missing"), None);
    }

    #[test]
    fn the_account_holder_is_read_from_registration_fields() {
        let profile = Profile {
            fields: [
                ("chinese_surname", "陳"),
                ("chinese_given_name", "大文"),
                ("document_number", "A123456789"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Profile::default()
        };
        let holder = account_holder(&profile, Some("document_number"));
        assert_eq!(holder.name, "陳大文");
        assert_eq!(holder.document_number, "A123456789");
        assert_eq!(holder.relationship, "self");
        assert_eq!(account_holder(&profile, None).document_number, "");
    }
}
