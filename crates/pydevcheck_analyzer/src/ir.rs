//! The intermediate form the analysis works on.

pub(crate) struct Module {}
