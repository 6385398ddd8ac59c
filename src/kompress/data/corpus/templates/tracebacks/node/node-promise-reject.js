'use strict';
const $noun = require('./lib/$noun');

async function fetch$Cls(id) {
  await new Promise((resolve) => setImmediate(resolve));
  if (id === $back) {
    const err = new Error(`upstream returned 503 for $noun ${id}`);
    err.code = 'E_UPSTREAM';
    throw err;
  }
  return { id, ok: true };
}

async function main() {
  const ids = $noun.load($count).map((r) => r.id);
  const results = [];
  for (const id of ids) {
    results.push(await fetch$Cls(id));
    console.log(`fetched $noun ${id}`);
  }
  return results;
}

main().then((r) => console.log('done', r.length));
