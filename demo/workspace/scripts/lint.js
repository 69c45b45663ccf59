'use strict';
// A dependency-free lint: no `var`, no trailing whitespace. Prints file:line:col: message like eslint's unix format.
const fs = require('node:fs');
const path = require('node:path');
let problems = 0;
for (const file of fs.readdirSync('src').map((f) => path.join('src', f))) {
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    const col = line.search(/\bvar\s/);
    if (col >= 0) { problems++; console.log(`${file}:${i + 1}:${col + 1}: use const or let instead of var`); }
    if (/\s+$/.test(line)) { problems++; console.log(`${file}:${i + 1}:${line.trimEnd().length + 1}: trailing whitespace`); }
  });
}
process.exitCode = problems ? 1 : 0;
