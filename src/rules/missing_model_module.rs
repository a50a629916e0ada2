//! AP602 missing-model-module: see `docs/rules/missing-model-module.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::rules::Schema;
use crate::tree;

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    for init in schema.inits {
        let dir = tree::parent(&init.path);
        // Only packages of models: their own name says so.
        if !tree::file_name(dir).to_lowercase().contains("model") {
            continue;
        }
        for import in &init.imports {
            let module = tree::join(dir, &format!("{}.py", import.value));
            let package = format!("{}/", tree::join(dir, &import.value));
            let exists = schema.files.binary_search(&module).is_ok() || {
                let at = schema.files.partition_point(|f| f.as_str() < package.as_str());
                schema.files.get(at).is_some_and(|f| f.starts_with(&package))
            };
            if exists {
                continue;
            }
            emit.report(
                Rule::MissingModelModule,
                &init.path,
                import.span.clone(),
                format!(
                    "`from .{} import ...` needs {module}, which does not exist",
                    import.value
                ),
            )
            .help(format!(
                "add {module} (was it left out of the commit?), or remove the import"
            ));
        }
    }
}
