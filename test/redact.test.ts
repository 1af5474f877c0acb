// redactUrl: what every log line, status line and configuration message shows of a URL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../src/redact.js';

test("a URL's password never appears in the redacted text, its user, host and database do", () => {
  const shown = redactUrl('postgres://yate:hunter2@db.example.com:5433/chat');
  assert.doesNotMatch(shown, /hunter2/);
  assert.equal(shown, 'postgres://yate@db.example.com:5433/chat');
});

test('marking the password leaves *** in its place, so a message shows that the URL holds one', () => {
  assert.equal(redactUrl('postgres://yate:hunter2@db/chat', { markPassword: true }), 'postgres://yate:***@db/chat');
  assert.equal(redactUrl('postgres://yate@db/chat', { markPassword: true }), 'postgres://yate@db/chat');
});

test('a ?password= or sslpassword= query never appears in the redacted text, other parameters stay', () => {
  const shown = redactUrl('postgres://yate@db/chat?sslmode=require&password=hunter2&sslpassword=keypass&application_name=x');
  assert.doesNotMatch(shown, /hunter2|keypass/);
  assert.equal(shown, 'postgres://yate@db/chat?sslmode=require&password=***&sslpassword=***&application_name=x');
});

test('any query parameter named like a secret (password, secret, token, in any case) is hidden', () => {
  const shown = redactUrl('https://hooks.example.com/in?Api_Token=t0k3n&client_SECRET=s3cr3t&PGPASSWORD=pw&page=2');
  assert.doesNotMatch(shown, /t0k3n|s3cr3t|=pw/);
  assert.match(shown, /page=2$/);
});

test('a password in the user info and in the query are both hidden at once', () => {
  const shown = redactUrl('postgresql://yate:one@db/chat?password=two');
  assert.doesNotMatch(shown, /one|two/);
});

test('a URL without secrets comes back unchanged', () => {
  for (const url of ['postgres://yate@db.example.com:5433/chat', 'postgresql://db/chat?sslmode=require', 'http://127.0.0.1:8091/hook?page=2']) {
    assert.equal(redactUrl(url), url);
  }
});

test('a non-URL with user:pass@ is hidden between "://" and the last "@"', () => {
  const shown = redactUrl('postgres://yate:hunter2@db:notaport/chat');
  assert.doesNotMatch(shown, /hunter2/);
  assert.equal(shown, 'postgres://***@db:notaport/chat');
  assert.doesNotMatch(redactUrl('postgres://yate:p@ss@word@db:x/chat'), /p@ss|word/);
});

test('text that is no URL at all and names no secret comes back unchanged', () => {
  assert.equal(redactUrl('not a url'), 'not a url');
});
