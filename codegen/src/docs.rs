//! Doc comments taken from a bank's document are prose, not Rust: a Markdown code block in a
//! description (a `curl` call, a URL, JSON) would otherwise become a doctest of the generated
//! crate, and fail. Fences without a language, or marked Rust, are marked `text`. Every doc
//! string's text is also made safe to print as a comment ([`crate::escape::doc_text`]: no bare
//! CR, control or bidirectional character, line breaks as `\n`), whoever wrote it (progenitor,
//! typify, this generator). progenitor's method examples show `.bank()` rather than `.send()`.

use syn::visit_mut::VisitMut;

/// Mark every code block of the file's doc comments that rustdoc would run as `text`, and make
/// every doc string's text safe to print as a comment.
pub fn fence_code_blocks(file: &mut syn::File) {
    Fences { inside: false }.visit_file_mut(file);
}

struct Fences {
    /// Inside a fenced block (a fence may open in one `#[doc]` line and close in a later one).
    inside: bool,
}

impl VisitMut for Fences {
    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        if !attr.path().is_ident("doc") {
            return;
        }
        let syn::Meta::NameValue(nv) = &mut attr.meta else {
            return;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &nv.value
        else {
            return;
        };
        let original = text.value();
        let fixed = self.fix(&crate::escape::doc_text(&teach_bank(&original)));
        if fixed != original {
            let fixed = crate::escape::str_lit(&fixed);
            nv.value = syn::parse_quote!(#fixed);
        }
    }
}

/// progenitor's example of a client method ends in `.send().await`: the path without the refusal
/// check, whose error is progenitor's. The example a user copies shows the call path every bank
/// shares instead: `.bank().await?` (one `BankError`, its outcome said).
fn teach_bank(text: &str) -> std::borrow::Cow<'_, str> {
    const SEND: &str = "\n    .send()\n    .await;\n```";
    if text.contains("```ignore\nlet response = client.") && text.contains(SEND) {
        text.replace(SEND, "\n    .bank()\n    .await?;\n```")
            .into()
    } else {
        text.into()
    }
}

impl Fences {
    fn fix(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 8);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let trimmed = line.trim_start();
            let fence = if trimmed.starts_with("```") {
                "```"
            } else if trimmed.starts_with("~~~") {
                "~~~"
            } else {
                out.push_str(line);
                continue;
            };
            if self.inside {
                self.inside = false;
                out.push_str(line);
                continue;
            }
            self.inside = true;
            let info = trimmed
                .trim_start_matches(fence.chars().next().unwrap_or('`'))
                .trim();
            let runs = info.is_empty()
                || info.split([',', ' ']).any(|w| {
                    matches!(
                        w,
                        "rust"
                            | "should_panic"
                            | "no_run"
                            | "edition2018"
                            | "edition2021"
                            | "edition2024"
                    )
                });
            if runs {
                let indent = &line[..line.len() - trimmed.len()];
                out.push_str(&format!("{indent}{fence}text"));
            } else {
                out.push_str(line);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_examples_call_bank_not_send() {
        let progenitor = "Sends a `POST` request to `/x`\n\n```ignore\nlet response = client.create_order()\n    .body(body)\n    .send()\n    .await;\n```";
        assert_eq!(
            teach_bank(progenitor),
            "Sends a `POST` request to `/x`\n\n```ignore\nlet response = client.create_order()\n    .body(body)\n    .bank()\n    .await?;\n```"
        );
        // Anyone else's `.send()` is left as written.
        let prose = "```text\nclient.send()\n```";
        assert_eq!(teach_bank(prose), prose);
    }

    #[test]
    fn code_blocks_rustdoc_would_run_become_text() {
        let mut fences = Fences { inside: false };
        assert_eq!(
            fences.fix("Call:\n```\ncurl -H x\n```\nand\n```json\n{}\n```\n  ```rust\nx\n  ```"),
            "Call:\n```text\ncurl -H x\n```\nand\n```json\n{}\n```\n  ```text\nx\n  ```"
        );
        assert!(!fences.inside);
        // A block opened in one `#[doc]` line and closed in another.
        assert_eq!(fences.fix("```"), "```text");
        assert_eq!(fences.fix("```"), "```");
    }
}
