// Two Yate nodes (two emulated engines, each running the real module over pipes) on one
// PostgreSQL database (a throwaway cluster, test/pg/cluster.ts): a message stored on one node
// for a user registered on the other is delivered by that other node, once; a device gets each
// message once whichever node it registers on; both nodes seeing
// the same registration under a flood deliver every message exactly once; a node SIGKILLed
// mid-delivery loses nothing and leaves no row or lease stuck; presence and known users agree on
// both nodes, and a watcher on one node hears of PUBLISHes answered by the other; the database stopped and started again under traffic never turns into a false
// 202; a group made on one node is seen by the other, and by a node started again. Without PostgreSQL's binaries the file reports one skipped test saying why.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { startLab, type Lab, type LabOptions } from '../src/demo/lab.js';
import type { SipRequest } from '../src/emulator/index.js';
import { command, header, send, until, type Path } from './fixtures/chat-lab.js';
import { findPostgres, startCluster, type PgCluster } from './pg/cluster.js';

const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status><note>in the lab</note></tuple></presence>';

/** Rules for a node of the pair: the shared database, no retry pass to lean on (an hour). The
 *  url has no password: the module gets it from PGPASSWORD, as an admin would set it. */
function pgRules(url: string, offline: Record<string, unknown> = {}): Record<string, unknown> {
  const u = new URL(url);
  u.password = '';
  return { rateLimit: false, offline: { store: { kind: 'postgres', url: u.toString(), leaseSeconds: 2 }, retryIntervalSeconds: 3600, quotaPerRecipient: 10_000, ...offline } };
}

/** Two nodes on one fresh database; closed (and checked: every offer answered once) after `body`. */
async function withNodes(cluster: PgCluster, opts: { a?: Partial<LabOptions>; b?: Partial<LabOptions>; offline?: Record<string, unknown> }, body: (a: Lab, b: Lab, url: string) => Promise<void>): Promise<void> {
  const url = await cluster.createDatabase();
  const env = { PGPASSWORD: cluster.password };
  const [a, b] = await Promise.all([
    startLab({ rules: pgRules(url, opts.offline), env, ...opts.a }),
    startLab({ rules: pgRules(url, opts.offline), env, ...opts.b }),
  ]);
  try {
    await body(a, b, url);
    for (const lab of [a, b]) {
      await command(lab, 'chat stats');
      lab.emu.assertExactlyOnce();
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Requests to `user` that got a final answer, on every node given. */
const deliveredTo = (user: string, ...labs: Lab[]): SipRequest[] =>
  labs.flatMap((l) => l.sip.sent.filter((r) => r.uri.startsWith(`sip:${user}@`) && r.code !== null));

function count<T>(items: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

async function queueEmpty(lab: Lab): Promise<void> {
  await until('an empty shared queue', async () => (await command(lab, 'chat queue')) === 'no stored messages\r\n', 30_000);
}

/** Send `bodies` to `called` from 123 through the given nodes in turn, `inFlight` at once; the code each got. */
async function flood(labs: Lab[], called: string, bodies: string[], inFlight = 8): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < bodies.length) {
      const i = next++;
      const path: Path = i % 2 ? 'native' : 'generic';
      codes.set(bodies[i]!, await send(labs[i % labs.length]!, path, { called, body: bodies[i]! }));
    }
  }));
  return codes;
}

function defineTests(cluster: PgCluster): void {
  test('a message stored on node A for a user registered on node B is delivered by B at once, with its Date and sender, and only by B', async () => {
    await withNodes(cluster, {}, async (a, b) => {
      assert.equal(await b.register('555', 5075), 200);
      const t0 = Date.now();
      assert.equal(await send(a, 'generic', { called: '555', body: 'stored on A: 100% \xe9' }), 202);
      // No retry pass runs within the hour: only B's notification can deliver it.
      const [req] = await until('B to deliver it', () => {
        const sent = deliveredTo('555', b);
        return sent.length ? sent : null;
      });
      assert.deepEqual([req!.body, req!.code, req!.uri], ['stored on A: 100% \xe9', 200, 'sip:555@127.0.0.1:5075']);
      assert.match(header(req!, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);
      assert.ok(Date.parse(header(req!, 'Date') ?? '') >= Math.floor(t0 / 1000) * 1000);
      await queueEmpty(a);
      assert.equal(deliveredTo('555', a).length, 0, 'A does not route B\'s users');
      assert.equal(deliveredTo('555', b).length, 1);
    });
  });

  test('devices across nodes: a copy node A kept for a device goes out once when it registers again through node B, a device new on B gets the recent message, the one that took it on A nothing more', async () => {
    const sleepy = (req: SipRequest) => (req.uri.startsWith('sip:234@127.0.0.1:5071') ? 480 : undefined);
    await withNodes(cluster, { a: { ysipchan: { responder: sleepy } } }, async (a, b) => {
      await a.register('234', 5070);
      await a.register('234', 5071);
      assert.equal(await send(a, 'generic', { called: '234', body: 'forked on A' }), 200);
      await until('the copy kept for 5071', async () => /5071 .*owed 1\r\n/.test(await command(a, 'chat devices 234')));
      await b.register('234', 5071);
      await b.register('234', 5072);
      await b.register('234', 5070);
      const took = (port: number) => deliveredTo('234', a, b).filter((r) => r.uri === `sip:234@127.0.0.1:${port}` && r.code === 200).map((r) => r.body);
      await until('5071 and 5072 to get it', () => took(5071).length && took(5072).length);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual([took(5070), took(5071), took(5072)], [['forked on A'], ['forked on A'], ['forked on A']]);
      await queueEmpty(a);
    });
  });

  test('a user seen registering on node B is known on node A: A keeps a message for them (202) that its own routers would refuse (404), and B delivers it', async () => {
    await withNodes(cluster, { a: { users: ['123', '234'] }, b: { users: ['123', '234', '888'] } }, async (a, b) => {
      assert.equal(await send(a, 'generic', { called: '888', body: 'before' }), 404);
      assert.equal(await b.register('888', 5088), 200);
      // A hears of the registration through the database (polled: no timing is asserted).
      await until('A to know 888', async () => (await send(a, 'native', { called: '888', body: 'kept' })) === 202);
      const [req] = await until('B to deliver it', () => deliveredTo('888', b).length ? deliveredTo('888', b) : null);
      assert.deepEqual([req!.body, req!.code, req!.uri], ['kept', 200, 'sip:888@127.0.0.1:5088']);
      await queueEmpty(a);
    });
  });

  test('presence published on node A is shown by chat presence on node B, and B accepts A\'s entity tag', async () => {
    await withNodes(cluster, {}, async (a, b) => {
      assert.equal(await a.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: PIDF, headers: [['event', 'presence'], ['expires', '600']] }), 200);
      const etag = a.sip.incoming.at(-1)!.message.getParam('osip_SIP-ETag')!;
      const shown = await until('B to show it', async () => {
        const text = await command(b, 'chat presence 123');
        return text.startsWith('123 open') ? text : '';
      });
      assert.match(shown, /^123 open "in the lab" since /);
      // The client refreshes through the other node (RFC 3903 refresh with SIP-If-Match).
      assert.equal(await b.sip.receivePublish({ caller: '123', called: '123', headers: [['event', 'presence'], ['sip-if-match', etag], ['expires', '0']] }), 200);
      await until('A to forget it', async () => (await command(a, 'chat presence 123')) === 'no presence for 123\r\n');
    });
  });

  test('a watcher subscribed on node B is notified of every device 234 publishes on node A, and of a device removed through B, once each', async () => {
    await withNodes(cluster, {}, async (a, b) => {
      const pidf = (basic: string, note: string) => PIDF.replace('>open<', `>${basic}<`).replace('in the lab', note);
      // Another source port is another device.
      const publish = (lab: Lab, body: string, headers: [string, string][] = [], port = 5072) =>
        lab.sip.receivePublish({ caller: '234', called: '234', port, ...(body ? { type: 'application/pidf+xml', body } : {}), headers: [['event', 'presence'], ...headers] });
      const notifies = () => b.sip.sent.filter((r) => r.method === 'NOTIFY');
      const nth = (n: number) => until(`B's NOTIFY #${n}`, () => notifies().filter((r) => r.code !== null)[n - 1]);
      const tuples = (req: SipRequest) => [...req.bodyBytes!.matchAll(/<tuple id="([^"]*)"><status>(?:<basic>(\w+)<\/basic>)?<\/status>(?:<note>([^<]*)<\/note>)?/g)].map((m) => `${m[2]} ${m[3] ?? ''}`.trim());
      const ids = (req: SipRequest) => [...req.bodyBytes!.matchAll(/<tuple id="([^"]*)"/g)].map((m) => m[1]);

      assert.equal(await b.register('123', 5080), 200);
      assert.equal(await b.sip.receiveSubscribe({ caller: '123', called: '234', contact: 'sip:123@127.0.0.1:5080', callid: 'sub-pg@127.0.0.1', fromTag: 'w1', expires: 600 }), 200);
      await nth(1);
      assert.equal(await publish(a, pidf('open', 'at my desk')), 200);
      const deskTag = a.sip.incoming.at(-1)!.message.getParam('osip_SIP-ETag')!;
      assert.deepEqual(tuples(await nth(2)), ['open at my desk']);
      assert.equal(await publish(a, pidf('closed', 'phone in the drawer'), [], 5091), 200);
      const both = await nth(3);
      assert.deepEqual(tuples(both), ['open at my desk', 'closed phone in the drawer'], 'both devices of 234, open first');
      assert.equal(new Set(ids(both)).size, 2);
      // The desk device unpublishes through the other node, with the tag A gave it.
      assert.equal(await publish(b, '', [['sip-if-match', deskTag], ['expires', '0']]), 200);
      assert.deepEqual(tuples(await nth(4)), ['closed phone in the drawer']);
      // A's next change is B's next NOTIFY: reading back B's own write sent nothing in between.
      assert.equal(await publish(a, pidf('open', 'back')), 200);
      assert.deepEqual(tuples(await nth(5)), ['open back', 'closed phone in the drawer']);
      assert.deepEqual(notifies().map((r) => header(r, 'CSeq')), ['1 NOTIFY', '2 NOTIFY', '3 NOTIFY', '4 NOTIFY', '5 NOTIFY']);
    });
  });

  test('a subscription accepted on node B is kept in the database under B\'s nodename: B started again NOTIFYs the watcher in the same dialog with a higher CSeq, node A holds no watcher', async () => {
    const url = await cluster.createDatabase();
    const node = (nodename: string) => startLab({ rules: pgRules(url), env: { PGPASSWORD: cluster.password }, emulator: { runParams: { nodename } } });
    const notifies = (lab: Lab) => lab.sip.sent.filter((r) => r.method === 'NOTIFY' && r.code !== null);
    const before = await node('yate-b');
    let dlgtag = '';
    try {
      assert.equal(await before.register('123', 5080), 200);
      assert.equal(await before.sip.receiveSubscribe({ caller: '123', called: '234', contact: 'sip:123@127.0.0.1:5080', callid: 'sub-kept@127.0.0.1', fromTag: 'w1', expires: 600 }), 200);
      dlgtag = before.sip.incoming.at(-1)!.message.getParam('xsip_dlgtag') ?? '';
      await until('the first NOTIFY', () => notifies(before)[0]);
    } finally {
      await before.close();
    }
    const [a, b] = await Promise.all([node('yate-a'), node('yate-b')]);
    try {
      assert.match(await command(b, 'chat presence'), /^234 .*watched by 123\r\n$/);
      assert.doesNotMatch(await command(a, 'chat presence'), /watched by/);
      assert.equal(await b.register('123', 5080), 200);
      const body = PIDF.replace('in the lab', 'after the restart');
      assert.equal(await a.sip.receivePublish({ caller: '234', called: '234', type: 'application/pidf+xml', body, headers: [['event', 'presence']] }), 200);
      const n = await until('B\'s NOTIFY after the restart', () => notifies(b).find((r) => r.bodyBytes?.includes('after the restart')));
      assert.equal(header(n, 'CSeq'), '2 NOTIFY');
      assert.equal(header(n, 'From'), `<sip:234@127.0.0.1>;tag=${dlgtag}`);
      assert.equal(notifies(a).length, 0, 'A sends nothing for B\'s subscription');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('both nodes seeing the same registration under a flood of stored messages deliver every message exactly once, each node in storage order', async () => {
    await withNodes(cluster, {}, async (a, b) => {
      // One at a time: storage order is then the order of the numbers.
      const stored = await flood([a, b], '555', Array.from({ length: 200 }, (_, i) => `stored #${i}`), 1);
      assert.deepEqual([...count([...stored.values()])], [[202, 200]]);
      // Both nodes see 555 register at the same moment, while more messages keep coming in.
      const late = flood([a, b], '555', Array.from({ length: 100 }, (_, i) => `late #${i}`), 4);
      await Promise.all([a.register('555', 5075), b.register('555', 5075)]);
      const lateCodes = await late;
      for (const [body, code] of lateCodes) assert.ok(code === 200 || code === 202, `${body}: ${code}`);
      const all = [...stored.keys(), ...lateCodes.keys()];
      const sent = await until('every message delivered', () => {
        const d = deliveredTo('555', a, b);
        return d.length >= all.length ? d : null;
      }, 60_000);
      await queueEmpty(b);
      const again = [...count(deliveredTo('555', a, b).map((r) => r.body))].filter(([, n]) => n > 1);
      assert.deepEqual(again, [], 'delivered twice');
      assert.deepEqual(sent.map((r) => r.body).sort(), [...all].sort());
      assert.ok(sent.every((r) => r.code === 200));
      // The stored ones go out oldest first, whichever node sends them.
      for (const lab of [a, b]) {
        const order = deliveredTo('555', lab).map((r) => /^stored #(\d+)$/.exec(r.body ?? "")?.[1]).filter((n) => n !== undefined).map(Number);
        assert.deepEqual(order, [...order].sort((x, y) => x - y), 'out of order');
      }
    });
  });

  test('a node SIGKILLed mid-delivery loses nothing: the other node takes over when the lease runs out, and no message waits nor lease stays behind', async () => {
    await withNodes(cluster, { a: { ysipchan: { answerDelay: 40 } } }, async (a, b, url) => {
      const bodies = Array.from({ length: 60 }, (_, i) => `kill #${i}`);
      const codes = await flood([a, b], '555', bodies);
      assert.deepEqual([...count([...codes.values()])], [[202, 60]]);
      await a.register('555', 5075);
      await until('A to be delivering', () => deliveredTo('555', a).length >= 10);
      const pid = a.link.pid!;
      process.kill(pid, 'SIGKILL');
      await until('the killed module to be gone', () => a.link.dead);
      await b.register('555', 5075); // the same device, registering again through node B
      await until('B to deliver the rest', () => new Set(deliveredTo('555', a, b).map((r) => r.body)).size === bodies.length, 60_000);
      await queueEmpty(b);
      const times = count(deliveredTo('555', a, b).map((r) => r.body));
      assert.deepEqual([...times.keys()].sort(), [...bodies].sort(), 'every message delivered');
      // At most the one A had on the wire when it died (delivered, not yet deleted) goes twice.
      assert.ok([...times.values()].filter((n) => n > 1).length <= 1, `${[...times].filter(([, n]) => n > 1)}`);
      const sql = new pg.Client({ connectionString: url });
      await sql.connect();
      try {
        // Delivered rows stay for the late window (a device of 555 that never had them would get
        // them), taken and owed to none: none waits any more.
        const { rows } = await sql.query(`SELECT (SELECT count(*) FROM yate_chat.messages m WHERE m.late_until = 0
            OR EXISTS (SELECT 1 FROM yate_chat.copies c WHERE c.message_id = m.id AND c.state = 0))::int AS waiting,
          (SELECT count(*) FROM yate_chat.leases)::int AS leases`);
        assert.deepEqual(rows, [{ waiting: 0, leases: 0 }]);
      } finally {
        await sql.end();
      }
    });
  });

  // Last: it stops the server.
  test('the database stopped and started again under traffic: offline users get 500 (never 202) meanwhile, registered users 200, one log line each way; every 202 is delivered once', async () => {
    await withNodes(cluster, {}, async (a, b) => {
      await a.register('234', 5070);
      await b.register('234', 5071);
      const codes = new Map<string, { called: string; code: number }>();
      let phase = 'up';
      let seq = 0;
      let stop = false;
      // Paced and bounded: answers come fast while the database is away.
      const traffic = Promise.all([a, b, a, b].map(async (lab, w) => {
        while (!stop && seq < 5000) {
          await new Promise((r) => setTimeout(r, 5));
          const i = seq++;
          const called = i % 2 ? '555' : '234';
          const body = `${phase} #${i}`;
          codes.set(body, { called, code: await send(lab, w % 2 ? 'native' : 'generic', { called, body }) });
        }
      }));
      const seen = (p: string, called: string, code: number) => [...codes].some(([body, c]) => body.startsWith(p) && c.called === called && c.code === code);
      await until('some stored while up', () => seen('up', '555', 202));
      await cluster.stop();
      phase = 'down';
      await until('500s while down', () => [...codes].filter(([body, c]) => body.startsWith('down') && c.code === 500).length >= 10);
      await cluster.start();
      await until('the store back on A', () => a.emu.log.grep(/reachable again after/).length > 0, 30_000);
      await until('the store back on B', () => b.emu.log.grep(/reachable again after/).length > 0, 30_000);
      phase = 'back';
      await until('stored again', () => seen('back', '555', 202), 30_000);
      stop = true;
      await traffic;

      for (const [body, c] of codes) {
        if (c.called === '234') assert.equal(c.code, 200, `${body} to a registered user`);
        else assert.ok(c.code === 202 || c.code === 500, `${body} got ${c.code}`);
      }
      for (const lab of [a, b]) {
        assert.equal(lab.emu.log.grep(/offline store .* unreachable/).length, 1, lab.emu.log.grep(/offline store/).map((e) => e.line).join('\n'));
        assert.equal(lab.emu.log.grep(/offline store .* reachable again after/).length, 1);
        assert.equal(lab.emu.log.grep(/cannot store a message/).length, 0, 'no line per message');
      }
      const accepted = [...codes].filter(([, c]) => c.called === '555' && c.code === 202).map(([body]) => body);
      await b.register('555', 5075);
      await until('every accepted message delivered', () => deliveredTo('555', b).length >= accepted.length, 60_000);
      await queueEmpty(b);
      const delivered = deliveredTo('555', a, b).map((r) => r.body);
      assert.deepEqual([...count(delivered)].filter(([, n]) => n > 1), [], 'delivered twice');
      assert.deepEqual(accepted.filter((body) => !delivered.includes(body)), [], 'a 202 was lost');
    });
  });

  test('a group made with rmanager on node A is seen by node B, whose members get its messages; a change too; a node started again finds it in the store', async () => {
    await withNodes(cluster, {}, async (a, b, url) => {
      await b.register('234', 5072);
      assert.match(await command(a, 'chat group create crew 123 234'), /^created crew/);
      await until('B to know crew', async () => /^crew \(made \S+, members write\): 123, 234\r\n$/.test(await command(b, 'chat group crew')));
      assert.equal(await send(b, 'generic', { called: 'crew', body: 'written on B' }), 200, 'its writer 123 gets no copy; 234 took it');
      const [copy] = await until('the copy for 234', () => deliveredTo('234', b).length ? deliveredTo('234', b) : null);
      assert.deepEqual([header(copy!, 'From'), copy!.body], ['"123 via crew" <sip:crew@127.0.0.1>', '123: written on B']);
      assert.match(await command(a, 'chat group add crew 555'), /: 123, 234, 555\r\n$/);
      await until('B to see 555 join', async () => /: 123, 234, 555\r\n$/.test(await command(b, 'chat group crew')));
      const again = await startLab({ rules: pgRules(url), env: { PGPASSWORD: cluster.password } });
      try {
        assert.match(await command(again, 'chat group crew'), /^crew \(made \S+, members write\): 123, 234, 555\r\n$/);
      } finally {
        await again.close();
      }
    });
  });
}

const found = findPostgres();
if (!found.ok) {
  // CI installs the server (.ci/run): there, a missing one is a failure, not a skip.
  test('two Yate nodes on one PostgreSQL store', { skip: process.env.CI ? false : `PostgreSQL tests skipped: ${found.reason}` }, () => assert.fail(found.reason));
} else {
  const cluster = await startCluster();
  after(() => cluster.remove());
  defineTests(cluster);
}
