//! Sibling imports of a package's `__init__.py`: `from .user import User`
//! and `from . import user, order`, with the span of each module name.

use super::literal::Item;
use super::{Kind, Scan};

pub fn sibling_imports(scan: &Scan<'_>) -> Vec<Item> {
    let mut out = Vec::new();
    for line in &scan.lines {
        let tokens = scan.line_tokens(line);
        if tokens.len() < 4 || !scan.is(tokens[0], "from") || !scan.is(tokens[1], ".") {
            continue;
        }
        if scan.is(tokens[2], "import") {
            // `from . import a, b as c`
            let mut i = 3;
            while i < tokens.len() {
                let t = tokens[i];
                if t.kind == Kind::Name && (i == 3 || scan.is(tokens[i - 1], ",") || scan.is(tokens[i - 1], "(")) {
                    out.push(Item {
                        value: scan.str(t).into(),
                        span: t.span(),
                    });
                }
                i += 1;
            }
        } else if tokens[2].kind == Kind::Name && !scan.is(tokens[2], "import") {
            out.push(Item {
                value: scan.str(tokens[2]).into(),
                span: tokens[2].span(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let text = "from .user import User\nfrom . import order, invoice as inv\nfrom .. import parent\nfrom app.models import x\nfrom .billing.plan import Plan\n";
        let names: Vec<String> = sibling_imports(&Scan::new(text))
            .into_iter()
            .map(|i| i.value.to_string())
            .collect();
        assert_eq!(names, ["user", "order", "invoice", "billing"]);
    }
}
