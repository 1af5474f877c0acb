// Shared by the config-*.test.ts files: temp folders with rules files in them. No tests here.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { ConfigError, loadConfig, type Config, type ConfigIssue, type LoadOptions } from '../src/config/index.js';

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-config-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` (an object as JSON, or raw text) to `name` in a fresh temp folder; returns its path. */
export function writeRules(content: unknown, name = 'rules.json'): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A fixed environment, so the developer's YATE_CHAT_DATA never leaks into a test. */
export const ENV: LoadOptions = { env: { YATE_CHAT_DATA: path.join(os.tmpdir(), 'yate-chat-test-data') } };

/** loadConfig of `content` written to a temp file. */
export function load(content: unknown): Config {
  return loadConfig(writeRules(content), ENV);
}

/** The ConfigError that loading `file` throws (fails the test when it does not throw). */
export function refusal(file: string, options: LoadOptions = ENV): ConfigError {
  try {
    loadConfig(file, options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be refused, but it loaded`);
}

/** The issues of loading `content`, as plain {field, message} pairs. */
export function issuesOf(content: unknown): { field: string; message: string }[] {
  return refusal(writeRules(content)).issues.map((i: ConfigIssue) => ({ field: i.field, message: i.message }));
}
