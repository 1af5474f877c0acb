// Naming a device and reading its push parameters from what ysipchan's user.register carries
// (src/chat/core/devices.ts): `sip_contact` (the whole Contact header) and `data` (sip/ + the
// Contact URI with its parameters), as seen on Yate 6.4.1 with msgsniff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceKey, instanceOf, pushOf, uriParams } from '../src/chat/core/devices.js';

test('the +sip.instance of a Contact is read from the header parameters after the URI, quoted or not', () => {
  assert.equal(instanceOf('<sip:234@127.0.0.1:37332;pn-provider=fcm>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1;expires=600'), 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
  assert.equal(instanceOf('<sip:234@h>;expires=60;+SIP.Instance=<urn:uuid:ab>'), 'urn:uuid:ab');
  assert.equal(instanceOf('sip:234@h;+sip.instance="<urn:uuid:cd>"'), 'urn:uuid:cd', 'without brackets every ;param is the header\'s');
});

test('a Contact without an instance, or with one that is not a plain printable value, names no instance', () => {
  assert.equal(instanceOf('<sip:234@h;+sip.instance=x>'), '', 'a URI parameter is not the header\'s');
  assert.equal(instanceOf(undefined), '');
  assert.equal(instanceOf('<sip:234@h>'), '');
  assert.equal(instanceOf('<sip:234@h>;+sip.instance="<urn:uuid:a b>"'), '');
  assert.equal(instanceOf(`<sip:234@h>;+sip.instance="<urn:${'x'.repeat(2000)}>"`), '');
});

test('a device is its instance id when it has one, else its Contact URI', () => {
  assert.equal(deviceKey('sip:234@10.0.0.7:5062', '<sip:234@10.0.0.7:5062>;+sip.instance="<urn:uuid:1>"'), 'urn:uuid:1');
  assert.equal(deviceKey('sip:234@10.0.0.7:5062', '<sip:234@10.0.0.7:5062>'), 'sip:234@10.0.0.7:5062');
  assert.equal(deviceKey('sip:234@10.0.0.7:5062', undefined), 'sip:234@10.0.0.7:5062');
});

test('the URI parameters of a Contact URI, names lower-cased, values as written, headers left out', () => {
  assert.deepEqual([...uriParams('sip:234@h:5060;transport=TCP;PN-Prid=a%3Db;lr?x=1;y=2')], [['transport', 'TCP'], ['pn-prid', 'a%3Db'], ['lr', '']]);
  assert.deepEqual([...uriParams('sip:234@h')], []);
  assert.deepEqual([...uriParams('sip:a;b@h;c=1')], [['c', '1']], 'a ; in the user part is not a parameter');
});

test('RFC 8599 push parameters are read from the Contact URI, escapes undone', () => {
  assert.deepEqual(pushOf('sip:234@127.0.0.1:37332;pn-provider=fcm;pn-prid=abc:def%3Dx;pn-param=proj-1'), { provider: 'fcm', prid: 'abc:def=x', param: 'proj-1' });
  assert.deepEqual(pushOf('sip:234@h;pn-provider=webpush;pn-prid=T'), { provider: 'webpush', prid: 'T', param: '' });
});

test('a Contact without pn-provider and pn-prid, or with values that are not printable, is no push device', () => {
  assert.equal(pushOf('sip:234@h:5060'), null);
  assert.equal(pushOf('sip:234@h;pn-provider=fcm'), null);
  assert.equal(pushOf('sip:234@h;pn-prid=T'), null);
  assert.equal(pushOf('sip:234@h;pn-provider=fcm;pn-prid=a%0Ab'), null, 'a decoded line break is refused');
});

test('a malformed escape in a push parameter is passed on as written', () => {
  assert.deepEqual(pushOf('sip:234@h;pn-provider=fcm;pn-prid=%E0%A4%A'), { provider: 'fcm', prid: '%E0%A4%A', param: '' });
});
