// Real Node.js program: an HTTP API server logging with winston (text) and a crawler/indexer
// worker logging with pino (JSON). The worker gzips real files from /usr/share/doc, calls the
// API (some 404/500s, timeouts), and hits real errors (ENOENT, EACCES, JSON parse, stack traces).
// Usage: node node_app.js WINSTON_OUT.log PINO_OUT.log   (needs: npm install winston@3 pino@9)
const fs = require('fs'), path = require('path'), http = require('http'), zlib = require('zlib'), crypto = require('crypto');
const winston = require('winston'), pino = require('pino');
const [wOut, pOut] = process.argv.slice(2);
const wlog = winston.createLogger({
  level: 'debug',
  format: winston.format.combine(winston.format.timestamp(), winston.format.splat(), winston.format.errors({ stack: true }),
    winston.format.printf(i => `${i.timestamp} [api] ${i.level}: ${i.message}${i.stack ? '\n' + i.stack : ''}`)),
  transports: [new winston.transports.File({ filename: wOut })],
});
const plog = pino({ level: 'debug', base: { pid: process.pid, svc: 'indexer' } }, pino.destination({ dest: pOut, sync: true }));
let reqs = 0;
const server = http.createServer((req, res) => {
  const id = ++reqs, t0 = Date.now(), u = new URL(req.url, 'http://x');
  wlog.debug('request %d %s %s', id, req.method, u.pathname);
  const done = (code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body));
    (code >= 500 ? wlog.error : code >= 400 ? wlog.warn : wlog.info)('%s %s -> %d in %dms', req.method, u.pathname, code, Date.now() - t0); };
  if (u.pathname === '/health') return done(200, { ok: true });
  if (u.pathname.startsWith('/docs/')) {
    const name = decodeURIComponent(u.pathname.slice(6));
    if (name.includes('..')) { wlog.warn('rejected path traversal attempt: %s', name); return done(400, { error: 'bad path' }); }
    return fs.stat(path.join('/usr/share/doc', name), (err, st) => {
      if (err) { wlog.warn('doc lookup failed: %s', err.message); return done(404, { error: err.code }); }
      done(200, { size: st.size });
    });
  }
  if (u.pathname === '/index') {
    let body = ''; req.on('data', c => body += c); return req.on('end', () => {
      try { const doc = JSON.parse(body); if (!doc.sha) throw new TypeError('missing field "sha" in document ' + doc.name); done(201, { stored: doc.sha.slice(0, 8) }); }
      catch (e) { wlog.error('failed to index document', e); done(500, { error: e.message }); }
    });
  }
  if (u.pathname === '/slow') return setTimeout(() => done(200, {}), 400);
  done(404, { error: 'no route' });
});
function call(method, p, body, timeout = 2000) {
  return new Promise(resolve => {
    const r = http.request({ host: '127.0.0.1', port: server.address().port, method, path: p, signal: AbortSignal.timeout(timeout) }, res => {
      let d = ''; res.on('data', c => d += c); res.on('end', () => resolve({ code: res.statusCode, body: d }));
    });
    r.on('error', e => resolve({ code: 0, err: e }));
    if (body) r.write(body); r.end();
  });
}
function walk(dir, out, depth = 0) {
  let ents; try { ents = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { plog.warn({ dir, code: e.code }, 'cannot read directory'); return; }
  for (const e of ents) { const p = path.join(dir, e.name); if (e.isDirectory() && depth < 2) walk(p, out, depth + 1); else if (e.isFile()) out.push(p); }
}
async function main() {
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  wlog.info('api listening on 127.0.0.1:%d (node %s)', server.address().port, process.version);
  plog.info({ root: '/usr/share/doc' }, 'indexer starting');
  const files = []; walk('/usr/share/doc', files); walk('/root/.ssh-not-here', files);
  files.sort(); const pick = files.filter((_, i) => i % 7 === 0).slice(0, 260);
  plog.info({ total: files.length, selected: pick.length }, 'scan complete');
  let bytes = 0, batch = 0;
  for (const [i, f] of pick.entries()) {
    let data; try { data = fs.readFileSync(f); } catch (e) { plog.error({ file: f, err: e }, 'read failed'); continue; }
    const gz = zlib.gzipSync(data); bytes += data.length;
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    plog.debug({ file: f, size: data.length, gz: gz.length, ratio: +(gz.length / Math.max(1, data.length)).toFixed(3) }, 'compressed file');
    const doc = i % 41 === 5 ? { name: path.basename(f) } : { name: path.basename(f), sha };
    const r = await call('POST', '/index', i % 53 === 9 ? '{"name": "' + path.basename(f) : JSON.stringify(doc));
    if (r.code !== 201) plog.error({ file: f, status: r.code, body: r.body }, 'index request failed');
    if (i % 25 === 24) { batch++; plog.info({ batch, files: i + 1, bytes }, 'batch committed'); }
    if (i % 30 === 0) { const h = await call('GET', '/health'); plog.debug({ status: h.code }, 'health check'); }
  }
  for (const n of ['bash/copyright', 'nginx/changelog.gz', 'no-such-pkg/README', '../../etc/shadow', 'redis-server/copyright', 'ghost/NEWS']) {
    const r = await call('GET', '/docs/' + encodeURIComponent(n)); plog.info({ doc: n, status: r.code }, 'doc probe');
  }
  for (let k = 0; k < 6; k++) { const r = await call('GET', '/slow', null, k % 2 ? 1000 : 150); if (r.err) plog.warn({ attempt: k + 1, err: r.err.name }, 'request timed out, retrying'); }
  await call('GET', '/missing/route');
  try { JSON.parse(fs.readFileSync('/etc/hostname', 'utf8') + '{'); } catch (e) { plog.fatal({ err: e }, 'config parse error, using defaults'); }
  plog.info({ files: pick.length, bytes }, 'indexer finished');
  wlog.info('shutting down after %d requests', reqs);
  server.close(); setTimeout(() => process.exit(0), 300);
}
main();
