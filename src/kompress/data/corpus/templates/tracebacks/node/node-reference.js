'use strict';

function compute$Cls(values) {
  let total = 0;
  for (const v of values) {
    total += v * ${key}Factor;
  }
  return total;
}

const values = Array.from({ length: $count }, (_, i) => i * 3);
console.log('computing $noun totals for', values.length, 'values');
console.log(compute$Cls(values));
