'use strict';
const $noun = require('./lib/$noun');

function summarize(records) {
  return records.map((r) => `${r.id}:${r.meta.$key}`).join(',');
}

const records = $noun.load($count);
console.log(`loaded ${records.length} $noun records`);
console.log(summarize(records));
