'use strict';
const assert = require('assert');
const $noun = require('./lib/$noun');

const got = $noun.load($count).map((r) => ({ id: r.id, state: r.id % 3 === 0 ? 'open' : 'closed' }));
const want = got.map((r) => ({ ...r }));
want[$back].state = '$adj';
console.log('checking', got.length, '$noun states');
assert.deepStrictEqual(got, want);
