//! EV: what could not be evaluated, so the gate fails closed and says why.

pub mod template_error;
pub mod unresolved_call_target;
pub mod unresolved_condition;
pub mod unresolved_grant;
pub mod unused_suppression;
