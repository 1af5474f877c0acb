// Shared by the real-Yate test files: the Yate found (the runner only starts them when there
// is one; run directly without a Yate, every test is skipped with the reason), users with
// their SIP user agents, and a poll helper.
import type { TestContext } from 'node:test';
import { DEFAULT_USERS, type RunningYate } from './engine.js';
import { findYate, type YateInstall } from './find.js';
import { openUa, type Ua, type UaOptions } from './sip-ua.js';

const found = findYate();

/** Options for `test()`: skipped, with the reason, when there is no Yate. */
export const needsYate: { skip: string | false } = { skip: found.ok ? false : found.reason };

/** The installed Yate (only call inside a test guarded by `needsYate`). */
export function yateInstall(): YateInstall {
  if (!found.ok) throw new Error(found.reason);
  return found.yate;
}

/** A UA for regfile user `user` of this Yate (password from DEFAULT_USERS), closed when the test ends. */
export async function uaFor(t: TestContext, yate: RunningYate, user: string, extra: Partial<UaOptions> = {}): Promise<Ua> {
  const ua = await openUa({ user, password: DEFAULT_USERS[user] ?? '', serverPort: yate.sipPort, ...extra });
  t.after(() => ua.close());
  return ua;
}

/** A UA that has registered (asserting the 200). */
export async function registeredUa(t: TestContext, yate: RunningYate, user: string): Promise<Ua> {
  const ua = await uaFor(t, yate, user);
  const res = await ua.register();
  if (res.code !== 200) throw new Error(`REGISTER of ${user} answered ${res.code} ${res.reason}`);
  return ua;
}

/** Poll `check` until it returns a truthy value. */
export async function until<T>(what: string, check: () => T | Promise<T>, ms = 15000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
