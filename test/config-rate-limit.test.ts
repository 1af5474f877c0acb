// The per-sender rate limiter, driven by a fake clock (milliseconds passed to take()).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRateLimiter } from '../src/config/index.js';

const takeN = (limiter: ReturnType<typeof createRateLimiter>, sender: string, n: number, now: number) =>
  Array.from({ length: n }, () => limiter.take(sender, now));

test('a sender may send a burst of `messages` and the next one is refused with a retry-after', () => {
  const limiter = createRateLimiter({ messages: 3, intervalSeconds: 60 });
  assert.deepEqual(takeN(limiter, 'alice', 4, 0), [{ ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterSeconds: 20 }]);
});

test('retry-after is rounded up to whole seconds and is at least 1', () => {
  const limiter = createRateLimiter({ messages: 7, intervalSeconds: 10 });
  takeN(limiter, 'alice', 7, 0);
  // one token takes 10/7 s = 1.43 s
  assert.deepEqual(limiter.take('alice', 0), { ok: false, retryAfterSeconds: 2 });
  const fast = createRateLimiter({ messages: 100, intervalSeconds: 1 });
  takeN(fast, 'bob', 100, 0);
  assert.deepEqual(fast.take('bob', 0), { ok: false, retryAfterSeconds: 1 });
});

test('retry-after shrinks as time passes', () => {
  const limiter = createRateLimiter({ messages: 1, intervalSeconds: 60 });
  limiter.take('alice', 0);
  assert.deepEqual(
    [0, 15_000, 59_001].map((t) => limiter.take('alice', t)),
    [
      { ok: false, retryAfterSeconds: 60 },
      { ok: false, retryAfterSeconds: 45 },
      { ok: false, retryAfterSeconds: 1 },
    ],
  );
});

test('a refused sender gets through after waiting exactly the retry-after', () => {
  const limiter = createRateLimiter({ messages: 30, intervalSeconds: 60 });
  takeN(limiter, 'alice', 30, 1000);
  const refused = limiter.take('alice', 1000);
  assert.deepEqual(refused, { ok: false, retryAfterSeconds: 2 });
  assert.deepEqual(
    [limiter.take('alice', 1000 + 2000), limiter.take('alice', 1000 + 2000)],
    [{ ok: true }, { ok: false, retryAfterSeconds: 2 }],
  );
});

test('a sender who waits the whole interval gets the whole burst back', () => {
  const limiter = createRateLimiter({ messages: 3, intervalSeconds: 60 });
  takeN(limiter, 'alice', 3, 0);
  assert.deepEqual(takeN(limiter, 'alice', 4, 60_000), [{ ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterSeconds: 20 }]);
});

test('refused attempts do not use up tokens', () => {
  const limiter = createRateLimiter({ messages: 2, intervalSeconds: 2 });
  takeN(limiter, 'alice', 2, 0);
  takeN(limiter, 'alice', 50, 500);
  assert.deepEqual(limiter.take('alice', 1000), { ok: true });
});

test('senders are limited independently', () => {
  const limiter = createRateLimiter({ messages: 1, intervalSeconds: 60 });
  assert.deepEqual(
    [limiter.take('alice', 0), limiter.take('bob', 0), limiter.take('alice', 0)],
    [{ ok: true }, { ok: true }, { ok: false, retryAfterSeconds: 60 }],
  );
});

test('a sender idle for a whole interval is forgotten, so memory stays bounded', () => {
  const limiter = createRateLimiter({ messages: 5, intervalSeconds: 10 });
  for (let i = 0; i < 1000; i++) limiter.take(`user${i}`, 0);
  assert.equal(limiter.size, 1000);
  limiter.take('late', 10_000);
  assert.equal(limiter.size, 1);
});

test('a sender seen within the interval is remembered while idle ones are forgotten', () => {
  const limiter = createRateLimiter({ messages: 1, intervalSeconds: 10 });
  limiter.take('idle', 0);
  limiter.take('busy', 5_000);
  limiter.take('other', 10_000);
  assert.equal(limiter.size, 2);
  assert.deepEqual(limiter.take('busy', 10_000), { ok: false, retryAfterSeconds: 5 });
});

test('maxSenders caps memory by forgetting the least recently seen sender', () => {
  const limiter = createRateLimiter({ messages: 1, intervalSeconds: 60 }, { maxSenders: 2 });
  limiter.take('a', 0);
  limiter.take('b', 0);
  limiter.take('a', 1); // refused, but a is now the most recently seen
  limiter.take('c', 2); // b is forgotten
  assert.equal(limiter.size, 2);
  assert.deepEqual(
    [limiter.take('a', 3), limiter.take('b', 3)],
    [{ ok: false, retryAfterSeconds: 60 }, { ok: true }],
  );
});

test('a clock that goes backwards neither refills nor blocks', () => {
  const limiter = createRateLimiter({ messages: 1, intervalSeconds: 10 });
  limiter.take('alice', 50_000);
  assert.deepEqual(limiter.take('alice', 1_000), { ok: false, retryAfterSeconds: 10 });
  assert.deepEqual(limiter.take('alice', 60_000), { ok: true });
});

test('the injected clock is used when take() gets no time', () => {
  let now = 0;
  const limiter = createRateLimiter({ messages: 1, intervalSeconds: 1 }, { clock: () => now });
  assert.deepEqual(limiter.take('alice'), { ok: true });
  assert.deepEqual(limiter.take('alice'), { ok: false, retryAfterSeconds: 1 });
  now = 1000;
  assert.deepEqual(limiter.take('alice'), { ok: true });
});

test('with the rate limit turned off every message passes and nothing is remembered', () => {
  const limiter = createRateLimiter(false);
  assert.deepEqual(takeN(limiter, 'alice', 1000, 0).every((d) => d.ok), true);
  assert.equal(limiter.size, 0);
});
