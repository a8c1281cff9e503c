//! medpacket turns a folder of medical records into one indexed, stamped PDF packet
//! for a second-opinion doctor.
//!
//! The work is one pipeline, one module per stage:
//! `scan -> classify -> plan -> render -> assemble -> stamp -> emit`.
//! See ARCHITECTURE.md for what each stage turns into what.

pub mod classify;
pub mod kind;
