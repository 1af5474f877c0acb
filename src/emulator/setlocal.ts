// `%%>setlocal:NAME:VALUE` exactly as ExtModReceiver::processLine (modules/extmodule.cpp) does it.
// The reply `%%<setlocal:NAME:VALUE:OK` is NOT escaped; VALUE is what Yate set or read:
//   trackparam  empty reads, else sets the track name used by LATER installs; ok
//   reason      sets; ok
//   timeout     toInteger(current), no clamp (<= 0: no timeout); ok
//   timebomb, reenter, setdata, selfwatch   toBoolean(current); ok
//   settime     toBoolean; the reply shows the SETDATA value (a Yate bug, kept)
//   maxqueue    toInteger clamped to 0..10000 (0: unlimited); ok
//   bufsize     toInteger clamped to 2048..65536, answered with the size set; ok
//   restart     true only for a script Yate started (not a socket) in the global role; ok
//   engine.X    runtime param X: ok only when asked with an empty value AND X exists;
//               the reply carries the param value either way (empty when missing)
//   config.S.K  yate.conf key: ok when asked empty and found; config.S: ok when section exists
//   loaded.M    "true"/"false"; ok when asked empty
//   runid       Engine::runId(); ok when asked empty
//   anything else (also `id`/`disconnected`, which need a channel): false, value echoed
import { parseBool } from '../protocol/decode.js';
import { toInteger } from './convert.js';

export interface LocalState {
  trackName: string;
  reason: string;
  timeout: number;
  timebomb: boolean;
  maxQueue: number;
  bufsize: number;
  restart: boolean;
  reenter: boolean;
  setdata: boolean;
  settime: boolean;
  selfwatch: boolean;
}

export interface EngineView {
  readonly runParams: Readonly<Record<string, string>>;
  readonly config: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly runId: string;
  pluginLoaded(name: string): boolean;
}

export const MIN_BUFSIZE = 2048;
export const DEF_BUFSIZE = 8192;
export const MAX_BUFSIZE = 65536;
export const MAX_MAXQUEUE = 10000;

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function clampInt(text: string, def: number, min: number, max: number): number {
  const v = toInteger(text, Number.NaN);
  if (Number.isNaN(v)) return def;
  return Math.min(max, Math.max(min, v));
}

/** Apply one setlocal; `canRestart` = scripted && global role. */
export function applySetlocal(
  s: LocalState, name: string, value: string, engine: EngineView, canRestart: boolean,
): { value: string; ok: boolean } {
  let val = value;
  let ok = true;
  const flag = (cur: boolean): boolean => parseBool(val) ?? cur; // String::toBoolean(cur)
  switch (name) {
    case 'trackparam':
      if (val === '') val = s.trackName;
      else s.trackName = val;
      break;
    case 'reason': s.reason = val; break;
    case 'timeout': s.timeout = toInteger(val, s.timeout); val = String(s.timeout); break;
    case 'timebomb': s.timebomb = flag(s.timebomb); val = String(s.timebomb); break;
    case 'maxqueue': s.maxQueue = clampInt(val, s.maxQueue, 0, MAX_MAXQUEUE); val = String(s.maxQueue); break;
    case 'bufsize': s.bufsize = clampInt(val, s.bufsize, MIN_BUFSIZE, MAX_BUFSIZE); val = String(s.bufsize); break;
    case 'restart': s.restart = canRestart && flag(s.restart); val = String(s.restart); break;
    case 'reenter': s.reenter = flag(s.reenter); val = String(s.reenter); break;
    case 'setdata': s.setdata = flag(s.setdata); val = String(s.setdata); break;
    case 'settime': s.settime = flag(s.settime); val = String(s.setdata); break;
    case 'selfwatch': s.selfwatch = flag(s.selfwatch); val = String(s.selfwatch); break;
    case 'runid': ok = val === ''; val = engine.runId; break;
    default:
      if (name.startsWith('engine.')) {
        const key = name.slice(7);
        const has = own(engine.runParams, key);
        ok = val === '' && has;
        val = has ? engine.runParams[key]! : '';
      } else if (name.startsWith('config.')) {
        ok = val === '';
        const rest = name.slice(7);
        const sep = rest.indexOf('.');
        if (sep > 0) {
          const sect = rest.slice(0, sep).trim();
          const key = rest.slice(sep + 1).trim();
          const section = own(engine.config, sect) ? engine.config[sect]! : undefined;
          if (section && own(section, key)) val = section[key]!;
          else { val = ''; ok = false; }
        } else {
          ok = own(engine.config, rest);
          val = '';
        }
      } else if (name.startsWith('loaded.')) {
        ok = val === '';
        val = String(engine.pluginLoaded(name.slice(7)));
      } else {
        ok = false;
      }
  }
  return { value: val, ok };
}
