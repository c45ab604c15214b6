//! The Laissez v1 contracts: gRPC services and the events carried on the
//! `laissez.events` exchange. Generated from `proto/laissez/**.proto`.
//!
//! Naming and versioning rules (see `docs/architecture.md`):
//! - package `laissez.<service>.v1`; a breaking change creates `v2` beside `v1`;
//! - fields are never renumbered or reused; removed fields are `reserved`;
//! - event type names are `<service>.<aggregate>.<fact>` in the past tense.

#![allow(clippy::all, clippy::pedantic)]

/// Serialized `FileDescriptorSet` of every contract, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/laissez_descriptor.bin"));

pub mod common {
    pub mod v1 {
        tonic::include_proto!("laissez.common.v1");
    }
}

pub mod events {
    pub mod v1 {
        tonic::include_proto!("laissez.events.v1");

        /// Names an event message with its routing key (event type).
        pub trait EventMessage: prost::Message + prost::Name + Default {
            const EVENT_TYPE: &'static str;
        }

        macro_rules! event_types {
            ($($message:ident => $event_type:literal,)*) => {
                $(impl EventMessage for $message {
                    const EVENT_TYPE: &'static str = $event_type;
                })*
                /// Every event type of this version, for bindings and docs.
                pub const ALL_EVENT_TYPES: &[&str] = &[$($event_type),*];
            };
        }

        event_types! {
            AccountRegistered => "identity.account.registered",
            AccountActivated => "identity.account.activated",
            PasswordResetRequested => "identity.password.reset_requested",
            SmsCodeRequested => "identity.sms_code.requested",
            StaffRoleChanged => "identity.staff.role_changed",
            CaseSubmitted => "intake.case.submitted",
            CaseResubmitted => "intake.case.resubmitted",
            CaseWithdrawn => "intake.case.withdrawn",
            AppointmentBooked => "intake.appointment.booked",
            AppointmentCancelled => "intake.appointment.cancelled",
            AppointmentReminder => "intake.appointment.reminder",
            PaymentRequested => "intake.case.payment_requested",
            CaseProgressed => "intake.case.progressed",
            CaseDecided => "review.case.decided",
            OrderCreated => "payment.order.created",
            OrderPaid => "payment.order.paid",
            OrderExpired => "payment.order.expired",
            OrderRefunded => "payment.order.refunded",
            ReconciliationCompleted => "payment.reconciliation.completed",
            SlipExpiring => "payment.slip.expiring",
            SlipIssued => "payment.slip.issued",
            DocumentRendered => "render.document.rendered",
            ProbeEmitted => "platform.probe.emitted",
        }
    }
}

pub mod identity {
    pub mod v1 {
        tonic::include_proto!("laissez.identity.v1");
    }
}

pub mod intake {
    pub mod v1 {
        tonic::include_proto!("laissez.intake.v1");
    }
}

pub mod review {
    pub mod v1 {
        tonic::include_proto!("laissez.review.v1");
    }
}

pub mod payment {
    pub mod v1 {
        tonic::include_proto!("laissez.payment.v1");
    }
}

pub mod render {
    pub mod v1 {
        tonic::include_proto!("laissez.render.v1");
    }
}

pub mod notify {
    pub mod v1 {
        tonic::include_proto!("laissez.notify.v1");
    }
}
