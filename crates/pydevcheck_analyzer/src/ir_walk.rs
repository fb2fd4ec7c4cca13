//! Visits every call of a module, scope by scope, for rules that look at calls one at a time (the encoding
//! rules) rather than at the dataflow. Nested scopes are lowered as scopes of their own, so each call is
//! visited exactly once; the walk is as deep as the IR, which lowering already bounds.

use crate::ir::{Call, Expr, ExprKind, Module, Range, Stmt, Target};
use crate::stack;

/// Calls `f` with every call of `module` and the range of the call expression, in source order per scope.
pub(crate) fn for_each_call<'m>(module: &'m Module, f: &mut impl FnMut(&'m Call, Range)) {
    for scope in &module.scopes {
        stmts(&scope.body, f);
    }
}

fn stmts<'m>(body: &'m [Stmt], f: &mut impl FnMut(&'m Call, Range)) {
    stack::guard(|| stmts_unguarded(body, f))
}

fn stmts_unguarded<'m>(body: &'m [Stmt], f: &mut impl FnMut(&'m Call, Range)) {
    for stmt in body {
        match stmt {
            Stmt::Expr(e) => expr(e, f),
            Stmt::Assign { targets, value, .. } => {
                expr(value, f);
                targets.iter().for_each(|t| target(t, f));
            }
            Stmt::Return { value, .. } => value.iter().for_each(|e| expr(e, f)),
            Stmt::If { test, body, orelse } | Stmt::While { test, body, orelse } => {
                expr(test, f);
                stmts(body, f);
                stmts(orelse, f);
            }
            Stmt::For(for_) => {
                expr(&for_.iter, f);
                target(&for_.target, f);
                stmts(&for_.body, f);
                stmts(&for_.orelse, f);
            }
            Stmt::Try { body, handlers, orelse, finalbody } => {
                stmts(body, f);
                for handler in handlers {
                    handler.type_.iter().for_each(|e| expr(e, f));
                    stmts(&handler.body, f);
                }
                stmts(orelse, f);
                stmts(finalbody, f);
            }
            Stmt::With { items, body, .. } => {
                for item in items {
                    expr(&item.context, f);
                    item.target.iter().for_each(|t| target(t, f));
                }
                stmts(body, f);
            }
            Stmt::Raise { exc, cause, .. } => exc.iter().chain(cause).for_each(|e| expr(e, f)),
            Stmt::Assert { test, msg, .. } => std::iter::once(test).chain(msg).for_each(|e| expr(e, f)),
            Stmt::Delete { targets, .. } => targets.iter().for_each(|t| target(t, f)),
            Stmt::Def { exprs, .. } => exprs.iter().for_each(|e| expr(e, f)),
            Stmt::Match { subject, cases } => {
                expr(subject, f);
                for case in cases {
                    case.guard.iter().for_each(|e| expr(e, f));
                    stmts(&case.body, f);
                }
            }
            Stmt::Break | Stmt::Continue => {}
        }
    }
}

fn target<'m>(t: &'m Target, f: &mut impl FnMut(&'m Call, Range)) {
    match t {
        Target::Var(_) => {}
        Target::Attr(attr) => expr(&attr.value, f),
        Target::Store(exprs) => exprs.iter().for_each(|e| expr(e, f)),
        Target::Unpack(targets) => targets.iter().for_each(|t| target(t, f)),
        Target::Starred(inner) => target(inner, f),
    }
}

fn expr<'m>(e: &'m Expr, f: &mut impl FnMut(&'m Call, Range)) {
    stack::guard(|| expr_unguarded(e, f))
}

fn expr_unguarded<'m>(e: &'m Expr, f: &mut impl FnMut(&'m Call, Range)) {
    match &e.kind {
        ExprKind::Call(call) => f(call, e.range),
        // A comprehension's targets may hold expressions too (`[... for x.attr in xs]`).
        ExprKind::Comprehension(c) => c.generators.iter().for_each(|g| target(&g.target, f)),
        _ => {}
    }
    children(e, &mut |child| expr(child, f));
}

/// Calls `f` on each direct sub-expression (comprehension targets aside): the one expression walker that
/// the rules and the summaries share.
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
