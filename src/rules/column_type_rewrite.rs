//! AP805 column-type-rewrite: see `docs/rules/column-type-rewrite.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::ops::OpKind;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(safety), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    for op in &upgrade.function.ops {
        let OpKind::AlterColumn {
            table,
            column,
            type_: Some(new),
            existing_type,
            ..
        } = &op.kind
        else {
            continue;
        };
        let table = table.value.as_str();
        if !safety.judges(upgrade, op, table) {
            continue;
        }
        // Types written over several lines, shown on one.
        let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let new = one_line(new);
        let existing_type = existing_type.as_deref().map(one_line);
        let why = match existing_type.as_deref() {
            Some(old) if binary_compatible(old, &new) => continue,
            Some(old) => format!("from `{old}` to `{new}`"),
            None => format!("to `{new}` (without `existing_type`, whether the cast is free cannot be told)"),
        };
        emit.report(
            Rule::ColumnTypeRewrite,
            &ctx.file.path,
            op.span.clone(),
            format!(
                "`upgrade()` changes the type of `{table}.{}` {why}: PostgreSQL rewrites `{table}` and its indexes under an exclusive lock, which blocks reads and writes until it is done",
                column.value
            ),
        )
        .help(
            "add a column of the new type, fill it, move the code to it, then drop the old one; only `VARCHAR(n)` \
             to a larger `n`, to `VARCHAR` or to `TEXT`, and `NUMERIC(p, s)` to a larger `p` with the same `s`, is free",
        );
    }
}

/// A type as written, without its module (`sa.`, `postgresql.`), in
/// lower case, with its numeric arguments: `("string", [20])` of
/// `sa.String(length=20)`, `("numeric", [11, 2])` of `NUMERIC(11, 2)`.
fn parse(text: &str) -> (String, Vec<u64>) {
    let head = text.split('(').next().unwrap_or(text).trim();
    let name = head.rsplit('.').next().unwrap_or(head).to_ascii_lowercase();
    let args = text.split_once('(').map_or("", |(_, rest)| rest.trim_end_matches(')'));
    let numbers = args
        .split(',')
        .map(|a| {
            a.trim()
                .trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '=')
                .trim()
        })
        .filter_map(|a| a.parse::<u64>().ok())
        .collect();
    (name, numbers)
}

/// A cast PostgreSQL makes without touching a row: a variable-length text
/// type to a longer one or to unbounded text (`TEXT`, or `VARCHAR` without
/// a length), and a `NUMERIC` to a larger precision with the same scale,
/// or to an unbounded `NUMERIC`. Names are SQLAlchemy's or SQL's.
pub(crate) fn binary_compatible(old: &str, new: &str) -> bool {
    let (old_name, old_args) = parse(old);
    let (new_name, new_args) = parse(new);
    let varchar = |name: &str| {
        matches!(
            name,
            "string" | "unicode" | "varchar" | "nvarchar" | "character varying"
        )
    };
    let text = |name: &str| matches!(name, "text" | "unicodetext");
    let numeric = |name: &str| matches!(name, "numeric" | "decimal");
    if numeric(&old_name) && numeric(&new_name) {
        return match (old_args.as_slice(), new_args.as_slice()) {
            (_, []) => true,
            ([], _) => false,
            ([p, rest @ ..], [q, rest2 @ ..]) => q >= p && rest.first().unwrap_or(&0) == rest2.first().unwrap_or(&0),
        };
    }
    if !(varchar(&old_name) || text(&old_name)) {
        return false;
    }
    if text(&new_name) {
        return true;
    }
    // Unbounded `VARCHAR` is `TEXT` by another name, both ways.
    varchar(&new_name)
        && match (old_args.first(), new_args.first()) {
            (_, None) => true,
            (Some(old), Some(new)) => !text(&old_name) && new >= old,
            (None, Some(_)) => false,
        }
}

#[cfg(test)]
mod tests {
    use super::binary_compatible;

    #[test]
    fn free_casts_are_only_widening_text() {
        assert!(binary_compatible("sa.String(length=20)", "sa.String(length=255)"));
        assert!(binary_compatible("sa.VARCHAR(20)", "sa.Text()"));
        assert!(binary_compatible("sa.String(20)", "sa.String()"));
        assert!(!binary_compatible("sa.String(255)", "sa.String(20)"));
        assert!(!binary_compatible("sa.Integer()", "sa.BigInteger()"));
        assert!(!binary_compatible("sa.Text()", "sa.String(20)"));
        assert!(binary_compatible("sa.TEXT()", "sa.String()"));
        assert!(!binary_compatible("sa.String()", "sa.String(20)"));
        assert!(binary_compatible("sa.Numeric(8, 2)", "sa.Numeric(11, 2)"));
        assert!(binary_compatible("numeric(8,2)", "NUMERIC"));
        assert!(!binary_compatible("sa.Numeric(8, 2)", "sa.Numeric(11, 3)"));
        assert!(!binary_compatible("sa.Numeric(11, 2)", "sa.Numeric(8, 2)"));
        assert!(binary_compatible("character varying(20)", "text"));
    }
}
