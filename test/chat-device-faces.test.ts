// A user's devices as rmanager (`chat devices USER`), the HTTP face (GET /v1/devices/USER), the
// status line and /metrics show them, from REGISTERs the REAL module saw on the engine emulator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { command, withLab } from './fixtures/chat-lab.js';
import { withHttpLab } from './fixtures/http-lab.js';

const INSTANCE = 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

test('chat devices USER lists each registered device: its name, Contact, User-Agent, push provider and the start of its token, since and expiry', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await command(lab, 'chat devices 234'), 'no registered devices for 234\r\n');
    await lab.sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070', userAgent: 'Linphone-Desktop/5.1 (belle-sip/5.1)', contactParams: `;+sip.instance="<${INSTANCE}>"` });
    await lab.sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5071;pn-provider=fcm;pn-prid=dQw4w9WgXcQ:APA91bHun4;pn-param=proj-1', expires: 600 });
    const lines = (await command(lab, 'chat devices 234')).split('\r\n').filter(Boolean);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^${INSTANCE} at sip:234@127\\.0\\.0\\.1:5070 "Linphone-Desktop/5\\.1 \\(belle-sip/5\\.1\\)" since ${ISO} expires ${ISO} owed 0$`));
    assert.match(lines[1]!, new RegExp(`^sip:234@127\\.0\\.0\\.1:5071;pn-provider=fcm;pn-prid=dQw4w9WgXcQ:APA91bHun4;pn-param=proj-1 push fcm dQw4w9Wg\\.\\.\\. since ${ISO} expires ${ISO} owed 0$`));
    assert.doesNotMatch(lines[1]!, /push fcm dQw4w9WgXcQ/, 'never the whole push token');
    assert.equal(await command(lab, 'chat devices'), 'usage: chat devices USER\r\n');
    assert.match(await command(lab, 'chat stats'), /\r\ndevices: 2\r\n/);
  });
});

test('GET /v1/devices/USER answers the devices as JSON; a user without any, an empty list', async () => {
  await withHttpLab({}, async (lab) => {
    await lab.sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070', userAgent: 'baresip v1.0.0', contactParams: `;+sip.instance="<${INSTANCE}>"` });
    const res = await lab.api('/v1/devices/234');
    assert.equal(res.status, 200);
    const [d, ...more] = (await res.json()) as Record<string, unknown>[];
    assert.deepEqual(more, []);
    assert.equal(d!.device, INSTANCE);
    assert.equal(d!.contact, 'sip:234@127.0.0.1:5070');
    assert.equal(d!.userAgent, 'baresip v1.0.0');
    assert.equal(d!.push, null);
    assert.equal(d!.owed, 0);
    assert.match(String(d!.since), new RegExp(`^${ISO}$`));
    assert.match(String(d!.expires), new RegExp(`^${ISO}$`));
    assert.deepEqual(await (await lab.api('/v1/devices/555')).json(), []);
    assert.equal((await lab.api('/v1/devices/234', { token: null })).status, 401);
    const metrics = await (await fetch(`${lab.base}/metrics`)).text();
    assert.match(metrics, /^yatechat_devices 1$/m);
    assert.match(metrics, /^yatechat_forks_total 0$/m);
    assert.match(metrics, /^yatechat_late_deliveries_total 0$/m);
    assert.match(metrics, /^yatechat_pushes_total\{outcome="sent"\} 0$/m);
  });
});
