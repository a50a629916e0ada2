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
             to a larger `n`, to `VARCHAR` or to `TEXT` is free",
        );
    }
}

/// A type as written, without its module (`sa.`, `postgresql.`) and with
/// its length when it has one: `("String", Some(20))` of `sa.String(length=20)`.
fn parse(text: &str) -> (String, Option<u64>) {
    let head = text.split('(').next().unwrap_or(text).trim();
    let name = head.rsplit('.').next().unwrap_or(head).to_owned();
    let args = text.split_once('(').map_or("", |(_, rest)| rest.trim_end_matches(')'));
    let length = args
        .split(',')
        .map(|a| a.trim().trim_start_matches("length").trim_start_matches('=').trim())
        .find_map(|a| a.parse::<u64>().ok());
    (name, length)
}

/// A cast PostgreSQL makes without touching a row: a variable-length text
/// type to a longer one or to unbounded text (`TEXT`, or `VARCHAR` without
/// a length).
fn binary_compatible(old: &str, new: &str) -> bool {
    let (old_name, old_length) = parse(old);
    let (new_name, new_length) = parse(new);
    let varchar = |name: &str| matches!(name, "String" | "Unicode" | "VARCHAR" | "NVARCHAR");
    let text = |name: &str| matches!(name, "Text" | "UnicodeText" | "TEXT");
    if !(varchar(&old_name) || text(&old_name)) {
        return false;
    }
    if text(&new_name) {
        return true;
    }
    // Unbounded `VARCHAR` is `TEXT` by another name, both ways.
    varchar(&new_name)
        && match (old_length, new_length) {
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
    }
}
