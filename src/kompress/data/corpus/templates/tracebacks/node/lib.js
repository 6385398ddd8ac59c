'use strict';

function load(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ id: i, name: `$noun-${i}`, meta: i % $mod === 0 ? undefined : { $key: i * 7 } });
    console.log(`[lib/$noun] loaded $noun-${i} (${i % $mod === 0 ? 'no meta' : '$key=' + i * 7})`);
  }
  return out;
}

module.exports = { load };
