//! The direct sub-expressions of an `ir` expression, for the summaries' scans. The codec rules need no walk
//! of their own: lowering collects the calls they judge (`Module::codec_calls`).

use crate::ir::{Expr, ExprKind};

/// Calls `f` on each direct sub-expression (comprehension targets aside).
pub(crate) fn children<'e>(expr: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    match &expr.kind {
        ExprKind::Attr(attr) => f(&attr.value),
        ExprKind::Await(value) | ExprKind::Not(value) | ExprKind::Starred(value) => f(value),
        ExprKind::Yield(Some(value)) => f(value),
        ExprKind::Named { value, .. } => f(value),
        ExprKind::Call(call) => {
            f(&call.func);
            call.args.iter().for_each(&mut *f);
            call.keywords.iter().for_each(|k| f(&k.value));
        }
        ExprKind::Tuple(items) | ExprKind::Container(items) | ExprKind::Other(items) => items.iter().for_each(&mut *f),
        ExprKind::BoolOp { values, .. } => values.iter().for_each(&mut *f),
        ExprKind::Compare { left, right, .. } => {
            f(left);
            f(right);
        }
        ExprKind::IfExp(parts) => parts.iter().for_each(&mut *f),
        ExprKind::Subscript { value, index } => {
            f(value);
            f(index);
        }
        ExprKind::Comprehension(c) => {
            for g in &c.generators {
                f(&g.iter);
                g.ifs.iter().for_each(&mut *f);
            }
            c.elements.iter().for_each(&mut *f);
        }
        ExprKind::Var(_)
        | ExprKind::Str(_)
        | ExprKind::LongStr
        | ExprKind::None
        | ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Yield(None)
        | ExprKind::Lambda(_) => {}
    }
}
