// A client for Yate's remote console (rmanager): one TCP connection per command. It waits for
// the greeting, sends the command and `quit`, and returns what Yate printed in between.
// rmanager.conf must set `telnet=no` (no telnet negotiation bytes) and the greeting and
// farewell below, which `yateConfigs` in this folder writes.
import net from 'node:net';

/** Greeting (rmanager `header`) and farewell (`goodbye`) the suite configures. */
export const RMANAGER_HEADER = 'yate-chat-suite rmanager ready';
export const RMANAGER_GOODBYE = 'yate-chat-suite rmanager bye';

/** Send one rmanager command line to 127.0.0.1:`port`; resolves with its output (CRLF kept). */
export function rmanager(port: number, command: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let text = '';
    let sent = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`rmanager on port ${port}: no complete answer to ${JSON.stringify(command)} in ${timeoutMs} ms; got ${JSON.stringify(text)}`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      text += chunk;
      if (!sent && text.includes(`${RMANAGER_HEADER}\r\n`)) {
        sent = true;
        sock.write(`${command}\r\nquit\r\n`);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`rmanager on port ${port}: ${err.message}`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const start = text.indexOf(`${RMANAGER_HEADER}\r\n`);
      const end = text.lastIndexOf(`${RMANAGER_GOODBYE}\r\n`);
      if (start < 0 || end < 0) {
        reject(new Error(`rmanager on port ${port}: connection closed early; got ${JSON.stringify(text)}`));
        return;
      }
      resolve(text.slice(start + RMANAGER_HEADER.length + 2, end));
    });
  });
}

/** The `key=value` fields of one `name=NAME,...;k=v,...;...` line of `status`, or undefined. */
export function statusFields(status: string, name: string): Record<string, string> | undefined {
  const line = status.split('\r\n').find((l) => l.startsWith(`name=${name},`));
  if (!line) return undefined;
  const fields: Record<string, string> = {};
  // The second ;-separated part holds the module's counters (the first is name,type[,format]).
  for (const part of line.split(';').slice(1, 2).join('').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return fields;
}
