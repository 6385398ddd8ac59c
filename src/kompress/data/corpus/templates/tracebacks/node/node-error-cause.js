'use strict';

class ${Cls}Error extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = '${Cls}Error';
  }
}

function parsePort(raw) {
  const port = Number.parseInt(raw, 10);
  if (Number.isNaN(port)) {
    throw new TypeError(`port must be a number, got "${raw}"`);
  }
  return port;
}

function loadSettings(env) {
  try {
    return { port: parsePort(env.${KEY}_PORT) };
  } catch (err) {
    throw new ${Cls}Error('cannot load $noun settings', { cause: err });
  }
}

console.log('booting $noun service');
console.log(loadSettings({ ${KEY}_PORT: '$badval' }));
