//! One error everywhere for body builders: typify's builders say `no value supplied for amount`
//! without naming the type, and their `ConversionError` is no `BankError`. This pass names the
//! type in each message (`Good.amount: no value supplied`, `Good.amount: <why>`) and, when the
//! crate has typify's `types::error::ConversionError`, adds `From<ConversionError> for BankError`
//! (kind `InvalidRequest`, labelled with the API), so a nested builder finished with
//! `.try_into()?` in a function returning `Result<_, BankError>` gives the one error type.

use quote::quote;
use syn::visit_mut::VisitMut;

/// Rewrite the builders' messages in `types::builder` and add the `From` conversion.
pub fn name_types_in_builder_errors(file: &mut syn::File) {
    let mut conversion_error = false;
    for item in &mut file.items {
        let syn::Item::Mod(types) = item else {
            continue;
        };
        if types.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut types.content else {
            continue;
        };
        for item in items.iter_mut() {
            let syn::Item::Mod(inner) = item else {
                continue;
            };
            if inner.ident == "error" {
                conversion_error |= inner.content.as_ref().is_some_and(|(_, items)| {
                    items
                        .iter()
                        .any(|i| matches!(i, syn::Item::Struct(s) if s.ident == "ConversionError"))
                });
            }
            if inner.ident != "builder" {
                continue;
            }
            let Some((_, builders)) = &mut inner.content else {
                continue;
            };
            for builder in builders.iter_mut() {
                let syn::Item::Impl(block) = builder else {
                    continue;
                };
                let syn::Type::Path(ty) = &*block.self_ty else {
                    continue;
                };
                let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                Messages { ty: &name }.visit_item_impl_mut(block);
            }
        }
    }
    if conversion_error {
        file.items.push(syn::parse_quote! {
            /// A body builder that cannot become its type (a required field not given, a value the
            /// document forbids) is the one error of every call: [`ErrorKind::InvalidRequest`]
            /// (::bank_runtime::ErrorKind::InvalidRequest), naming the type and the field.
            impl ::std::convert::From<types::error::ConversionError> for ::bank_runtime::BankError {
                fn from(error: types::error::ConversionError) -> Self {
                    ::bank_runtime::BankError::new(
                        SPEC.name,
                        ::bank_runtime::ErrorKind::InvalidRequest,
                        error.to_string(),
                    )
                }
            }
        });
    }
}

/// Rewrites the message literals of one builder type's impl.
struct Messages<'a> {
    ty: &'a str,
}

impl VisitMut for Messages<'_> {
    fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
        let text = lit.value();
        let fixed = if let Some(field) = text.strip_prefix("no value supplied for ") {
            format!("{}.{field}: no value supplied", self.ty)
        } else if let Some(rest) = text.strip_prefix("error converting supplied value for ") {
            // `{field}: {e}` (a format string).
            format!("{}.{rest}", self.ty)
        } else {
            return;
        };
        *lit = syn::LitStr::new(&fixed, lit.span());
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        // `format!("error converting supplied value for x: {e}")`: the literal is the first token.
        if !mac.path.is_ident("format") {
            return;
        }
        let Ok(mut args) = mac.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) else {
            return;
        };
        let mut changed = false;
        if let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(first),
            ..
        })) = args.first_mut()
        {
            let before = first.value();
            self.visit_lit_str_mut(first);
            changed = first.value() != before;
        }
        if changed {
            mac.tokens = quote! { #args };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_messages_name_their_type_and_the_conversion_becomes_a_bank_error() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub mod error {
                    pub struct ConversionError(String);
                }
                pub mod builder {
                    pub struct Good { amount: Result<u32, String> }
                    impl Default for Good {
                        fn default() -> Self {
                            Self { amount: Err("no value supplied for amount".to_string()) }
                        }
                    }
                    impl Good {
                        pub fn amount<T>(mut self, value: T) -> Self {
                            self.amount = value.try_into().map_err(|e| {
                                format!("error converting supplied value for amount: {e}")
                            });
                            self
                        }
                    }
                }
            }
        };
        name_types_in_builder_errors(&mut file);
        let text = quote!(#file).to_string();
        assert!(
            text.contains("\"Good.amount: no value supplied\""),
            "{text}"
        );
        assert!(text.contains("\"Good.amount: {e}\""), "{text}");
        assert!(!text.contains("no value supplied for"), "{text}");
        assert!(
            text.contains(
                "From < types :: error :: ConversionError > for :: bank_runtime :: BankError"
            ),
            "{text}"
        );
    }
}
