// Reading the rules file's JSON with errors a person can act on.
//
// JSON.parse says "Unexpected token } in JSON at position 812" (and Node 20 often gives no
// position at all), and it silently keeps the LAST of two equal keys, so a second
// "rateLimit" block would quietly replace the first. This small scanner runs first: it
// finds the line and column of the first syntax error, and the place of every duplicate
// field. JSON.parse then builds the value from text the scanner accepted.
//
// Comments: JSON has none, so keys starting with "//" or "$comment" are comments anywhere
// (they may repeat, and their values are not looked at). `stripComments` removes them.

/** A field path as zod reports it: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

export interface JsonProblem {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** Set for problems inside the structure (a duplicate field); absent for syntax errors. */
  readonly path?: JsonPath;
}

export type JsonReadResult =
  | { readonly ok: true; readonly value: unknown; readonly duplicates: readonly JsonProblem[] }
  | { readonly ok: false; readonly problem: JsonProblem };

/** Nesting deeper than this is refused (a rules file needs 4 levels; this keeps the scanner's recursion safe). */
const MAX_DEPTH = 64;

/** True for a key that is a comment: it starts with "//" or "$comment". */
export function isCommentKey(key: string): boolean {
  return key.startsWith('//') || key.startsWith('$comment');
}

/** Parses JSON text (a leading byte-order mark is ignored). */
export function readJson(text: string): JsonReadResult {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scan = scanJson(src);
  if ('error' in scan) return { ok: false, problem: { message: scan.error, ...lineColumn(src, scan.at) } };
  // The scanner accepted the text, so JSON.parse will too.
  const value: unknown = JSON.parse(src);
  const duplicates = scan.duplicates.map((d) => ({
    message: 'duplicate field: JSON would silently keep only the last one',
    path: d.path,
    ...lineColumn(src, d.at),
  }));
  return { ok: true, value, duplicates };
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Returns a copy of a parsed JSON value without comment keys, at any depth. Objects are
 * rebuilt with Object.fromEntries, so a "__proto__" key stays an ordinary own key.
 */
export function stripComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripComments);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !isCommentKey(k))
        .map(([k, v]) => [k, stripComments(v)]),
    );
  }
  return value;
}

type ScanResult = { error: string; at: number } | { duplicates: { path: JsonPath; at: number }[] };

class SyntaxProblem {
  constructor(
    readonly message: string,
    readonly at: number,
  ) {}
}

function scanJson(src: string): ScanResult {
  let pos = 0;
  const duplicates: { path: JsonPath; at: number }[] = [];

  const ws = (): void => {
    while (pos < src.length) {
      const c = src[pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') pos++;
      else break;
    }
  };
  const got = (): string => {
    if (pos >= src.length) return 'the end of the file';
    const c = src[pos] ?? '';
    const hint =
      c === '/' ? ' (JSON has no comments: write them as "//": "..." fields)' : c === "'" ? ' (JSON strings use double quotes)' : '';
    return `${JSON.stringify(c)}${hint}`;
  };
  const fail = (expected: string): never => {
    throw new SyntaxProblem(`expected ${expected}, got ${got()}`, pos);
  };

  const string = (): string => {
    const start = pos;
    pos++; // opening quote
    while (true) {
      if (pos >= src.length) throw new SyntaxProblem('unterminated string', start);
      const code = src.charCodeAt(pos);
      if (code === 0x22) {
        pos++;
        return JSON.parse(src.slice(start, pos)) as string;
      }
      if (code < 0x20) throw new SyntaxProblem('expected a closing \'"\' before the end of the line (a string cannot hold a raw control character; write \\n)', pos);
      if (code === 0x5c) {
        const e = src[pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(src.slice(pos + 2, pos + 6))) throw new SyntaxProblem('expected 4 hex digits after \\u', pos);
          pos += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          pos += 2;
        } else {
          throw new SyntaxProblem(`invalid escape \\${e ?? ''} (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, pos);
        }
        continue;
      }
      pos++;
    }
  };

  const number = (): void => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(src.slice(pos, pos + 400));
    if (!m || m[0] === '-') fail('a value');
    pos += m![0].length;
  };

  const value = (path: (string | number)[], checkDuplicates: boolean, depth: number): void => {
    if (depth > MAX_DEPTH) throw new SyntaxProblem(`expected at most ${MAX_DEPTH} levels of nesting`, pos);
    ws();
    const c = src[pos];
    if (c === '{') return object(path, checkDuplicates, depth);
    if (c === '[') return array(path, checkDuplicates, depth);
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (src.startsWith(word, pos)) {
        pos += word.length;
        return;
      }
    }
    fail('a value (object, array, string, number, true, false or null)');
  };

  const object = (path: (string | number)[], checkDuplicates: boolean, depth: number): void => {
    pos++; // {
    const seen = new Set<string>();
    ws();
    if (src[pos] === '}') {
      pos++;
      return;
    }
    while (true) {
      ws();
      if (src[pos] !== '"') {
        const trailing = src[pos] === '}' ? ' (JSON allows no comma before "}")' : '';
        if (trailing) throw new SyntaxProblem(`expected a field name in double quotes, got "}"${trailing}`, pos);
        fail('a field name in double quotes');
      }
      const keyAt = pos;
      const key = string();
      const comment = isCommentKey(key);
      if (checkDuplicates && !comment) {
        if (seen.has(key)) duplicates.push({ path: [...path, key], at: keyAt });
        seen.add(key);
      }
      ws();
      if (src[pos] !== ':') fail(`":" after the field name ${JSON.stringify(key)}`);
      pos++;
      value([...path, key], checkDuplicates && !comment, depth + 1);
      ws();
      if (src[pos] === ',') {
        pos++;
        continue;
      }
      if (src[pos] === '}') {
        pos++;
        return;
      }
      fail('"," or "}" after a field');
    }
  };

  const array = (path: (string | number)[], checkDuplicates: boolean, depth: number): void => {
    pos++; // [
    ws();
    if (src[pos] === ']') {
      pos++;
      return;
    }
    for (let i = 0; ; i++) {
      ws();
      if (src[pos] === ']' && i > 0) throw new SyntaxProblem('expected a value, got "]" (JSON allows no comma before "]")', pos);
      value([...path, i], checkDuplicates, depth + 1);
      ws();
      if (src[pos] === ',') {
        pos++;
        continue;
      }
      if (src[pos] === ']') {
        pos++;
        return;
      }
      fail('"," or "]" after an array element');
    }
  };

  try {
    ws();
    if (pos >= src.length) fail('a JSON object');
    value([], true, 0);
    ws();
    if (pos < src.length) fail('nothing more after the end of the top-level value');
    return { duplicates };
  } catch (err) {
    if (err instanceof SyntaxProblem) return { error: err.message, at: err.at };
    throw err;
  }
}
