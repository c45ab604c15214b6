//! The one thing a journey cannot wait for from outside: a later day.
//!
//! The counter records an appointment's attendance only on the booked day,
//! and a booking is always for a day to come. A journey that goes on past
//! its appointment therefore *brings* the day: the booked slot's date is set
//! to today in the agency's zone, in intake's database, as intake's own
//! tests do. Everything before and after it goes through the public API.

use anyhow::{Context, Result};
use sqlx::Connection;

use crate::platform::{Platform, Service};

/// A run's calendar: reaches intake's database for this one step.
#[derive(Debug, Clone)]
pub struct Calendar {
    intake_database: String,
}

impl Calendar {
    pub fn of(platform: &Platform) -> Calendar {
        Calendar {
            intake_database: platform.database_url(Service::Intake),
        }
    }

    /// The day of the slot of `centre` at `starts_at` (RFC 3339) comes: its
    /// date becomes today in `zone` (the agency's IANA zone). Fails when no
    /// such slot exists.
    pub async fn bring_day(
        &self,
        agency: &str,
        centre: &str,
        starts_at: &str,
        zone: &str,
    ) -> Result<()> {
        let mut connection = sqlx::PgConnection::connect(&self.intake_database)
            .await
            .context("connecting to intake's database")?;
        let moved = sqlx::query(
            "UPDATE appointment_slots SET day = (now() AT TIME ZONE $4)::date
              WHERE agency = $1 AND centre = $2 AND starts_at = $3::timestamptz",
        )
        .bind(agency)
        .bind(centre)
        .bind(starts_at)
        .bind(zone)
        .execute(&mut connection)
        .await
        .context("moving the slot's date")?;
        anyhow::ensure!(
            moved.rows_affected() == 1,
            "no slot of {agency}/{centre} at {starts_at}"
        );
        Ok(())
    }
}
