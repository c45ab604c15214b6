//! How a case's state reads at a glance: a coloured tag (GOV.UK Frontend's
//! tag component) and, on the case's page, the next step its stage offers
//! the applicant, with the action where the portal has a page for it.

use laissez_proto::intake::v1::CaseState as S;
use maud::{Markup, html};

use crate::portal::shell::i18n::{self, Lang};

/// The state as a tag, coloured by what it asks of the applicant: grey
/// for a draft or an ended case, blue while the agency works, orange when
/// the applicant must act, green for a good outcome, red for a refusal.
pub fn tag(lang: Lang, state: i32) -> Markup {
    let colour = match S::try_from(state).unwrap_or(S::Unspecified) {
        S::Draft | S::Withdrawn | S::Cancelled | S::Unspecified => "govuk-tag--grey",
        S::Submitted
        | S::UnderReview
        | S::Paid
        | S::AppointmentBooked
        | S::InProduction
        | S::AwaitingDispatch
        | S::Dispatched => "govuk-tag--blue",
        S::ReturnedForCorrection
        | S::ReturnedForSupplement
        | S::AwaitingPayment
        | S::AwaitingAppointment
        | S::ReadyForPickup => "govuk-tag--orange",
        S::Approved | S::Issued | S::Collected | S::Delivered => "govuk-tag--green",
        S::NotAccepted | S::NotApproved => "govuk-tag--red",
    };
    html! { strong.govuk-tag.(colour) { (i18n::state_name(lang, state)) } }
}

/// Where a next step's action goes, relative to the case's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The form of a draft (`…/form`).
    ContinueForm,
    /// The return's answer further down the page.
    AnswerReturn,
    /// A new application (`…/apply`).
    ApplyAgain,
}

/// What the applicant does next, in their language, and its action where
/// the portal has a page for it; `None` when nothing is asked of them.
pub fn next_step(lang: Lang, state: i32) -> Option<(&'static str, Option<(Action, &'static str)>)> {
    let pick = |hant, hans, en| match lang {
        Lang::ZhHant => hant,
        Lang::ZhHans => hans,
        Lang::En => en,
    };
    let step = match S::try_from(state).ok()? {
        S::Draft => (
            pick(
                "請完成表單與上傳文件，檢查後送出。",
                "请完成表单与上传文件，检查后提交。",
                "Finish the form and the uploads, check them and submit.",
            ),
            Some((
                Action::ContinueForm,
                crate::portal::applicant::apply::texts(lang).continue_application,
            )),
        ),
        S::ReturnedForCorrection | S::ReturnedForSupplement => (
            pick(
                "機關已退回此案件，請依審核意見處理後再送出。",
                "机关已退回此案件，请按审核意见处理后再提交。",
                "The agency returned this case: act on the reviewer's comment below and send it back.",
            ),
            Some((
                Action::AnswerReturn,
                pick("處理退件", "处理退件", "Answer the return"),
            )),
        ),
        S::Submitted | S::UnderReview => (
            pick(
                "機關正在審核，結果將以電子郵件及訊息中心通知您。",
                "机关正在审核，结果将通过电子邮件及消息中心通知您。",
                "The agency is reviewing it; you will hear the outcome by email and in your messages.",
            ),
            None,
        ),
        S::AwaitingPayment => (
            pick(
                "請繳納規費；機關將通知您繳費方式與期限。",
                "请缴纳规费；机关将通知您缴费方式与期限。",
                "Pay the fee: the agency tells you how and by when.",
            ),
            None,
        ),
        S::AwaitingAppointment => (
            pick(
                "請預約到機關辦理的時間；機關將通知您預約方式。",
                "请预约到机关办理的时间；机关将通知您预约方式。",
                "Book a visit to the agency: it tells you how.",
            ),
            None,
        ),
        S::ReadyForPickup => (
            pick(
                "證件已可領取，請攜帶領證所需文件前往。",
                "证件已可领取，请携带领证所需文件前往。",
                "Your document is ready: collect it with the papers the agency asks for.",
            ),
            None,
        ),
        S::AwaitingDispatch => (
            pick(
                "證件已製作完成，機關將以速遞寄往您填寫的地址。",
                "证件已制作完成，机关将以速递寄往您填写的地址。",
                "Your document is made: the agency sends it by courier to the address you gave.",
            ),
            None,
        ),
        S::Dispatched => (
            pick(
                "證件已交速遞寄出，可憑案件頁上的追蹤編號查詢。",
                "证件已交速递寄出，可凭案件页上的追踪编号查询。",
                "Your document is on its way: follow it with the tracking number on this page.",
            ),
            None,
        ),
        S::NotAccepted | S::NotApproved => (
            pick(
                "此申請未獲核准，您可以提出新的申請。",
                "此申请未获批准，您可以提出新的申请。",
                "This application was not approved; you may file a new one.",
            ),
            Some((
                Action::ApplyAgain,
                pick("提出新申請", "提出新申请", "Apply again"),
            )),
        ),
        _ => return None,
    };
    Some(step)
}

/// The heading of the next-step panel.
pub fn next_step_title(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhHant => "下一步",
        Lang::ZhHans => "下一步",
        Lang::En => "What happens next",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_tag_and_the_applicants_turns_have_a_next_step() {
        for state in 0..=18 {
            for lang in Lang::ALL {
                let tag = tag(lang, state).into_string();
                assert!(
                    tag.starts_with("<strong class=\"govuk-tag govuk-tag--"),
                    "{tag}"
                );
            }
        }
        for state in [
            S::Draft,
            S::ReturnedForCorrection,
            S::AwaitingPayment,
            S::NotApproved,
        ] {
            for lang in Lang::ALL {
                assert!(next_step(lang, state as i32).is_some(), "{state:?}");
            }
        }
        assert_eq!(
            next_step(Lang::En, S::Draft as i32)
                .and_then(|(_, action)| action)
                .map(|(a, _)| a),
            Some(Action::ContinueForm)
        );
        assert!(next_step(Lang::En, S::Withdrawn as i32).is_none());
    }
}
