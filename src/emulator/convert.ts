// Yate's conversion of parameter text to numbers (String::toInteger), which the message model,
// setlocal and the simulated ysipchan all apply: one leaf file they share without importing
// each other. (Booleans: parseBool in protocol/decode.ts, String::toBoolean's words.)

/** String::toInteger(def): optional blanks and sign, decimal digits, nothing left over. */
export function toInteger(text: string, def: number): number {
  const m = /^[ \t]*([+-]?\d+)[ \t]*$/.exec(text);
  return m ? Number(m[1]) + 0 : def;
}
