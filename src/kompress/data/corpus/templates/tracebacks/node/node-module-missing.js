'use strict';
const path = require('path');
const $noun = require('./lib/$noun');
const helper = require('$pkgname');

console.log(path.basename(__filename), $noun.load(3).length, helper);
