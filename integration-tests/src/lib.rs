//! End-to-end journeys across the real services.
