// Encoders for both directions. Pure: a typed value in, one line out (without the '\n').
import { escape } from './escape.js';
import type { AnswerChange, Line, ParamOp } from './types.js';

function params(ops: readonly ParamOp[]): string {
  let out = '';
  for (const [name, value] of ops) out += value === null ? ':' + escape(name, true) : ':' + escape(name, true) + '=' + escape(value);
  return out;
}

function change(c: AnswerChange): string {
  return escape(c.name) + ':' + escape(c.retval) + params(c.params);
}

/** Raw (unescaped) fields cannot carry a line break; Yate would read two lines. */
function raw(text: string): string {
  return /[\x00-\x1f]/.test(text) ? text.replace(/[\x00-\x1f]/g, ' ') : text;
}

export function encodeLine(line: Line): string {
  switch (line.type) {
    case 'message':
      return `%%>message:${escape(line.id)}:${line.time}:${change(line)}`;
    case 'answer':
      return `%%<message:${escape(line.id)}:${line.processed}:${line.change ? change(line.change) : ''}`;
    case 'install': {
      const filter = line.filter ? `:${escape(line.filter.name)}:${escape(line.filter.value)}` : '';
      return `%%>install:${line.priority ?? ''}:${raw(line.name)}${filter}`;
    }
    case 'install-reply': return `%%<install:${line.priority}:${line.name}:${line.ok}`;
    case 'uninstall': return `%%>uninstall:${raw(line.name)}`;
    case 'uninstall-reply': return `%%<uninstall:${line.priority}:${line.name}:${line.ok}`;
    case 'watch': case 'unwatch': return `%%>${line.type}:${raw(line.name)}`;
    case 'watch-reply': return `%%<watch:${line.name}:${line.ok}`;
    case 'unwatch-reply': return `%%<unwatch:${line.name}:${line.ok}`;
    case 'setlocal': return `%%>setlocal:${raw(line.name)}:${raw(line.value)}`;
    case 'setlocal-reply': return `%%<setlocal:${line.rest}:${line.ok}`;
    case 'output': return `%%>output:${raw(line.text)}`;
    case 'debug': return `%%>debug:${line.level}:${escape(line.text)}`;
    case 'connect': return `%%>connect:${[line.role, line.channel, line.kind].join(':').replace(/:+$/, '')}`;
    case 'quit': return '%%>quit';
    case 'quit-reply': return '%%<quit';
    case 'error-in': return `Error in: ${line.line}`;
  }
}
