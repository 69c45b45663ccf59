'use strict';
// "Builds" by copying src/ to dist/, enough for the Dockerfile.
const fs = require('node:fs');
fs.rmSync('dist', { recursive: true, force: true });
fs.cpSync('src', 'dist', { recursive: true });
console.log('built dist/');
