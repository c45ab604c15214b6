//! What one event asks the service to tell, before templates are applied.

use std::collections::BTreeMap;

use laissez_catalog::format::Language;

/// Which channels an event uses; an address still has to be known for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelPlan {
    pub email: bool,
    pub sms: bool,
    pub in_app: bool,
}

impl ChannelPlan {
    pub const EMAIL_AND_IN_APP: ChannelPlan = ChannelPlan {
        email: true,
        sms: false,
        in_app: true,
    };
    pub const EMAIL_ONLY: ChannelPlan = ChannelPlan {
        email: true,
        sms: false,
        in_app: false,
    };
    pub const SMS_ONLY: ChannelPlan = ChannelPlan {
        email: false,
        sms: true,
        in_app: false,
    };
    pub const NONE: ChannelPlan = ChannelPlan {
        email: false,
        sms: false,
        in_app: false,
    };
}

/// An event turned into: who, in which language, over which channels, with
/// which template variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The account whose message centre gets the in-app message; empty: none.
    pub account_id: String,
    /// The case the message is about, linked from the message centre.
    pub case_id: String,
    /// Empty when unknown.
    pub email: String,
    /// Empty when unknown.
    pub mobile: String,
    pub language: Language,
    pub channels: ChannelPlan,
    /// Template variables of the event, `agency_name` included.
    pub values: BTreeMap<String, String>,
    /// The catalog template that words the message when it is not the
    /// event type's own (a staff invitation travels as a password-reset
    /// event but reads as an invitation).
    pub template: Option<&'static str>,
}

impl Notification {
    /// Whether the event gives no one anything to receive.
    pub fn is_silent(&self) -> bool {
        let email = self.channels.email && !self.email.is_empty();
        let sms = self.channels.sms && !self.mobile.is_empty();
        let in_app = self.channels.in_app && !self.account_id.is_empty();
        !(email || sms || in_app)
    }
}
