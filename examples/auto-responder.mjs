#!/usr/bin/env node
// A complete routing script on yate-chat's light entry, in plain JavaScript: node runs it as it
// is, no build, no tsconfig (auto-responder.ts beside it is the same script in TypeScript).
// MESSAGEs to "helpdesk" are answered 200 with an automatic reply sent back to the sender,
// senders on a deny list get 403, and everything else goes on to the next handler (yate-chat,
// regexroute...). For ysipchan's generic path ([methods] message=yes, [general] generate=yes).
// Made executable (chmod +x) in a folder where `npm install yate-chat-*.tgz` put yate-chat, it
// goes into extmodule.conf:
//   [scripts]
//   /opt/my-routing/auto-responder.mjs=
import { Connection, fromText } from 'yate-chat/extmodule';

const DOMAIN = 'example.org'; // this server's SIP domain, for the reply's From and To
const HELPDESK = 'helpdesk';
const DENY = new Set(['666', '999']);
const REPLY = fromText('Thanks! The helpdesk answers within a working day. ☺');

const conn = new Connection({ trackName: 'auto-responder' });

/** Ask Yate's routers where the sender is now, and send the reply there (fire and forget). */
async function autoReply(to) {
  const route = await conn.dispatch('call.route', { called: to, route_type: 'msg' }, { timeoutMs: 5000 });
  const uri = route.message.retval.replace(/^sip\//, '');
  if (!route.processed || !uri.startsWith('sip:')) return conn.log.warn(`no route back to ${to}`);
  conn.enqueue('xsip.generate', {
    method: 'MESSAGE', uri, sip_From: `<sip:${HELPDESK}@${DOMAIN}>`, sip_To: `<sip:${to}@${DOMAIN}>`,
    xsip_type: 'text/plain', xsip_body: REPLY,
  });
}

await conn.install('sip.message', (msg) => {
  const sender = msg.get('username') ?? ''; // the user ysipchan authenticated
  if (DENY.has(sender)) {
    msg.set('code', 403);
    return true;
  }
  if (msg.get('called') !== HELPDESK) return false; // not ours: on to the next handler
  autoReply(sender).catch((err) => conn.log.warn(`auto-reply to ${sender} failed: ${err.message}`));
  msg.set('code', 200);
  return true;
}, { priority: 50 });

process.once('SIGTERM', () => void conn.close()); // Yate unloading us
try {
  await conn.start();
} catch (err) {
  if (conn.state !== 'closed') throw err; // Yate closed the link during the start-up: nothing to do
}
if (conn.state === 'open') conn.log.info(`auto-responder for ${HELPDESK} ready`);
