// sip.message — the generic path (ysipchan `[methods] message=yes`). The SIP answer to the
// sender is the `code` param (ysipchan answers 200 for processed without one).
//
// A MESSAGE for a user the registration view holds (the common case) is renamed in place to
// xsip.generate and answered at once: ysipchan sends it in the sender's own thread and answers
// the sender with the recipient's code (fast-path.ts). Everything else is decided the same way
// (decide.ts) and settled on the one answer path (answer.ts); what yate-chat carries out itself
// it does here and now, and answers with the outcome.
import { isYateChatError } from '../../errors.js';
import type { Handler } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import { writeRefusal } from '../core/answer.js';
import { logMessage } from '../core/logline.js';
import { carriedParams, type Outgoing } from '../core/outgoing.js';
import { fromHeader } from '../core/sip.js';
import { PATH } from '../core/stats.js';
import { MARK } from '../core/vocabulary.js';
import { refuseWith, settle, writeOutcome, type PathWriter } from './answer.js';
import { admit, decide } from './decide.js';
import { renameToGenerate } from './fast-path.js';
import { askOf, outgoingOf } from './inbound.js';
import type { Room } from './room.js';
import { carry } from './slow-path.js';

const GENERIC: PathWriter = {
  path: PATH.generic,
  refuse: writeRefusal,
  handOver(msg, target, out) {
    renameToGenerate(msg, target, out);
    return false; // unprocessed, renamed: ysipchan's xsip.generate handler (110) takes it on
  },
  async own(m, msg, out, d, budget, t0) {
    const r = await carry(m, out, d, budget);
    writeOutcome(m, msg, out, r);
    m.kernel.stats.answered(PATH.generic, r.code, performance.now() - t0);
    return true;
  },
};

export function onSipMessage(m: Room): Handler {
  const k = m.kernel;
  return (msg, hctx) => {
    const t0 = performance.now();
    k.stats.received++;
    const out = outgoingOf(msg, k);
    const ask = askOf(out, msg.get('xsip_type'));
    if (k.config.mode === 'seed') {
      const refused = admit(ask, m.world);
      return refused ? settle(m, GENERIC, msg, out, refused, hctx, null, t0) : seed(m, msg, out, t0);
    }
    return settle(m, GENERIC, msg, out, decide(ask, m.world), hctx, null, t0);
  };
}

/** `mode: seed`: what the seed's regexroute rules did. 200 at once; a msg.execute to
 *  lateroute/<called> is enqueued, which lateroute routes and ysipchan's msg.execute relay
 *  sends without waiting (where the seed renamed it to xsip.generate). */
function seed(m: Room, msg: Message, out: Outgoing, t0: number): boolean {
  const k = m.kernel;
  try {
    k.conn.enqueue('msg.execute', [
      ['caller', out.sender], ['called', out.called], ['domain', out.domain], ['callto', `lateroute/${out.called}`],
      ['xsip_type', out.type], ['xsip_body', out.body], ...(out.encoding ? [['xsip_body_encoding', out.encoding] as [string, string]] : []),
      ...carriedParams(out.headers),
      ...(out.domain ? [['sip_From', fromHeader(out.sender, out.domain, out.senderName)] as [string, string]] : []),
      [MARK, k.marker],
    ]);
  } catch (err) {
    // Too long for Yate's line (or no link): refuse it rather than cut it or claim 200.
    const code = isYateChatError(err, 'LINE_TOO_LONG') ? 413 : 503;
    return refuseWith(m, GENERIC, msg, out, { kind: 'refuse', code, reason: (err as Error).message }, t0);
  }
  logMessage(k, out, '200 seed mode: handed to lateroute');
  k.stats.answered(PATH.generic, 200, performance.now() - t0);
  return true;
}
