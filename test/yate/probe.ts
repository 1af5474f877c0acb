// Is a Yate listening yet? Asked over the protocols themselves, not read from its log (what Yate
// logs depends on its debug level, and at start-up it can lose lines): an OPTIONS request
// answered with any SIP response, an rmanager greeting.
import dgram from 'node:dgram';
import { rmanager } from './rmanager.js';
import { buildSip, token } from './sip-wire.js';

/** Resolve once ysipchan on 127.0.0.1:`port` answers an OPTIONS (any code); reject after `ms`. */
export async function sipAnswers(port: number, ms: number): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => sock.once('error', reject).bind(0, '127.0.0.1', () => resolve()));
  const local = sock.address().port;
  const deadline = Date.now() + ms;
  try {
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      sock.on('message', (data) => {
        if (data.subarray(0, 8).toString('latin1') === 'SIP/2.0 ') {
          clearTimeout(timer);
          resolve();
        }
      });
      const ask = (): void => {
        if (Date.now() > deadline) {
          reject(new Error(`no SIP answer on 127.0.0.1:${port} in ${ms} ms`));
          return;
        }
        const callId = `${token()}@127.0.0.1`;
        sock.send(buildSip(`OPTIONS sip:127.0.0.1:${port} SIP/2.0`, [
          ['Via', `SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${token()};rport`], ['From', `<sip:probe@127.0.0.1>;tag=${token()}`],
          ['To', `<sip:127.0.0.1:${port}>`], ['Call-ID', callId], ['CSeq', '1 OPTIONS'], ['Max-Forwards', '70'],
        ]), port, '127.0.0.1');
        timer = setTimeout(ask, 100);
      };
      ask();
    });
  } finally {
    sock.close();
  }
}

/** Resolve once rmanager on 127.0.0.1:`port` greets and answers; reject after `ms`. */
export async function rmanagerAnswers(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await rmanager(port, 'uptime', 2000);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`rmanager on 127.0.0.1:${port} not answering after ${ms} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
