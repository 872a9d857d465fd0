//! Tolerant string enums: a status the bank adds after the client was generated must not fail
//! the whole response.
//!
//! typify turns `type: string, enum: [...]` into a unit-only enum with derived serde, `Copy`, and
//! exhaustive `Display` / `FromStr`. Each such enum in `mod types` is rebuilt here with an
//! `Unknown(String)` variant that keeps the value as received, serialises back to it, and
//! round-trips through `Display` / `FromStr`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Attribute, Fields, Item, ItemEnum, Meta};

/// Rewrite every unit-only serde enum of the `types` module in place.
pub fn make_tolerant(file: &mut syn::File) {
    let Some(types) = crate::generate::types_items_mut(file) else {
        return;
    };
    let mut names = BTreeSet::new();
    let mut replacements: Vec<(usize, Vec<Item>)> = Vec::new();
    for (i, item) in types.iter().enumerate() {
        if let Item::Enum(e) = item
            && let Some(variants) = unit_variants(e)
        {
            names.insert(e.ident.to_string());
            replacements.push((i, tolerant_enum(e, &variants)));
        }
    }
    if names.is_empty() {
        return;
    }
    // Drop typify's exhaustive impls of the rewritten enums; ours replace them.
    let replaced_impls: &[&str] = &["Display", "FromStr", "TryFrom"];
    let mut out = Vec::with_capacity(types.len());
    let mut replacements = replacements.into_iter().peekable();
    for (i, item) in std::mem::take(types).into_iter().enumerate() {
        if replacements.peek().is_some_and(|(j, _)| *j == i) {
            let (_, items) = replacements.next().expect("peeked");
            out.extend(items);
            continue;
        }
        if let Item::Impl(imp) = &item {
            let self_ty = imp.self_ty.to_token_stream().to_string();
            let trait_name = crate::generate::implemented_trait(imp).map(ToString::to_string);
            if names.contains(&self_ty)
                && trait_name.is_some_and(|t| replaced_impls.contains(&t.as_str()))
            {
                continue;
            }
        }
        out.push(item);
    }
    *types = out;
    drop_copy_where_needed(types, &names);
    tolerant_members_last(types, &names);
}

/// In an untagged union (`oneOf` / `anyOf`), serde takes the first member that accepts the value.
/// A tolerant enum accepts every string, so a member after it that also takes strings would never
/// be chosen: tolerant members are moved after the others (their relative order kept), and the
/// union's docs say so.
fn tolerant_members_last(types: &mut [Item], tolerant: &BTreeSet<String>) {
    for item in types.iter_mut() {
        let Item::Enum(e) = item else { continue };
        let untagged = e.attrs.iter().any(|a| {
            a.path().is_ident("serde") && a.meta.to_token_stream().to_string().contains("untagged")
        });
        if !untagged {
            continue;
        }
        let is_tolerant = |v: &syn::Variant| match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                let ty = f.unnamed[0].ty.to_token_stream().to_string();
                let last = ty.rsplit("::").next().unwrap_or(&ty).trim().to_owned();
                tolerant.contains(&last)
            }
            _ => false,
        };
        let variants: Vec<syn::Variant> = e.variants.iter().cloned().collect();
        let first_tolerant = variants.iter().position(is_tolerant);
        let Some(first) = first_tolerant else {
            continue;
        };
        if variants[first..].iter().all(is_tolerant) {
            continue;
        }
        let (mut kept, moved): (Vec<_>, Vec<_>) =
            variants.into_iter().partition(|v| !is_tolerant(v));
        let moved_names: Vec<String> = moved.iter().map(|v| format!("`{}`", v.ident)).collect();
        kept.extend(moved);
        e.variants = kept.into_iter().collect();
        let note = format!(
            " Members holding a tolerant enum (it accepts any string) are tried last: {}.",
            moved_names.join(", ")
        );
        e.attrs.push(syn::parse_quote!(#[doc = #note]));
    }
}

/// `(variant ident, wire value)` when every variant is a unit variant of a serde-derived enum.
fn unit_variants(e: &ItemEnum) -> Option<Vec<(syn::Ident, String)>> {
    if !derives(&e.attrs).iter().any(|d| d.ends_with("Deserialize")) || e.variants.is_empty() {
        return None;
    }
    // Enums typify tags or un-tags (`#[serde(untagged)]`, `tag = ...`) are not plain strings.
    if e.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return None;
    }
    e.variants
        .iter()
        .map(|v| {
            if !matches!(v.fields, Fields::Unit) {
                return None;
            }
            let wire = serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string());
            Some((v.ident.clone(), wire))
        })
        .collect()
}

fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        if let Meta::List(list) = &a.meta {
            let text = list.tokens.to_string();
            out.extend(text.split(',').map(|s| s.replace(' ', "")));
        }
    }
    out
}

fn serde_rename(attrs: &[Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let mut rename = None;
            let _ = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let s: syn::LitStr = meta.value()?.parse()?;
                    rename = Some(s.value());
                }
                Ok(())
            });
            rename
        })
}

fn tolerant_enum(e: &ItemEnum, variants: &[(syn::Ident, String)]) -> Vec<Item> {
    let name = &e.ident;
    let vis = &e.vis;
    let docs: Vec<&Attribute> = e
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let variant_defs = e.variants.iter().map(|v| {
        let ident = &v.ident;
        let vdocs = v.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let wire = variants
            .iter()
            .find(|(i, _)| i == ident)
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        let doc = format!("`{wire}`");
        quote! { #(#vdocs)* #[doc = #doc] #ident, }
    });
    let idents: Vec<&syn::Ident> = variants.iter().map(|(i, _)| i).collect();
    let wires: Vec<&String> = variants.iter().map(|(_, w)| w).collect();
    let unknown = crate::naming::catch_all_variant(&idents);
    let kept_in =
        format!(" Values this client does not know yet are kept in `{unknown}`, as received.");
    let tokens: TokenStream = quote! {
        #(#docs)*
        ///
        #[doc = #kept_in]
        #[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        #vis enum #name {
            #(#variant_defs)*
            /// A value the spec did not list when this client was generated, kept as received.
            #unknown(::std::string::String),
        }
        impl #name {
            /// Every value the spec lists, in its order.
            pub const KNOWN: &'static [&'static str] = &[#(#wires),*];
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    Self::#unknown(value) => value.as_str(),
                }
            }
            /// Whether the value is one the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::#unknown(_))
            }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wires => Self::#idents,)*
                    other => Self::#unknown(other.to_owned()),
                }
            }
        }
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }
        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).expect("the tolerant enum template is valid Rust");
    file.items
}

/// Types that hold a rewritten enum can no longer be `Copy`.
fn drop_copy_where_needed(types: &mut [Item], tolerant: &BTreeSet<String>) {
    let mut non_copy = tolerant.clone();
    loop {
        let mut changed = false;
        for item in types.iter_mut() {
            let (ident, attrs, body) = match item {
                Item::Struct(s) => (
                    s.ident.to_string(),
                    &mut s.attrs,
                    s.fields.to_token_stream(),
                ),
                Item::Enum(e) if !tolerant.contains(&e.ident.to_string()) => {
                    let body = e
                        .variants
                        .iter()
                        .map(|v| v.fields.to_token_stream())
                        .collect::<TokenStream>();
                    (e.ident.to_string(), &mut e.attrs, body)
                }
                _ => continue,
            };
            if non_copy.contains(&ident) {
                continue;
            }
            let mentions = body.into_iter().any(|t| mentions_any(t, &non_copy));
            if mentions && remove_copy(attrs) {
                non_copy.insert(ident);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

fn mentions_any(t: proc_macro2::TokenTree, names: &BTreeSet<String>) -> bool {
    match t {
        proc_macro2::TokenTree::Ident(i) => names.contains(&i.to_string()),
        proc_macro2::TokenTree::Group(g) => g.stream().into_iter().any(|t| mentions_any(t, names)),
        _ => false,
    }
}

fn remove_copy(attrs: &mut [Attribute]) -> bool {
    let mut removed = false;
    for a in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        if let Meta::List(list) = &mut a.meta {
            let kept: Vec<String> = list
                .tokens
                .to_string()
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| s != "Copy")
                .collect();
            let before = list.tokens.to_string().split(',').count();
            if kept.len() != before {
                removed = true;
                list.tokens = kept.join(", ").parse().expect("derive list stays valid");
            }
        }
    }
    removed
}
