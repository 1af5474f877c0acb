export * from './types.js';
export { escape, unescape } from './escape.js';
export { decodeEngineLine, decodeModuleLine, messageIdOf, parseBool, setlocalValue } from './decode.js';
export { encodeLine } from './encode.js';
export { fromText, toText, toBuffer, fromBuffer } from './bytes.js';
