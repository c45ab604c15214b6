use super::{LocalizedText, Weekday};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `calendar.yaml`: which days are working days and what closures do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// The jurisdiction whose shared public holidays the agency keeps
    /// (`_jurisdictions/<code>.yaml` beside the agency folders); its own
    /// `holidays` and `extra_working_days` extend them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    pub weekends: Vec<Weekday>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    /// Weekend days that are working days (mainland and Taiwan make-up days).
    #[serde(default)]
    pub extra_working_days: Vec<Holiday>,
    #[serde(default)]
    pub closures: Vec<Closure>,
    #[serde(default)]
    pub note: Option<LocalizedText>,
}

/// `_jurisdictions/<code>.yaml`: the public holidays of one jurisdiction,
/// shared by every agency in it, so two agencies cannot disagree about the
/// same holiday by accident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionCalendar {
    pub name: LocalizedText,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    /// Weekend days that are working days across the jurisdiction.
    #[serde(default)]
    pub extra_working_days: Vec<Holiday>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: LocalizedText,
}

/// An unplanned closure, e.g. typhoon signal No. 8.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    pub date: NaiveDate,
    pub reason: LocalizedText,
    pub effect: ClosureEffect,
    /// Centres closed; empty means every centre of the agency.
    #[serde(default)]
    pub centres: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureEffect {
    /// Appointments move to the next working day, same time slot, no rebooking.
    MoveToNextWorkingDaySameSlot,
    /// Appointments are cancelled; the applicant books again.
    CancelAndRebook,
}
