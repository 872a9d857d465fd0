//! Post-processing of typify's output.

/// Make plain string enums tolerant (placeholder until the shape of typify's output is known).
pub fn make_tolerant(_file: &mut syn::File) {}
