#!/usr/bin/env node
// The floor for any Yate module that routes SIP MESSAGE: the least a module can do per MESSAGE.
// No library, no checks, no state: it is offered sip.message (generic path) or call.route
// (native path, route_type=msg), and answers at once, routing every user to one fixed contact
// (its one argument, HOST:PORT, as an extmodule.conf [scripts] line passes it: the benchmark's
// receiver; 127.0.0.1:5070 without one):
//   sip.message -> renamed xsip.generate (method, uri, From, To, wait=true; the sender's sip_*
//                  params and transport removed, as ysipchan would copy them)
//   call.route  -> the route, with the same params for ysipchan's msg.execute relay
// One message offered per MESSAGE, none emitted. Used by the benchmarks only (bench/).
const [host = '127.0.0.1', port = '5070'] = (process.argv[2] || '127.0.0.1:5070').split(':');
const esc = (s) => s.replace(/[%:\x00-\x1f]/g, (c) => (c === '%' ? '%%' : '%' + String.fromCharCode(c.charCodeAt(0) + 64)));
const unesc = (s) => s.replace(/%(.)/g, (_, c) => (c === '%' ? '%' : String.fromCharCode(c.charCodeAt(0) - 64)));
const out = (l) => process.stdout.write(l + '\n', 'latin1');

out('%%>setlocal:bufsize:65536');
out('%%>install:80:sip.message');
out('%%>install:90:call.route:route_type:msg');

let buf = '';
process.stdin.on('data', (chunk) => {
  buf += chunk.toString('latin1');
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    if (line.startsWith('%%>message:')) answer(line.split(':'));
  }
});
process.stdin.on('end', () => process.exit(0));

function answer(f) {
  const [, id, , name] = f;
  const p = new Map();
  for (const kv of f.slice(5)) {
    const eq = kv.indexOf('=');
    if (eq > 0 && !p.has(kv.slice(0, eq))) p.set(kv.slice(0, eq), unesc(kv.slice(eq + 1)));
  }
  const called = p.get('called') ?? '';
  const domain = p.get('domain') ?? host;
  const drop = [...p.keys()].filter((k) => k.startsWith('sip_') || k === 'connection_id' || k === 'ip_transport').map(esc);
  const set = [`sip_From=${esc(`<sip:${p.get('username') ?? p.get('caller')}@${domain}>`)}`, `sip_To=${esc(`<sip:${called}@${domain}>`)}`, 'wait=true'];
  const uri = `sip:${called}@${host}:${port}`;
  if (name === 'sip.message') out(`%%<message:${id}:false:xsip.generate:500:${[...drop, ...set, 'method=MESSAGE', `uri=${esc(uri)}`].join(':')}`);
  else if (name === 'call.route') out(`%%<message:${id}:true::${esc('sip/' + uri)}:${[...drop, ...set].join(':')}`);
  else out(`%%<message:${id}:false:`);
}
