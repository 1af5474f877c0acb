// The HTTP face of a running module: started by the CLI only when the rules file has `http`,
// on a TCP address or a Unix socket, closed with the module. It runs in the module's event
// loop but never in a MESSAGE's way: the SIP handlers answer synchronously and read nothing
// from here, and metrics are read from plain counters only when scraped. Its errors go to
// Yate's log; a place it cannot listen on leaves the module routing without it.
import { createAdaptorServer } from '@hono/node-server';
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatModule } from '../chat/index.js';
import { isLocalOnly, listenName, type HttpConfig } from '../config/index.js';
import type { Logger } from '../engine/logger.js';
import { createApp } from './app.js';
import { createMetrics } from './metrics.js';

export interface HttpFace {
  /** Where it listens: `127.0.0.1:8090` (the real port when 0 was asked), `unix:/path`. */
  readonly address: string;
  close(): Promise<void>;
}

/** Resolves with the running face, or null (said in Yate's log) when it cannot listen. */
export async function startHttp(chat: ChatModule, http: HttpConfig, log: Logger): Promise<HttpFace | null> {
  const loopback = http.listen.kind === 'tcp' && isLocalOnly(http.listen);
  const app = createApp({ chat, metrics: createMetrics(chat), token: http.token, log, loopback });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  const { listen } = http;
  try {
    if (listen.kind === 'unix') removeStaleSocket(listen.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (listen.kind === 'unix') server.listen(listen.path, resolve);
      else server.listen(listen.port, listen.host, resolve);
    });
    // Yate's user and group may use the socket; nobody else.
    if (listen.kind === 'unix') fs.chmodSync(listen.path, 0o660);
  } catch (err) {
    log.error(`http: cannot listen on ${listenName(listen)}: ${(err as Error).message}; no HTTP face (SIP routing goes on)`);
    server.close();
    return null;
  }
  server.on('error', (err) => log.error(`http: ${err.message}`));
  const address = listen.kind === 'unix' ? listenName(listen) : listenName({ ...listen, port: (server.address() as AddressInfo).port });
  log.info(`http: listening on ${address} (GET /metrics; /v1 API ${http.token === null ? 'without a token: local clients only' : 'with a bearer token'})`);
  return {
    address,
    close: () => new Promise<void>((resolve) => {
      server.close(() => {
        if (listen.kind === 'unix') fs.rmSync(listen.path, { force: true });
        resolve();
      });
      server.closeIdleConnections();
      // A request still waiting (a delivery) gets a second, then its connection is cut.
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    }),
  };
}

/** A socket file left by a module that died: removed (anything else at that path is not ours). */
function removeStaleSocket(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return;
  }
  if (st.isSocket()) fs.rmSync(file);
}
