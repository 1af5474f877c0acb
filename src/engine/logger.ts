// Logging into Yate's own log through the protocol, never stdout text.
// error/warn/debug go out as `%%>debug:LEVEL:` (shown according to Yate's debug level);
// info goes out as `%%>output:` like the seed's echo, so an admin sees one line per message.
// Without a link (before start, after the end) lines go to stderr, which Yate logs for a script.
import { fromText } from '../protocol/bytes.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Yate debug levels: DebugConf 3, DebugWarn 5, DebugNote 7, DebugInfo 9. */
export const YATE_LEVEL: Record<LogLevel, number> = { error: 3, warn: 5, info: 7, debug: 9 };

export interface Logger {
  error(text: string): void;
  warn(text: string): void;
  info(text: string): void;
  debug(text: string): void;
  level: LogLevel;
}

export type LogSink = (level: LogLevel, text: string) => void;

export function createLogger(sink: LogSink, level: LogLevel = 'info'): Logger {
  const logger: Logger = {
    level,
    error: (t) => emit('error', t),
    warn: (t) => emit('warn', t),
    info: (t) => emit('info', t),
    debug: (t) => emit('debug', t),
  };
  function emit(l: LogLevel, text: string): void {
    if (RANK[l] <= RANK[logger.level]) sink(l, text);
  }
  return logger;
}

/** A sink for code that runs before or without an engine link: stderr, which Yate logs. */
export const stderrSink: LogSink = (level, text) => {
  process.stderr.write(`yate-chat ${level}: ${text}\n`);
};

/** What the engine sink writes through: the connection. */
export interface LogLink {
  /** Lines go to Yate while 'open'. */
  readonly state: string;
  /** The confirmed bufsize. */
  readonly maxLineLength: number;
  output(text: string): void;
  debug(level: number, text: string): void;
}

/** A connection's sink: into Yate's log while the link is open, else (or should a line still
 *  fail) stderr. Log text is text: written as UTF-8 bytes, cut so that even escaped it fits. */
export function engineSink(link: LogLink): LogSink {
  return (level, text) => {
    if (link.state === 'open') {
      const bytes = fromText(text);
      const room = Math.floor(link.maxLineLength / 2) - 80;
      const line = bytes.length > room ? bytes.slice(0, room) + '...' : bytes;
      try {
        return level === 'info' ? link.output(line) : link.debug(YATE_LEVEL[level], line);
      } catch {
        // the link went away meanwhile: stderr below
      }
    }
    stderrSink(level, text);
  };
}
