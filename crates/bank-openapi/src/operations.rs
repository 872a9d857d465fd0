//! Walking the operations of an OpenAPI document: the one place that knows which keys of a path
//! item are operations.

use serde_json::Value;

use crate::pointer::escape;

/// The keys of a path item that hold operations.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template (`/orders/{id}`).
    pub route: &'a str,
    /// The lower-case method key (`get`).
    pub method: &'a str,
    /// The Operation Object.
    pub op: &'a Value,
}

impl Operation<'_> {
    /// JSON pointer to the operation (`/paths/~1orders~1{id}/get`).
    pub fn pointer(&self) -> String {
        format!("/paths/{}/{}", escape(self.route), self.method)
    }

    /// `METHOD /path`, as errors and reports name it.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.route)
    }

    /// The `operationId`, when there is one.
    pub fn id(&self) -> Option<&str> {
        self.op.get("operationId").and_then(Value::as_str)
    }
}

/// Every operation of `doc`, in document order.
pub fn operations(doc: &Value) -> impl Iterator<Item = Operation<'_>> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(route, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, op)| Operation { route, method, op })
        })
}
