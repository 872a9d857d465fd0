//! Large union members boxed: a generated type stays small enough for a thread's stack.
//!
//! typify holds every member of a `oneOf` / `anyOf` union by value and boxes only what a cycle
//! forces. Documents whose objects expand into other objects (Stripe's `customer` is an id or a
//! whole `Customer`, which holds its sources, which hold their customer, …) then give types of
//! megabytes: a debug build deserialising one overflows any thread's stack. As clippy's
//! `large_enum_variant` advises, a union member larger than [`LARGE`] bytes is held in a `Box`;
//! the member's docs say so, typify's `From` impl keeps taking the member by value, and the
//! choice is returned so that it is recorded and printed, never silent.
//!
//! Sizes are estimated from the generated code (the generator cannot ask the compiler): standard
//! and common library types by their size on a 64-bit target, anything else by [`UNKNOWN`].

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::{Fields, Item, Type};

/// A union member whose estimated size (after its own large members are boxed) exceeds this is
/// boxed. 1 KiB keeps every union small whatever the document nests, while the unions of a
/// typical bank document (a few strings, numbers and small objects) stay as typify wrote them.
pub const LARGE: usize = 1024;

/// Estimated size of a type this module does not know (a library type it has no entry for).
pub const UNKNOWN: usize = 32;

/// One boxed union member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boxed {
    /// The union (`types::AlipayAccountCustomer`).
    pub union: String,
    /// The member's variant (`Customer`).
    pub variant: String,
    /// The estimated size of the member by value, in bytes.
    pub size: usize,
}

/// Box every member larger than [`LARGE`] of the enums of the `types` module; what was boxed,
/// in the order of the file.
pub fn box_large_members(file: &mut syn::File) -> Vec<Boxed> {
    let Some(types) = crate::generate::types_items_mut(file) else {
        return Vec::new();
    };
    let mut sizes = Sizes::new(types);
    let mut boxed = Vec::new();
    for item in types.iter() {
        let Item::Enum(e) = item else { continue };
        for v in &e.variants {
            if let Some(size) = sizes.of_member(&v.fields)
                && size > LARGE
            {
                boxed.push(Boxed {
                    union: e.ident.to_string(),
                    variant: v.ident.to_string(),
                    size,
                });
            }
        }
    }
    let mut by_union: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for b in &boxed {
        by_union
            .entry(b.union.clone())
            .or_default()
            .insert(b.variant.clone(), b.size);
    }
    for item in types.iter_mut() {
        match item {
            Item::Enum(e) => {
                if let Some(members) = by_union.get(&e.ident.to_string()) {
                    box_variants(e, members);
                }
            }
            Item::Impl(imp) => {
                if let Some(members) = by_union.get(&imp.self_ty.to_token_stream().to_string()) {
                    box_in_from_impl(imp, members);
                }
            }
            _ => {}
        }
    }
    boxed
}

/// The named members (variant → size) of `e` in a `Box`, each with a doc line saying why.
fn box_variants(e: &mut syn::ItemEnum, members: &BTreeMap<String, usize>) {
    for v in e.variants.iter_mut() {
        let Some(size) = members.get(&v.ident.to_string()) else {
            continue;
        };
        if let Fields::Unnamed(f) = &mut v.fields {
            let field = &mut f.unnamed[0];
            let ty = &field.ty;
            field.ty = syn::parse_quote!(::std::boxed::Box<#ty>);
        }
        let note = format!(" Boxed: {}.", reason(*size));
        v.attrs.push(syn::parse_quote!(#[doc = #note]));
    }
}

/// typify's `impl From<Member> for Union { fn from(value) { Self::Variant(value) } }` keeps its
/// signature when `Variant` is among the boxed `members`; the body boxes.
fn box_in_from_impl(imp: &mut syn::ItemImpl, members: &BTreeMap<String, usize>) {
    if crate::generate::implemented_trait(imp).is_none_or(|t| t != "From") {
        return;
    }
    for impl_item in imp.items.iter_mut() {
        let syn::ImplItem::Fn(f) = impl_item else {
            continue;
        };
        let Some(syn::Stmt::Expr(syn::Expr::Call(call), None)) = f.block.stmts.last_mut() else {
            continue;
        };
        let syn::Expr::Path(callee) = &*call.func else {
            continue;
        };
        let segments = &callee.path.segments;
        if segments.len() == 2
            && segments[0].ident == "Self"
            && members.contains_key(&segments[1].ident.to_string())
            && call.args.len() == 1
        {
            let arg = &call.args[0];
            call.args[0] = syn::parse_quote!(::std::boxed::Box::new(#arg));
        }
    }
}

/// Why a member of `size` bytes is boxed, for its docs and the recorded choice.
pub fn reason(size: usize) -> String {
    format!(
        "about {} by value (estimated), over the {} a union member holds inline",
        human(size),
        human(LARGE)
    )
}

/// `1.5 KiB`, `2.3 MiB`, `640 B`.
pub fn human(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// The only field of a tuple variant.
fn single_payload(fields: &Fields) -> Option<&Type> {
    match fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
        _ => None,
    }
}

/// The name of a type of the `types` module a path names (`Customer`, `super::Customer`,
/// `types::Customer`).
fn local_name<'a>(ty: &'a Type, items: &BTreeMap<String, &Item>) -> Option<&'a syn::Ident> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() || p.path.leading_colon.is_some() {
        return None;
    }
    let segments: Vec<_> = p.path.segments.iter().collect();
    let last = segments.last()?;
    let prefix_ok = segments[..segments.len() - 1]
        .iter()
        .all(|s| s.ident == "super" || s.ident == "types" || s.ident == "self");
    (prefix_ok && last.arguments.is_empty() && items.contains_key(&last.ident.to_string()))
        .then_some(&last.ident)
}

/// Estimated sizes of the `types` module's types, memoised.
struct Sizes<'a> {
    items: BTreeMap<String, &'a Item>,
    known: BTreeMap<String, usize>,
    visiting: BTreeSet<String>,
}

impl<'a> Sizes<'a> {
    fn new(types: &'a [Item]) -> Self {
        let items = types
            .iter()
            .filter_map(|item| Some((crate::generate::declared_name(item)?.to_string(), item)))
            .collect();
        Sizes {
            items,
            known: BTreeMap::new(),
            visiting: BTreeSet::new(),
        }
    }

    /// The size of a named type of the module, its large union members counted as boxes.
    fn of_item(&mut self, name: &str) -> usize {
        if let Some(size) = self.known.get(name) {
            return *size;
        }
        let Some(item) = self.items.get(name).copied() else {
            return UNKNOWN;
        };
        // A cycle typify did not box cannot exist (it would not compile); meeting one here means
        // the path goes through a box this estimate does not see, so count a pointer.
        if !self.visiting.insert(name.to_owned()) {
            return 8;
        }
        let size = match item {
            Item::Struct(s) => self.of_fields(&s.fields),
            Item::Enum(e) => {
                let largest = e
                    .variants
                    .iter()
                    .map(|v| match self.of_member(&v.fields) {
                        Some(size) if size > LARGE => 8,
                        Some(size) => size,
                        None => self.of_fields(&v.fields),
                    })
                    .max()
                    .unwrap_or(0);
                largest + 8
            }
            Item::Type(t) => self.of_type(&t.ty),
            _ => UNKNOWN,
        };
        self.visiting.remove(name);
        self.known.insert(name.to_owned(), size);
        size
    }

    /// The size of a variant's member when it is one type of the module (what may be boxed).
    fn of_member(&mut self, fields: &Fields) -> Option<usize> {
        let ty = single_payload(fields)?;
        local_name(ty, &self.items)?;
        Some(self.of_type(ty))
    }

    fn of_fields(&mut self, fields: &Fields) -> usize {
        fields.iter().map(|f| self.of_type(&f.ty)).sum()
    }

    fn of_type(&mut self, ty: &Type) -> usize {
        if let Some(name) = local_name(ty, &self.items) {
            return self.of_item(&name.to_string());
        }
        match ty {
            Type::Path(p) => {
                let Some(last) = p.path.segments.last() else {
                    return UNKNOWN;
                };
                let args: Vec<&Type> = match &last.arguments {
                    syn::PathArguments::AngleBracketed(a) => a
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            syn::GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                match last.ident.to_string().as_str() {
                    "Option" => args.first().map_or(UNKNOWN, |t| self.of_type(t)) + 8,
                    "Box" | "Arc" | "Rc" => 8,
                    "String" | "Vec" | "VecDeque" => 24,
                    "HashMap" | "HashSet" => 48,
                    "BTreeMap" | "BTreeSet" | "Map" => 24,
                    "Value" => 32,
                    "bool" | "u8" | "i8" => 1,
                    "u16" | "i16" => 2,
                    "u32" | "i32" | "f32" | "char" => 4,
                    "u64" | "i64" | "f64" | "usize" | "isize" => 8,
                    "u128" | "i128" | "Uuid" => 16,
                    "NaiveDate" => 4,
                    "DateTime" | "NaiveDateTime" => 12,
                    name if name.starts_with("NonZero") => 8,
                    _ => UNKNOWN,
                }
            }
            Type::Tuple(t) => t.elems.iter().map(|t| self.of_type(t)).sum(),
            Type::Array(a) => {
                let len = match &a.len {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(n),
                        ..
                    }) => n.base10_parse::<usize>().unwrap_or(1),
                    _ => 1,
                };
                self.of_type(&a.elem) * len
            }
            Type::Reference(_) | Type::Ptr(_) => 8,
            _ => UNKNOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn file_of(types: proc_macro2::TokenStream) -> syn::File {
        syn::parse2(quote! { pub mod types { #types } }).expect("test code parses")
    }

    /// A struct of `n` `String` fields: `24 * n` bytes.
    fn strings(name: &str, n: usize) -> proc_macro2::TokenStream {
        let name = quote::format_ident!("{name}");
        let fields = (0..n).map(|i| quote::format_ident!("f{i}"));
        quote! { pub struct #name { #(pub #fields: ::std::string::String,)* } }
    }

    #[test]
    fn a_member_over_the_limit_is_boxed_and_its_from_impl_boxes() {
        let big = strings("Customer", 50); // 1200 B
        let small = strings("Deleted", 2);
        let mut file = file_of(quote! {
            #big
            #small
            #[serde(untagged)]
            pub enum Expandable {
                Id(::std::string::String),
                Customer(Customer),
                Deleted(Deleted),
            }
            impl ::std::convert::From<Customer> for Expandable {
                fn from(value: Customer) -> Self {
                    Self::Customer(value)
                }
            }
            impl ::std::convert::From<Deleted> for Expandable {
                fn from(value: Deleted) -> Self {
                    Self::Deleted(value)
                }
            }
        });
        let boxed = box_large_members(&mut file);
        assert_eq!(
            boxed,
            vec![Boxed {
                union: "Expandable".into(),
                variant: "Customer".into(),
                size: 1200
            }]
        );
        let code = file.to_token_stream().to_string();
        assert!(
            code.contains("Customer (:: std :: boxed :: Box < Customer >)"),
            "{code}"
        );
        assert!(
            code.contains("Self :: Customer (:: std :: boxed :: Box :: new (value))"),
            "{code}"
        );
        assert!(code.contains("Deleted (Deleted)"), "small stays: {code}");
        assert!(code.contains("Self :: Deleted (value)"), "{code}");
        assert!(
            code.contains("Boxed: about 1.2 KiB by value (estimated), over the 1.0 KiB"),
            "{code}"
        );
    }

    #[test]
    fn sizes_count_inner_unions_after_their_own_members_are_boxed() {
        // Outer holds Inner by value; Inner's large member is boxed, so Inner is small and Outer
        // is not boxed in Top.
        let big = strings("Big", 100);
        let mut file = file_of(quote! {
            #big
            pub enum Inner { Id(::std::string::String), Big(Big) }
            pub struct Outer { pub inner: ::std::option::Option<Inner>, pub n: i64 }
            pub enum Top { Id(::std::string::String), Outer(Outer) }
        });
        let boxed = box_large_members(&mut file);
        assert_eq!(boxed.len(), 1, "{boxed:?}");
        assert_eq!(boxed[0].union, "Inner");
        let code = file.to_token_stream().to_string();
        assert!(code.contains("Outer (Outer)"), "{code}");
    }

    #[test]
    fn members_below_the_limit_and_library_types_are_left_alone() {
        let small = strings("Small", 10);
        let mut file = file_of(quote! {
            #small
            pub enum Either {
                Small(Small),
                Map(::serde_json::Map<::std::string::String, ::serde_json::Value>),
                Many(::std::vec::Vec<Small>),
            }
        });
        let before = file.to_token_stream().to_string();
        assert!(box_large_members(&mut file).is_empty());
        assert_eq!(file.to_token_stream().to_string(), before);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(640), "640 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(2_431_560), "2.3 MiB");
    }
}
