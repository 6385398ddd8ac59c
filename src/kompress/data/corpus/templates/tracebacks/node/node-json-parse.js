'use strict';
const fs = require('fs');

function readConfig(path) {
  const raw = fs.readFileSync(path, 'utf8');
  return JSON.parse(raw);
}

const cfg = readConfig('./config/$noun.json');
console.log('$key =', cfg.$key);
